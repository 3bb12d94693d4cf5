import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from './params.js'
import { rowLevelRule, rowLevelTextRule } from './row-level.js'
import { parseTable } from './table.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const params = resolveAirlockParams({ preset: 'ndb-japan' })
const hex = (i: number) => `P${i.toString(16).toUpperCase().padStart(12, '0')}`

describe('row-level rule', () => {
  it('fails a table with a pseudonymized ID column, naming the column', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${hex(i + 0xa0)},${40 + (i % 5)},F`).join('\n')
    const r = rowLevelRule(csv(`person_id,age,sex\n${rows}\n`), {}, params)
    expect(r.outcome).toBe('fail')
    expect(r.columns).toEqual([0])
    expect(r.message).toMatch(/"person_id" looks like an identifier/)
  })

  it('asks for review of an identifier column whose values repeat (records per visit)', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${hex(i % 20)},${i % 3}`).join('\n')
    const r = rowLevelRule(csv(`person_id,visit_type\n${rows}\n`), {}, params)
    expect(r.outcome).toBe('review')
    expect(r.columns).toEqual([0])
    expect(r.message).toMatch(/20 distinct values/)
  })

  it('asks for review of more rows than the policy allows without a look', () => {
    const rows = Array.from({ length: 1001 }, (_, i) => `g${i % 50},${i % 7},${20 + (i % 30)}`).join('\n')
    const t = csv(`group,year,n\n${rows}\n`)
    const r = rowLevelRule(t, {}, params)
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/1001 rows, more than the 1000/)
    const roomy = resolveAirlockParams({ preset: 'ndb-japan', rowLevel: { reviewAboveRows: 5000 } })
    expect(rowLevelRule(t, {}, roomy).outcome).toBe('pass')
  })

  it('asks for review of a list with nothing aggregated and mostly distinct rows', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `1960-01-${String(i + 1).padStart(2, '0')},F,Tottori`).join('\n')
    const r = rowLevelRule(csv(`birth_date,sex,prefecture\n${rows}\n`), {}, params)
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/list of records/)
  })

  it('passes an aggregate table', () => {
    const r = rowLevelRule(csv('region,sex,n\nA,F,12\nA,M,30\nB,F,15\n'), {}, params)
    expect(r.outcome).toBe('pass')
  })

  describe('in text', () => {
    it('asks for review of a printed data frame with an identifier column and pseudonym-like codes', () => {
      const text = `   person_id  age sex\n0  ${hex(0xa1)}   41   F\n1  ${hex(0xb2)}   43   M\n2  ${hex(0xc3)}   47   F\n`
      const r = rowLevelTextRule(text, {}, params)
      expect(r.outcome).toBe('review')
      expect(r.rows).toEqual([0, 1, 2, 3])
      expect(r.message).toMatch(/line 1 "person_id"/)
      expect(r.message).toMatch(/3 distinct codes look like pseudonymized IDs/)
    })

    it('passes prose with numbers in it', () => {
      expect(rowLevelTextRule('Of 1,234 patients, 56% were women.\n', {}, params).outcome).toBe('pass')
    })

    it('asks for review of a long listing', () => {
      const text = 'x\n'.repeat(1001)
      expect(rowLevelTextRule(text, {}, params).message).toMatch(/1001 lines/)
      expect(rowLevelTextRule('x\n'.repeat(1000), {}, params).outcome).toBe('pass')
    })
  })

  it('sends a printed listing of records without pseudonym codes to review, and not a printed model', () => {
    const listing = Array.from({ length: 30 }, (_, i) => `${100234 + i * 37}  F  1961-04  ${10 + (i % 30)}  LLE`).join('\n')
    const r = rowLevelTextRule(`Patients:\n${listing}\n`, {}, params)
    expect(r).toMatchObject({
      outcome: 'review',
      message: expect.stringMatching(/^Lines 2 to 31 read as a table of 30 rows of 5 fields, 30 of them distinct, .*list of records/)
    })
    expect(r.rows).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    const model = Array.from({ length: 12 }, (_, i) => `x${i}  0.${512 + i}  0.10${i}  5.1${i}  0.000`).join('\n')
    expect(rowLevelTextRule(`coef std t p\n${model}\n`, {}, params).outcome).toBe('pass')
  })
})


describe('row-level data under another name', () => {
  const params = resolveAirlockParams({ preset: 'ndb-japan' })
  it('reviews a column of distinct code-like values whatever it is called: a renamed person key', () => {
    const lines = ['a,b,mean_cost']
    for (let i = 0; i < 40; i++) lines.push(`p${(i * 7919 + 100003).toString(36)}x,${i % 2 ? 'M' : 'F'},${1000 + i}.5`)
    const t = parseTable(Buffer.from(lines.join('\n') + '\n'), { format: 'csv' })
    const r = rowLevelRule(t, {}, params)
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/"a" holds 40 distinct code-like values in 40 rows: if they are person keys/)
    expect(r.columns).toEqual([0])
  })

  it('leaves codes a query declares as its groups alone', () => {
    const lines = ['code,n']
    for (let i = 0; i < 40; i++) lines.push(`K${String(100 + i)},${20 + i}`)
    const declared = { code: 'key', n: 'count' } as const
    const t = parseTable(Buffer.from(lines.join('\n') + '\n'), { format: 'csv', declared })
    expect(rowLevelRule(t, { declaredRoles: declared }, params).outcome).toBe('pass')
  })
})
