import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from './params.js'
import { parseTable } from './table.js'
import { thresholdRule } from './threshold.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const ndb = resolveAirlockParams({ preset: 'ndb-japan' })

describe('threshold rule', () => {
  it('fails the count cells between 1 and threshold - 1, at their positions', () => {
    const t = csv('region,sex,n,mean_cost\nA,F,12,100.5\nB,F,3,20\nB,M,9,30\nC,M,10,40\n')
    const r = thresholdRule(t, {}, ndb)
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([
      { row: 1, column: 2 },
      { row: 2, column: 2 }
    ])
    expect(r.rows).toEqual([1, 2])
    expect(r.message).toContain('row 2 (region B, sex F) n = 3')
  })

  it('passes counts of exactly the threshold, and leaves zeros to the zeros rule', () => {
    const r = thresholdRule(csv('region,n\nA,10\nB,0\nC,250\n'), {}, ndb)
    expect(r.outcome).toBe('pass')
    expect(r.cells).toEqual([])
  })

  it('follows a threshold set by the policy', () => {
    const t = csv('region,n\nA,12\nB,15\n')
    expect(thresholdRule(t, {}, ndb).outcome).toBe('pass')
    const r = thresholdRule(t, {}, resolveAirlockParams({ preset: 'ndb-japan', threshold: 15 }))
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([{ row: 0, column: 1 }])
  })

  it('checks every count column of a cross-tabulation', () => {
    const r = thresholdRule(csv('region,male,female\nA,12,3\nB,40,50\n'), {}, ndb)
    expect(r.cells).toEqual([{ row: 0, column: 2 }])
  })

  it('asks for review when no column looks like a count, rather than pass', () => {
    const r = thresholdRule(csv('region,mean_cost\nA,100.5\nB,3.2\n'), {}, ndb)
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/cannot tell which numbers count people/)
  })

  describe('with the individuals counted behind each row', () => {
    // n counts claims: row A prints 40 claims made by 3 patients.
    const claims = csv('region,n\nA,40\nB,25\nC,8\n')

    it('fails a row of 40 claims from 3 individuals, though the printed count passes', () => {
      expect(thresholdRule(claims, {}, ndb).cells).toEqual([{ row: 2, column: 1 }])
      const r = thresholdRule(claims, { individualsPerRow: [3, 25, 12] }, ndb)
      expect(r.outcome).toBe('fail')
      expect(r.cells).toEqual([
        { row: 0, column: 1 },
        { row: 2, column: 1 }
      ])
      expect(r.rows).toEqual([0, 2])
      expect(r.message).toContain('row 1 (region A) has 3')
    })

    it('still fails a printed 8 whose row draws on 12 individuals: the 8 may itself count people', () => {
      const r = thresholdRule(claims, { individualsPerRow: [40, 25, 12] }, ndb)
      expect(r.outcome).toBe('fail')
      expect(r.cells).toEqual([{ row: 2, column: 1 }])
      expect(r.message).toMatch(/printed count is between 1 and 9 although its row draws on 10 or more individuals/)
      expect(r.message).not.toMatch(/rows? draws? on fewer/)
    })

    it('passes when every row has enough individuals and no printed count is small', () => {
      const r = thresholdRule(csv('region,n\nA,40\nB,25\n'), { individualsPerRow: [10, 25] }, ndb)
      expect(r.outcome).toBe('pass')
      expect(r.message).toMatch(/counted from the recorded query/)
    })

    it('decides a table with no count column from the individuals, marking the row numbers', () => {
      const t = csv('region,mean_cost,sd_cost\nA,100.5,0.2\nB,3.2,0.5\n')
      const r = thresholdRule(t, { individualsPerRow: [30, 4] }, ndb)
      expect(r.outcome).toBe('fail')
      expect(r.cells).toEqual([
        { row: 1, column: 1 },
        { row: 1, column: 2 }
      ])
      expect(thresholdRule(t, { individualsPerRow: [30, 40] }, ndb).outcome).toBe('pass')
    })

    it("asks for review of printed counts that pass when the cell's query could not be recounted", () => {
      const t = csv('region,n\nA,40\nB,25\n')
      expect(thresholdRule(t, {}, ndb).outcome).toBe('pass')
      const r = thresholdRule(t, { recountUnavailable: 'the query joins a table function' }, ndb)
      expect(r.outcome).toBe('review')
      expect(r.message).toMatch(/individuals behind its rows could not be counted/)
      // a failing printed count still fails: the missing recount only ever withholds a pass
      expect(thresholdRule(claims, { recountUnavailable: 'x' }, ndb).outcome).toBe('fail')
    })

    it('asks for review when the evidence does not match the table', () => {
      const short = thresholdRule(claims, { individualsPerRow: [40, 25] }, ndb)
      expect(short.outcome).toBe('review')
      expect(short.message).toMatch(/cover 2 rows but the table has 3/)
      expect(thresholdRule(claims, { individualsPerRow: [40, 2.5, 12] }, ndb).outcome).toBe('review')
    })
  })
})
