import { describe, expect, it } from 'vitest'
import { outboxSession } from '../support/outbox-session.js'

interface Recount {
  unavailable?: string
  individualsPerRow?: number[]
  declaredRoles?: Record<string, string>
  contributionsUnavailable?: string
}

// A researcher who knows how the airlock works tries to make the recount vouch for what it did not
// count. Each attack ends in review or fail, with the reason, never in a pass.
describe('the recount under attack, on a real sandbox', () => {
  const session = outboxSession(['reviewer1'])
  const cell = (source: string) => session.cell('sql', source)
  /** Runs the cell, exports it to the outbox, submits it; the file as its reviewer sees it. */
  const exported = async (source: string, name: string) => {
    await session.exportCell('sql', source, name)
    const file = await session.checked(`outbox/${name}.csv`)
    return {
      file,
      recount: (file.provenance as unknown as { recount: Recount }).recount,
      rule: (name: string) => file.checks.find((c) => c.rule === name)!
    }
  }

  it("counts the people behind a filtered count, not its row's: one person's claims in a row of hundreds fail", async () => {
    const [top] = (
      await cell('SELECT person_id, count(*) AS n FROM claims GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1')
    ).outputs[0]!.rows
    expect(Number(top![1])).toBeGreaterThanOrEqual(10)
    const source = `SELECT sex, count(*) AS claims, count(*) FILTER (WHERE person_id = '${top![0]}') AS n_one FROM claims JOIN patients USING (person_id) GROUP BY sex ORDER BY sex`
    const { file, recount, rule } = await exported(source, 'one-person')
    expect(recount.unavailable).toBeUndefined()
    // the row of that person's sex rests, in its n_one cell, on one person
    expect(recount.individualsPerRow).toContain(1)
    expect(rule('threshold')).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(/draws on fewer than 10 individuals.* has 1\b/)
    })
    expect(file.outcome).toBe('fail')
  }, 120_000)

  it('declares an expression over a sum a sum, and a value picked from one person a maximum: review, not a statistic that passes', async () => {
    const source =
      'SELECT claim_type, count(DISTINCT person_id) AS people, sum(points) + 0 AS rate, arg_max(facility_id, points) AS top_facility FROM claims GROUP BY 1 ORDER BY 1'
    const { file, recount, rule } = await exported(source, 'disguised')
    expect(recount.declaredRoles).toEqual({ claim_type: 'key', people: 'count', rate: 'sum', top_facility: 'max' })
    expect(recount.contributionsUnavailable).toMatch(/rate, top_facility are not a plain sum, mean, minimum or maximum/)
    expect(rule('dominance')).toMatchObject({
      outcome: 'review',
      message: expect.stringMatching(/"rate".*contributions to its cells were not recorded.*"top_facility" holds maxima or minima/s)
    })
    expect(file.outcome).not.toBe('pass')
  }, 120_000)

  it('does not recount a select list that reads outside the group, nor a query whose columns hide in a macro', async () => {
    const sub = await exported(
      "SELECT sex, count(*) AS n, (SELECT count(*) FROM claims WHERE claim_type = 'dpc') AS rate FROM patients GROUP BY 1 ORDER BY 1",
      'subquery'
    )
    expect(sub.recount.unavailable).toMatch(/^a subquery in the select list reads rows outside each row's group/)
    expect(sub.file.outcome).not.toBe('pass')

    const withMacro =
      'CREATE OR REPLACE TEMP MACRO share(x) AS sum(x); SELECT sex, count(*) AS n, share(points) AS rate FROM claims JOIN patients USING (person_id) GROUP BY 1 ORDER BY 1'
    await cell(withMacro)
    const macro = await exported(withMacro, 'macro')
    expect(macro.recount.unavailable).toMatch(/^statement 1 of the cell makes a macro, share: .*write the expression in the query/)
    expect(macro.file.outcome).not.toBe('pass')
  }, 120_000)

  it('matches every printed cell: labels from a table an earlier cell shadowed are not the dataset query’s', async () => {
    // an earlier cell, never exported, replaces the patients the export's query reads in the notebook
    await cell(
      "CREATE OR REPLACE TEMP TABLE patients AS SELECT * REPLACE (CASE WHEN sex = 'F' THEN 'secret entered here' ELSE sex END AS sex) FROM dataset.main.patients"
    )
    try {
      const query = 'SELECT sex, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1'
      // the counts are the dataset's; the label is not
      expect((await cell(query)).outputs[0]!.rows.map((r) => r[0])).toContain('secret entered here')
      const { file, recount } = await exported(query, 'shadowed')
      expect(recount.unavailable).toBe("the table's rows no longer match the query's result")
      expect(file.outcome).not.toBe('pass')
    } finally {
      await cell('DROP TABLE temp.main.patients')
    }
  }, 120_000)
})
