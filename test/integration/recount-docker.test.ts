import { describe, expect, it } from 'vitest'
import { SANDBOX_CHECK_USER } from '../../server/src/sandbox/driver.js'
import { HOME, WORK_DIR } from '../../server/src/sessions/workspace.js'
import type { RequestView } from '../support/airlock.js'
import { outboxSession } from '../support/outbox-session.js'

const OUTBOX = `${WORK_DIR}/outbox`

interface Recount {
  unavailable?: string
  individualsPerRow?: number[]
  declaredRoles?: Record<string, string>
  contributions?: { row: number; column: number; top: number[]; total: number; min: number; individuals: number }[]
}

describe('the recount on a real sandbox: out of the researcher reach, read-only, tied to the export that made the file', () => {
  const session = outboxSession(['reviewer1'])
  const { cell, exportCell, submit } = session
  const sh = (script: string, user?: string) => session.run(['sh', '-c', script], user)
  /** The files of a request as its reviewer sees them, with the recount's findings. */
  const reviewed = async (id: string) => (await session.api.look('reviewer1', id)).files
  const recountOf = (f: RequestView['files'][number]) => (f.provenance as unknown as { recount: Recount }).recount

  it('counts people only in the dataset: a temporary table named like a dataset table stops the recount', async () => {
    const source = [
      'CREATE OR REPLACE TEMP TABLE claims AS SELECT * REPLACE (claim_id AS person_id) FROM dataset.main.claims;',
      'SELECT facility_id, count(*) AS n FROM claims GROUP BY 1 ORDER BY 1 LIMIT 5'
    ].join('\n')
    await cell('sql', source)
    await exportCell('sql', source, 'fake-people')
    const r = await submit(['outbox/fake-people.csv'])
    // the requester learns only that no count was possible; the outcome is never a pass
    expect(r.files[0]!.provenance).toMatchObject({ source, recount: { unavailable: expect.any(String) } })
    expect(r.files[0]!.outcome).not.toBe('pass')
    const [file] = await reviewed(r.id)
    expect(recountOf(file!).unavailable).toMatch(/makes a table named claims, like the dataset's table/)
    // its printed counts of claims prove nothing about people: the threshold check asks for review
    expect(file!.checks.find((c) => c.rule === 'threshold')).toMatchObject({
      outcome: 'review',
      message: expect.stringMatching(/individuals behind its rows could not be counted/)
    })

    // the same query on the dataset's own claims counts people, not claims
    const honest = 'SELECT facility_id, count(*) AS n FROM dataset.main.claims GROUP BY 1 ORDER BY 1 LIMIT 5'
    await exportCell('sql', honest, 'real-people')
    const people = (
      await cell(
        'sql',
        'SELECT facility_id, count(DISTINCT person_id) FROM dataset.main.claims GROUP BY 1 ORDER BY 1 LIMIT 5'
      )
    ).outputs[0]!.rows.map((row) => Number(row[1]))
    const claims = (await cell('sql', honest)).outputs[0]!.rows.map((row) => Number(row[1]))
    expect(people).not.toEqual(claims)
    const h = await submit(['outbox/real-people.csv'])
    expect(recountOf((await reviewed(h.id))[0]!)).toMatchObject({ individualsPerRow: people })
    // the kernel's claims are the dataset's again for the tests that follow
    await cell('sql', 'DROP TABLE temp.main.claims')
  }, 120_000)

  it('trusts no person column of a table the notebook made: no recount, and why', async () => {
    const source = [
      'CREATE TEMP TABLE made AS SELECT claim_id AS person_id, facility_id FROM dataset.main.claims;',
      'SELECT facility_id, count(*) AS n FROM made GROUP BY 1 ORDER BY 1 LIMIT 5'
    ].join('\n')
    await cell('sql', source)
    await exportCell('sql', source, 'made-people')
    const r = await submit(['outbox/made-people.csv'])
    expect(recountOf((await reviewed(r.id))[0]!).unavailable).toMatch(
      /person_id column of made comes from a table made in the notebook/
    )
  }, 120_000)

  it('runs read-only as an account that can write neither /data nor the home: a COPY in the cell writes nothing', async () => {
    const check = await sh(
      `id -u; touch /data/probe; echo "data $?"; touch ${HOME}/probe; echo "home $?"`,
      SANDBOX_CHECK_USER
    )
    expect(check.stdout.split('\n')[0]).toBe('1002')
    expect(check.stdout).toMatch(/data [1-9]/)
    expect(check.stdout).toMatch(/home [1-9]/)

    const copy = [
      "COPY (SELECT person_id FROM patients) TO '/data/x.csv';",
      'SELECT sex, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1'
    ].join('\n')
    await exportCell('sql', copy, 'with-copy')
    // files may be read only through the dataset: a replayed statement that reads one fails
    const read = [
      "CREATE TEMP TABLE host AS SELECT * FROM read_text('/etc/hostname');",
      'SELECT sex, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1'
    ].join('\n')
    await cell('sql', read)
    await exportCell('sql', read, 'with-read')
    const r = await submit(['outbox/with-copy.csv', 'outbox/with-read.csv'])
    const [withCopy, withRead] = await reviewed(r.id)
    expect(recountOf(withCopy!).unavailable).toMatch(/^statement 1 of the cell \(COPY\) is not run by the recount/)
    expect(recountOf(withRead!).unavailable).toMatch(
      /statement 1 of the cell failed when replayed: .*disabled by configuration/
    )
    const left = await sh('ls -a /data; test -e /data/x.csv; echo "x.csv $?"')
    expect(left.stdout).toMatch(/x\.csv 1/)
  }, 120_000)

  it('ties a file to the export that wrote it: identical bytes under two names each show their own query', async () => {
    const a = 'SELECT sex, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1'
    const b = 'SELECT sex, count(person_id) AS n FROM patients GROUP BY sex ORDER BY sex'
    await exportCell('sql', a, 'twin-a')
    await exportCell('sql', b, 'twin-b')
    const same = await sh(
      `cmp ${OUTBOX}/twin-a.csv ${OUTBOX}/twin-b.csv && cp ${OUTBOX}/twin-a.csv ${OUTBOX}/copied.csv`
    )
    expect(same.exitCode, same.stderr).toBe(0)
    const r = await submit(['outbox/twin-a.csv', 'outbox/twin-b.csv', 'outbox/copied.csv'])
    const byName = Object.fromEntries(r.files.map((f) => [f.name, f.provenance]))
    expect(byName['twin-a.csv']).toMatchObject({ source: a })
    expect(byName['twin-b.csv']).toMatchObject({ source: b })
    // a copy under another name was written by no export
    expect(byName['copied.csv']).toBeNull()
  }, 120_000)

  it('declares what each column computes and records each person’s contributions to sums and means', async () => {
    const source = [
      'SELECT claim_type, count(*) AS claims, count(DISTINCT person_id) AS people, sum(points) AS points,',
      'round(avg(points), 1) AS mean_points, max(points) AS max_points, median(points) AS median_points',
      'FROM claims GROUP BY claim_type ORDER BY claim_type'
    ].join(' ')
    await exportCell('sql', source, 'by-type')
    const expected = (
      await cell(
        'sql',
        [
          'WITH per AS (SELECT claim_type, person_id, sum(points) AS v FROM claims GROUP BY ALL)',
          'SELECT claim_type, max(v, 2)::DOUBLE[], sum(v)::DOUBLE, min(v)::DOUBLE, count(*) FROM per GROUP BY 1 ORDER BY 1'
        ].join(' ')
      )
    ).outputs[0]!.rows
    const r = await submit(['outbox/by-type.csv'])
    const recount = recountOf((await reviewed(r.id))[0]!)
    expect(recount.unavailable).toBeUndefined()
    expect(recount.declaredRoles).toEqual({
      claim_type: 'key',
      claims: 'count',
      people: 'count',
      points: 'sum',
      mean_points: 'mean',
      max_points: 'max',
      median_points: 'statistic'
    })
    for (const column of [3, 4, 5]) {
      const got = recount.contributions!.filter((c) => c.column === column).sort((x, y) => x.row - y.row)
      expect(got.map((c) => [c.top, c.total, c.min, c.individuals])).toEqual(
        expected.map((row) => [row[1], Number(row[2]), Number(row[3]), Number(row[4])])
      )
    }
    // the median is no sum: nobody's share of it is recorded
    expect(recount.contributions!.some((c) => c.column === 6)).toBe(false)
  }, 120_000)

  it("records a model's residual degrees of freedom: a model with 5 fails the residual-df rule", async () => {
    const source = [
      'import numpy as np, pandas as pd, statsmodels.api as sm',
      'rng = np.random.default_rng(1)',
      "X = sm.add_constant(pd.DataFrame({'x1': rng.normal(size=8), 'x2': rng.normal(size=8)}))",
      "fitted = sm.OLS(X['x1'] * 2 + rng.normal(size=8), X).fit()",
      'fitted'
    ].join('\n')
    await cell('python', source)
    const exported = await exportCell('python', source, 'model')
    expect(exported).toMatchObject({ rows: 3, residualDf: 5 })
    const csv = await sh(`head -1 ${OUTBOX}/model.csv`)
    expect(csv.stdout.trim()).toBe('term,params,bse,tvalues,pvalues')
    const r = await submit(['outbox/model.csv'])
    expect(r.files[0]!.provenance).toMatchObject({ language: 'python', residualDf: 5 })
    const rule = (await reviewed(r.id))[0]!.checks.find((c) => c.rule === 'residual-df')
    expect(rule).toMatchObject({ outcome: 'fail' })
  }, 120_000)
})
