import { describe, expect, it } from 'vitest'
import { differencingRule } from './differencing.js'
import { resolveAirlockParams } from './params.js'
import { parseTable } from './table.js'
import type { EarlierRelease } from './types.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const params = resolveAirlockParams({ preset: 'ndb-japan' })
const release = (name: string, text: string): EarlierRelease => ({ name, sha256: '0'.repeat(64), table: csv(text) })

describe('differencing rule', () => {
  it('fails each group whose count differs by 1 to 9 from either of two earlier releases', () => {
    const earlier = [
      release('april.csv', 'region,n\nA,120\nB,45\nC,30\n'),
      release('may.csv', 'region,n\nA,126\nB,45\nC,60\n')
    ]
    const r = differencingRule(csv('region,n\nA,120\nB,52\nC,30\n'), { earlierReleases: earlier }, params)
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([
      { row: 0, column: 1 },
      { row: 1, column: 1 }
    ])
    expect(r.message).toContain('row 2 (region B) n is 52 here and 45 in "april.csv", a difference of 7')
    expect(r.message).toContain('row 1 (region A) n is 120 here and 126 in "may.csv", a difference of 6')
  })

  it('passes differences of 0 and of the threshold or more', () => {
    const earlier = [release('april.csv', 'region,n\nA,120\nB,45\n')]
    const r = differencingRule(csv('region,n\nA,120\nB,55\n'), { earlierReleases: earlier }, params)
    expect(r.outcome).toBe('pass')
  })

  it('matches rows by their keys, whatever the order of rows and columns', () => {
    const earlier = [release('april.csv', 'n,sex,region\n45,F,B\n120,M,A\n')]
    const r = differencingRule(csv('region,sex,n\nA,M,120\nB,F,48\n'), { earlierReleases: earlier }, params)
    expect(r.cells).toEqual([{ row: 1, column: 2 }])
  })

  it('fails two one-row totals of cohorts that differ by a few people', () => {
    const r = differencingRule(csv('n\n517\n'), { earlierReleases: [release('all.csv', 'n\n523\n')] }, params)
    expect(r.outcome).toBe('fail')
    expect(r.cells).toEqual([{ row: 0, column: 0 }])
  })

  it('fails total rows that differ by a few, however each labels its total', () => {
    const earlier = [release('april.csv', '都道府県,患者数\n東京都,120\n大阪府,45\n合計,165\n')]
    const r = differencingRule(
      csv('都道府県,患者数\n東京都,120\n大阪府,45\n全国,170\n'),
      { earlierReleases: earlier },
      params
    )
    expect(r.cells).toEqual([{ row: 2, column: 1 }])
  })

  it('fails a total that gives away a group another release suppressed', () => {
    // april suppressed C but its total includes C's 6 patients; this table drops C and prints no total
    const earlier = [release('april.csv', 'region,n\nA,120\nB,45\nC,<10\nTotal,171\n')]
    const r = differencingRule(csv('region,n\nA,120\nB,45\n'), { earlierReleases: earlier }, params)
    expect(r.outcome).toBe('fail')
    expect(r.message).toMatch(/differ only by region C, so that group's hidden count is 6/)
    expect(r.columns).toEqual([1])
  })

  it('marks the suppressed group when it is this table that hides it', () => {
    const earlier = [release('april.csv', 'region,n\nA,120\nB,45\n')]
    const r = differencingRule(csv('region,n\nA,120\nB,45\nC,*\nTotal,171\n'), { earlierReleases: earlier }, params)
    expect(r.cells).toEqual([{ row: 2, column: 1 }])
  })

  it('leaves a group printed in the release that has it to the threshold rule', () => {
    const earlier = [release('april.csv', 'region,n\nA,120\nB,45\nC,6\nTotal,171\n')]
    expect(differencingRule(csv('region,n\nA,120\nB,45\n'), { earlierReleases: earlier }, params).outcome).toBe('pass')
  })

  it('does not compare tables with different columns, or rows whose keys repeat', () => {
    const other = [release('other.csv', 'region,sex,n\nA,F,120\n')]
    expect(differencingRule(csv('region,n\nA,118\n'), { earlierReleases: other }, params).outcome).toBe('pass')
    // matched naively, the second A rows would differ by 1
    const repeated = [release('april.csv', 'region,n\nA,120\nA,46\n')]
    expect(differencingRule(csv('region,n\nA,118\nA,45\n'), { earlierReleases: repeated }, params).outcome).toBe('pass')
  })

  it('asks for review when an earlier table has the same columns but nothing looks like a count', () => {
    const earlier = [release('april.csv', 'region,mean_cost\nA,100.5\n')]
    const r = differencingRule(csv('region,mean_cost\nA,101.5\n'), { earlierReleases: earlier }, params)
    expect(r.outcome).toBe('review')
  })

  it('passes when there is nothing to compare with', () => {
    expect(differencingRule(csv('region,n\nA,12\n'), {}, params).outcome).toBe('pass')
    const bytesOnly = [{ name: 'fig.png', sha256: '0'.repeat(64) }]
    expect(differencingRule(csv('region,n\nA,12\n'), { earlierReleases: bytesOnly }, params).outcome).toBe('pass')
  })
})
