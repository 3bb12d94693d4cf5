import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from './params.js'
import { parseTable } from './table.js'
import { zerosRule } from './zeros.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const ndb = resolveAirlockParams({ preset: 'ndb-japan' })
const acro = resolveAirlockParams({ preset: 'acro-default' })
const withZeros = csv('region,sex,n\nA,F,12\nA,M,0\nB,F,0\nB,M,30\n')

describe('zeros rule', () => {
  it('fails count cells of 0 under acro-default, at their positions', () => {
    const r = zerosRule(withZeros, {}, acro)
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([
      { row: 1, column: 2 },
      { row: 2, column: 2 }
    ])
    expect(r.message).toContain('row 2 (region A, sex M) n = 0')
  })

  it('passes the same table under ndb-japan, saying zeros are allowed by policy', () => {
    const r = zerosRule(withZeros, {}, ndb)
    expect(r.outcome).toBe('pass')
    expect(r.message).toMatch(/Zeros are allowed by this policy \(preset ndb-japan\) \(2 count cells are 0\)/)
  })

  it('follows zerosDisclosive set over the preset', () => {
    expect(zerosRule(withZeros, {}, resolveAirlockParams({ preset: 'ndb-japan', zerosDisclosive: true })).outcome).toBe(
      'fail'
    )
    expect(
      zerosRule(withZeros, {}, resolveAirlockParams({ preset: 'acro-default', zerosDisclosive: false })).outcome
    ).toBe('pass')
  })

  it('passes a table with no zero count, and does not read a zero in a magnitude as a count', () => {
    expect(zerosRule(csv('region,n,mean_cost\nA,12,0\nB,30,1.5\n'), {}, acro).outcome).toBe('pass')
  })

  it('fails a row the recorded query found no individuals for', () => {
    const t = csv('region,mean_cost\nA,100.5\nB,0.5\n')
    const r = zerosRule(t, { individualsPerRow: [30, 0] }, acro)
    expect(r.outcome).toBe('fail')
    expect(r.rows).toEqual([1])
  })

  it('asks for review under acro-default when no column looks like a count', () => {
    const r = zerosRule(csv('region,mean_cost\nA,100.5\nB,0\n'), {}, acro)
    expect(r.outcome).toBe('review')
  })
})
