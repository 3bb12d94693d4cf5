import { describe, expect, it } from 'vitest'
import { dominanceRule } from './dominance.js'
import { resolveAirlockParams } from './params.js'
import { parseTable } from './table.js'
import type { Contribution } from './types.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
// as a recorded query declares them: the count and the sum whose contributions the recount gives
const declared = { region: 'key', n: 'count', total_cost: 'sum' } as const
const fromQuery = (text: string) => parseTable(Buffer.from(text), { format: 'csv', declared })
const params = resolveAirlockParams({ preset: 'acro-default' })
// total_cost is column 2
const costs = fromQuery('region,n,total_cost\nA,30,1000\nB,25,500\nC,12,800\n')
const cell = (row: number, top: number[], total: number): Contribution => ({ row, column: 2, top, total })
const balanced = [cell(0, [300, 200], 1000), cell(1, [100, 80], 500), cell(2, [400, 300], 800)]

describe('n,k dominance rule', () => {
  it('fails a cell whose top two contributors make up 90% or more of its total', () => {
    const r = dominanceRule(costs, { contributions: [cell(0, [350, 600], 1000), ...balanced.slice(1)] }, params)
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
    expect(r.message).toContain('row 1 (region A) total_cost, the top 2 make up 95% of the total')
  })

  it('fails a cell at exactly k', () => {
    const r = dominanceRule(costs, { contributions: [cell(0, [500, 400], 1000), ...balanced.slice(1)] }, params)
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
  })

  it('fails a cell of a single contributor', () => {
    const r = dominanceRule(costs, { contributions: [cell(0, [1000], 1000), ...balanced.slice(1)] }, params)
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
  })

  it('passes when every magnitude cell has contributions and none is dominated', () => {
    const r = dominanceRule(costs, { contributions: balanced }, params)
    expect(r.outcome).toBe('pass')
    expect(r.message).toMatch(/3 cells checked/)
  })

  it('follows n and k from the policy', () => {
    const top3 = [cell(0, [400, 300, 250], 1000), ...balanced.slice(1)]
    expect(dominanceRule(costs, { contributions: top3 }, params).outcome).toBe('pass')
    const strict = resolveAirlockParams({ preset: 'acro-default', dominance: { n: 3, k: 0.9 } })
    expect(dominanceRule(costs, { contributions: top3 }, strict).cells).toEqual([{ row: 0, column: 2 }])
  })

  it('asks for review of a magnitude column when no contributions were recorded', () => {
    const r = dominanceRule(costs, {}, params)
    expect(r.outcome).toBe('review')
    expect(r.columns).toEqual([2])
    expect(r.message).toMatch(/cannot be evaluated on "total_cost", which holds sums, means or other magnitudes/)
  })

  it('asks for review of the magnitude cells the contributions leave out', () => {
    const r = dominanceRule(costs, { contributions: balanced.slice(0, 2) }, params)
    expect(r.outcome).toBe('review')
    expect(r.cells).toEqual([{ row: 2, column: 2 }])
  })

  it('sets aside contributions that cannot be right, and says so', () => {
    const r = dominanceRule(costs, { contributions: [...balanced.slice(1), cell(0, [900, 800], 1000)] }, params)
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/add up to more than its total/)
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
  })

  it('has nothing to check in a table of counts the query declares, and says why', () => {
    const r = dominanceRule(fromQuery('region,n\nA,30\nB,25\n'), {}, params)
    expect(r.outcome).toBe('pass')
    expect(r.message).toMatch(/^Nothing to check: every numeric column is a count/)
  })

  it('cannot evaluate a column that is a count only by its name: "n" may hold a sum', () => {
    const r = dominanceRule(csv('region,n\nA,30\nB,25\n'), {}, params)
    expect(r.outcome).toBe('review')
    expect(r.columns).toEqual([1])
    expect(r.message).toMatch(/cannot be evaluated on "n": it holds whole numbers whose role was inferred, not declared/)
  })

})
