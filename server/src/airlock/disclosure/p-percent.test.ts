import { describe, expect, it } from 'vitest'
import { dominanceRule } from './dominance.js'
import { pPercentRule } from './p-percent.js'
import { resolveAirlockParams } from './params.js'
import { parseTable } from './table.js'
import type { Contribution } from './types.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
// as a recorded query declares them: the count and the sum whose contributions the recount gives
const declared = { region: 'key', n: 'count', total_cost: 'sum' } as const
const fromQuery = (text: string) => parseTable(Buffer.from(text), { format: 'csv', declared })
const params = resolveAirlockParams({ preset: 'acro-default' })
const costs = fromQuery('region,n,total_cost\nA,30,1000\nB,25,500\n')
const cell = (row: number, top: number[], total: number): Contribution => ({ row, column: 2, top, total })
const safeB = cell(1, [100, 80], 500)

describe('p-percent rule', () => {
  it('fails a cell where the rest beyond the top two is under 10% of the largest', () => {
    // rest = 1000 - 500 - 460 = 40, under 10% of 500
    const r = pPercentRule(costs, { contributions: [cell(0, [460, 500], 1000), safeB] }, params)
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
    expect(r.message).toContain('the rest is 8% of the largest')
  })

  it('passes a cell where the rest is exactly p of the largest, and one where it is more', () => {
    // rest = 1000 - 500 - 450 = 50, exactly 10% of 500
    expect(pPercentRule(costs, { contributions: [cell(0, [500, 450], 1000), safeB] }, params).outcome).toBe('pass')
  })

  it('fails a cell the n,k rule passes when the two largest together leave too little', () => {
    // with n = 1 the largest alone is 50%, so dominance passes; the second-largest still learns the largest
    const lone = resolveAirlockParams({ preset: 'acro-default', dominance: { n: 1, k: 0.9 } })
    const evidence = { contributions: [cell(0, [500, 460], 1000), safeB] }
    expect(dominanceRule(costs, evidence, lone).outcome).toBe('pass')
    expect(pPercentRule(costs, evidence, lone).outcome).toBe('fail')
  })

  it('fails a cell of one or two contributors, whatever p is above 0', () => {
    const r = pPercentRule(costs, { contributions: [cell(0, [600, 400], 1000), safeB] }, params)
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
  })

  it('never fails with p = 0', () => {
    const off = resolveAirlockParams({ preset: 'acro-default', pPercent: 0 })
    expect(pPercentRule(costs, { contributions: [cell(0, [1000], 1000), safeB] }, off).outcome).toBe('pass')
  })

  it('asks for review of a magnitude column when no contributions were recorded', () => {
    const r = pPercentRule(costs, {}, params)
    expect(r.outcome).toBe('review')
    expect(r.columns).toEqual([2])
  })

  it('has nothing to check in a table of counts the query declares, and says why', () => {
    const r = pPercentRule(fromQuery('region,n\nA,30\n'), {}, params)
    expect(r.outcome).toBe('pass')
    expect(r.message).toMatch(/^Nothing to check: every numeric column is a count/)
  })

  it('cannot evaluate a column that is a count only by its name: "n" may hold a sum', () => {
    const r = pPercentRule(csv('region,n\nA,30\n'), {}, params)
    expect(r.outcome).toBe('review')
    expect(r.columns).toEqual([1])
    expect(r.message).toMatch(/cannot be evaluated on "n": it holds whole numbers whose role was inferred, not declared/)
  })

})
