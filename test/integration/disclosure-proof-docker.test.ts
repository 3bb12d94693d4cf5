/**
 * "pass" means proven (issue 15): each table the checks used to pass without evidence, put in the
 * outbox of a real sandbox (or sent there by a notebook cell) and submitted through the gateway,
 * now gets fail or review, with the reason the reviewer reads.
 */
import { describe, expect, it } from 'vitest'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import type { FileView } from '../support/airlock.js'
import { outboxSession } from '../support/outbox-session.js'

const OUTBOX = `${WORK_DIR}/outbox`

describe('disclosure checks pass only with proof, through the gateway on a real sandbox', () => {
  const session = outboxSession(['reviewer1'])

  /** Writes `content` to outbox/NAME as the researcher would, from inside the sandbox. */
  const put = async (name: string, content: string) => {
    const b64 = Buffer.from(content).toString('base64')
    await session.inSandbox(['sh', '-c', `echo ${b64} | base64 -d > ${OUTBOX}/${name}`])
  }
  /** Sends a notebook cell's result to the outbox as NAME.csv (a Python cell runs first: its value comes from the kernel). */
  const exportCell = async (language: 'sql' | 'python', source: string, name: string) => {
    if (language === 'python') await session.cell(language, source)
    await session.exportCell(language, source, name)
  }
  /** Submits outbox/NAME; the file as its reviewer sees it, with every check's message. */
  const checked = (name: string) => session.checked(`outbox/${name}`)
  const rule = (f: FileView, name: string) => {
    const found = f.checks.find((c) => c.rule === name)
    expect(found, `${name} among ${f.checks.map((c) => c.rule).join(', ')}`).toBeDefined()
    return found!
  }
  const notPass = (f: FileView) => expect(f.outcome, JSON.stringify(f.checks, null, 1)).not.toBe('pass')

  it('a wide table of whole numbers may hold sums: one unit with 95% of a cell is not passed', async () => {
    await put('sum-wide.csv', 'region,F,M\nNorth,30090,100000\nSouth,25075,31093\n')
    const f = await checked('sum-wide.csv')
    notPass(f)
    for (const r of ['dominance', 'p-percent']) {
      expect(rule(f, r).outcome).toBe('review')
      expect(rule(f, r).message).not.toMatch(/does not apply/i)
    }
  }, 60_000)

  it('a wide table of whole numbers may hold means: the mean of one person is not passed', async () => {
    await put('mean-wide.csv', 'region,F,M\nNorth,1003,123456\nSouth,1003,1003\n')
    const f = await checked('mean-wide.csv')
    notPass(f)
    expect(rule(f, 'dominance').outcome).toBe('review')
  }, 60_000)

  it('pandas multi-line headers (pivot_table with several aggfuncs) are read, not all taken as text', async () => {
    // exactly what pandas writes for pivot_table(values="cost", index="region", columns="sex", aggfunc=["sum", "count"])
    await put(
      'pivot.csv',
      ',sum,sum,count,count\nsex,F,M,F,M\nregion,,,,\nNorth,30090,100000,12,15\nSouth,25075,31093,14,16\n'
    )
    const f = await checked('pivot.csv')
    notPass(f)
    expect(rule(f, 'dominance').outcome).toBe('review')
    expect(rule(f, 'dominance').message).not.toMatch(/does not apply/i)
  }, 60_000)

  it('percentages hide small counts: 25% of 12 and 2.5% of 40 are 3 and 1 people', async () => {
    await put('pct.csv', 'group,n,pct\nA,12,25.0\nB,40,2.5\n')
    const f = await checked('pct.csv')
    expect(f.outcome).toBe('fail')
    expect(rule(f, 'threshold').outcome).toBe('fail')
  }, 60_000)

  it('negative values in a magnitude table go to review', async () => {
    await put('balance.csv', 'region,net_cost\nNorth,-1200\nSouth,3400\n')
    notPass(await checked('balance.csv'))
  }, 60_000)

  it('a negative contribution or an all-zero total goes to review on the recount, as in ACRO', async () => {
    await exportCell(
      'sql',
      "select sex, count(*) as n, sum(case when birth_ym < '1950-01' then -5 else 1 end) as net, sum(case when person_id is null then 1 else 0 end) as nothing from patients group by sex order by sex",
      'net-by-sex'
    )
    const f = await checked('net-by-sex.csv')
    expect(f.outcome).toBe('review')
    for (const r of ['dominance', 'p-percent']) {
      const d = rule(f, r)
      expect(d.outcome).toBe('review')
      expect(d.message).toMatch(/with a negative contribution/)
      expect(d.message).toMatch(/whose total is 0/)
    }
  }, 90_000)

  it("patient rows beside a constant mean are individual-level data, whatever else they hold", async () => {
    await exportCell(
      'sql',
      'select person_id, sex, birth_ym, prefecture_code, insurer_type, 4211.5 as mean_points from patients order by person_id limit 500',
      'patients-500'
    )
    const f = await checked('patients-500.csv')
    expect(f.outcome).toBe('fail')
    expect(rule(f, 'row-level').outcome).toBe('fail')
  }, 90_000)

  it('a table without a count column passes the threshold when the recount found enough people in every row', async () => {
    await exportCell(
      'sql',
      'select claim_type, avg(points) as mean_points from claims group by claim_type order by claim_type',
      'mean-by-type'
    )
    const f = await checked('mean-by-type.csv')
    const t = rule(f, 'threshold')
    expect(t.outcome, t.message).toBe('pass')
    expect(t.message).toMatch(/recount|recorded query/i)
    // and the mean's contributions were recorded, so dominance decided on them rather than asking
    expect(rule(f, 'dominance').outcome).not.toBe('review')
  }, 90_000)

  it("a sum one person dominates fails dominance on the recount's contributions, in a group of many", async () => {
    const ran = await session.cell(
      'sql',
      'select min(person_id) as p, any_value(sex) as s from patients where person_id = (select min(person_id) from patients)'
    )
    const [p, sex] = ran.outputs[0]!.rows[0]! as string[]
    await exportCell(
      'sql',
      `select sex, count(*) as n, sum(case when person_id = '${p}' then 100000000 else 1 end) as weight from patients group by sex order by sex`,
      'weight-by-sex'
    )
    const f = await checked('weight-by-sex.csv')
    expect(f.outcome).toBe('fail')
    const d = rule(f, 'dominance')
    expect(d.outcome).toBe('fail')
    // the dominated cell is the row of that person's sex (F before M), the other row is fine
    const cells = (d as unknown as { cells: { row: number; column: number }[] }).cells
    expect(cells).toEqual([{ row: sex === 'F' ? 0 : 1, column: 2 }])
    expect(rule(f, 'threshold').outcome).toBe('pass')
  }, 90_000)
})
