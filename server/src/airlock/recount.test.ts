import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { SANDBOX_CHECK_USER, type ExecOptions, type SandboxDriver } from '../sandbox/driver.js'
import { parseTable } from './disclosure/table.js'
import { recountIndividuals } from './recount.js'

/** A sandbox whose vre-recount prints `answer`; what it was run with is kept. */
function answering(answer: string) {
  const runs: ExecOptions[] = []
  const driver = {
    async exec(_id: string, options: ExecOptions) {
      runs.push(options)
      return {
        stdin: new PassThrough(),
        stdout: Readable.from([Buffer.from(answer)]),
        stderr: Readable.from([]),
        wait: async () => 0,
        resize: async () => undefined
      }
    }
  } as unknown as SandboxDriver
  return { driver, runs }
}

const table = parseTable(Buffer.from('sex,n,cost\r\nM,12,500\r\nF,30,900\r\n'), { format: 'csv' })
const good = {
  ok: true,
  columns: ['sex', 'n', 'cost'],
  // the query gives the rows in another order than the table prints them
  rows: [
    ['F', '30', '900'],
    ['M', '12', '500']
  ],
  individuals: [25, 11],
  person: 'p.person_id',
  roles: ['key', 'count', 'sum'],
  contributions: [
    { row: 0, column: 2, top: [400, 300], total: 900, min: 5, individuals: 25 },
    { row: 1, column: 2, top: [450, 20], total: 500, min: 1, individuals: 11 }
  ],
  ms: 12
}
const recount = (answer: unknown) => {
  const sandbox = answering(typeof answer === 'string' ? answer : JSON.stringify(answer))
  return recountIndividuals(sandbox.driver, 'sb', 'select ...', table).then((r) => ({ r, runs: sandbox.runs }))
}

describe('the recount answer, as the gateway takes it', () => {
  it('runs as the check account and puts individuals, roles and contributions on the table rows they belong to', async () => {
    const { r, runs } = await recount(good)
    expect(runs[0]).toMatchObject({ cmd: ['vre-recount'], user: SANDBOX_CHECK_USER })
    expect(r).toEqual({
      individualsPerRow: [11, 25],
      person: 'p.person_id',
      ms: 12,
      declaredRoles: { sex: 'key', n: 'count', cost: 'sum' },
      contributions: [
        { row: 1, column: 2, top: [400, 300], total: 900, min: 5, individuals: 25 },
        { row: 0, column: 2, top: [450, 20], total: 500, min: 1, individuals: 11 }
      ]
    })
  })

  it('fails closed: any answer out of shape is unavailable with a reason, never evidence', async () => {
    const unexpected = [
      'not json',
      { ...good, extra: true },
      { ...good, roles: ['key', 'count'] },
      { ...good, roles: ['key', 'count', 'magnitude'] },
      { ...good, contributions: [{ ...good.contributions[0], row: 2 }] },
      { ...good, contributions: [{ ...good.contributions[0], column: 3 }] },
      { ...good, contributions: [{ ...good.contributions[0], top: [] }] },
      { ...good, contributions: [{ ...good.contributions[0], total: 'lots' }] },
      { ...good, contributions: [{ ...good.contributions[0], individuals: 0 }] },
      { ...good, contributions: [{ ...good.contributions[0], forged: 1 }] },
      { ...good, individuals: [25] },
      { ...good, individuals: [25, -1] },
      {
        ...good,
        rows: [
          ['F', '30'],
          ['M', '12', '500']
        ]
      },
      { ok: true }
    ]
    for (const answer of unexpected) {
      const { r } = await recount(answer)
      expect(r, JSON.stringify(answer)).toEqual({
        unavailable: expect.stringMatching(/^the recount (answered something unexpected|did not answer)/)
      })
    }
  })

  it('passes on why there is no recount, bounded', async () => {
    const { r } = await recount({ ok: false, reason: `statement 1 of the cell (COPY) is not run ${'x'.repeat(1000)}` })
    expect(r).toEqual({ unavailable: expect.stringMatching(/^statement 1 of the cell \(COPY\) is not run x+…$/) })
    expect(Array.from((r as { unavailable: string }).unavailable).length).toBeLessThanOrEqual(300)
  })
  it('matches every cell of a row: text the recount never printed, or a fraction off by more than rounding, is no match', async () => {
    const fractions = parseTable(Buffer.from('sex,n,mean\r\nfemale,30,41.25000000000001\r\nmale,12,40.5\r\n'), {
      format: 'csv'
    })
    const answer = (rows: string[][]) => ({ ...good, columns: ['sex', 'n', 'mean'], rows, contributions: [] })
    const run = (rows: string[][]) =>
      recountIndividuals(answering(JSON.stringify(answer(rows))).driver, 'sb', 'select ...', fractions)
    // the last digits of a floating-point sum differ between runs: still the same row
    expect(
      await run([
        ['female', '30', '41.25'],
        ['male', '12', '40.5']
      ])
    ).toMatchObject({ individualsPerRow: [25, 11] })
    // a label, or a mean, the query does not give: the table is not the query's
    for (const rows of [
      [
        ['fem', '30', '41.25'],
        ['male', '12', '40.5']
      ],
      [
        ['female', '30', '41.2'],
        ['male', '12', '40.5']
      ]
    ]) {
      expect(await run(rows)).toEqual({ unavailable: "the table's rows no longer match the query's result" })
    }
  })
})
