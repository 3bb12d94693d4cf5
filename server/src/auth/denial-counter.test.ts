import { describe, expect, it } from 'vitest'
import { DenialCounter } from './denial-counter.js'

describe('DenialCounter', () => {
  it('records refusals one by one up to the limit per address and minute, then only counts them', () => {
    const c = new DenialCounter(2)
    expect([c.note('a', 0), c.note('a', 1), c.note('a', 2), c.note('a', 3)]).toEqual([
      { record: true, summary: null },
      { record: true, summary: null },
      { record: false, summary: null },
      { record: false, summary: null }
    ])
    // another address has its own allowance
    expect(c.note('b', 4)).toEqual({ record: true, summary: null })
  })

  it("hands over the count of a past minute's unrecorded refusals with the address's next refusal", () => {
    const c = new DenialCounter(1)
    c.note('a', 0)
    c.note('a', 10)
    c.note('a', 20)
    expect(c.note('a', 60_000)).toEqual({ record: true, summary: 2 })
    expect(c.note('a', 120_000)).toEqual({ record: true, summary: null })
  })
})
