import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from './params.js'
import { rowLevelRule } from './row-level.js'
import { parseTable } from './table.js'
import type { CatalogMarks } from './types.js'

const params = resolveAirlockParams({ preset: 'ndb-japan' })
const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const catalog: CatalogMarks = {
  identifiers: ['person_key', 'claim_id'],
  quasiIdentifiers: ['sex', 'birth_month', 'prefecture', 'insurer']
}
const SEXES = ['F', 'M']
const PREFS = ['Tokyo', 'Osaka', 'Tottori', 'Aomori']

/** The case: 500 patient rows beside a constant mean. */
function patients(): string {
  const lines = ['person_key,sex,birth_month,prefecture,insurer,mean_cost']
  for (let i = 0; i < 500; i++) {
    const key = `k${(i * 7919).toString(36)}`
    lines.push(`${key},${SEXES[i % 2]},19${50 + (i % 40)}-${String((i % 12) + 1).padStart(2, '0')},${PREFS[i % 4]},ins${i % 9},1234.5`)
  }
  return lines.join('\n') + '\n'
}

describe('row-level data with the datasets catalog', () => {
  it('fails 500 patient rows beside a constant mean, naming the catalog identifier', () => {
    const r = rowLevelRule(csv(patients()), { catalog }, params)
    expect(r.outcome).toBe('fail')
    expect(r.message).toMatch(/"person_key" is marked in the datasets' catalog as an identifier/)
    expect(r.columns).toEqual(expect.arrayContaining([0, 1, 2, 3, 4]))
  })

  it('fails a catalog identifier whatever else the table holds, even in an aggregate', () => {
    const r = rowLevelRule(csv('claim_id,n\nc1,40\nc1,40\n'), { catalog }, params)
    expect(r.outcome).toBe('fail')
    expect(r.columns).toEqual([0])
  })

  it('fails rows keyed by quasi-identifiers unless the recount proves each holds enough people', () => {
    const t = csv('sex,prefecture,mean_cost\nF,Tokyo,1200.5\nM,Tokyo,980.5\n')
    const none = rowLevelRule(t, { catalog }, params)
    expect(none.outcome).toBe('fail')
    expect(none.message).toMatch(/keyed by "sex", "prefecture".*were not counted/)
    const few = rowLevelRule(t, { catalog, individualsPerRow: [40, 3] }, params)
    expect(few.outcome).toBe('fail')
    expect(few.message).toMatch(/row 2 \(sex M, prefecture Tokyo\) has 3/)
    expect(rowLevelRule(t, { catalog, individualsPerRow: [40, 30] }, params).outcome).toBe('pass')
  })

  it('reads one quasi-identifier with printed counts as a frequency table, several as needing proof', () => {
    const bySex = rowLevelRule(csv('sex,n\nF,1031\nM,969\n'), { catalog }, params)
    expect(bySex.outcome).toBe('pass')
    // printed counts are not proof that the rows are groups of people: review, not pass
    const combined = rowLevelRule(csv('sex,prefecture,n\nF,Tokyo,40\nM,Tokyo,35\n'), { catalog }, params)
    expect(combined.outcome).toBe('review')
    expect(combined.message).toMatch(/printed counts say every row has at least 10/)
    // a printed count below the threshold proves nothing either: fail
    expect(rowLevelRule(csv('sex,prefecture,n\nF,Tokyo,40\nM,Tokyo,3\n'), { catalog }, params).outcome).toBe('fail')
  })

  it('matches catalog names ignoring case and a table prefix', () => {
    const r = rowLevelRule(csv('Claims.Person_Key,n\na,10\nb,12\n'), { catalog }, params)
    expect(r.outcome).toBe('fail')
  })

  it('keeps the name and value heuristics without a catalog: a person key with a constant mean is records', () => {
    const r = rowLevelRule(csv(patients()), {}, params)
    expect(r.outcome).toBe('fail')
    expect(r.message).toMatch(/"person_key" looks like an identifier/)
  })
})
