import { describe, expect, it } from 'vitest'
import { TokenBucket } from './budget.js'

const limits = { bytesPerMinute: 60_000, burstBytes: 10_000 }

describe('the display budget bucket', () => {
  it('gives the burst at once, then a byte per millisecond of 60,000 a minute', () => {
    const b = new TokenBucket(limits, 0)
    expect(b.take(25_000, 0)).toBe(10_000)
    expect(b.take(1, 0)).toBe(0)
    expect(b.take(5_000, 1_000)).toBe(1_000)
    expect(b.msUntil(2_000, 1_000)).toBe(2_000)
    expect(b.take(2_000, 3_000)).toBe(2_000)
  })

  it('never holds more than the burst, however long it waits', () => {
    const b = new TokenBucket(limits, 0)
    b.take(10_000, 0)
    expect(b.available(3_600_000)).toBe(10_000)
    expect(b.msUntil(50_000, 3_600_000)).toBe(0)
  })

  it('takes no more than the room it is given', () => {
    const b = new TokenBucket(limits, 0)
    expect(b.take(5_000, 0, 1_234)).toBe(1_234)
    expect(b.available(0)).toBe(10_000 - 1_234)
  })

  it('runs up a bounded debt, paid back before anything else is given', () => {
    const b = new TokenBucket(limits, 0)
    b.take(10_000, 0)
    expect(b.take(5_000, 0, Infinity, 2_048)).toBe(2_048)
    expect(b.take(5_000, 0, Infinity, 2_048)).toBe(0)
    expect(b.take(1, 2_000)).toBe(0)
    expect(b.take(1_000, 3_048)).toBe(1_000)
  })

  it('takes new limits at once, keeping its level within the new burst', () => {
    const b = new TokenBucket(limits, 0)
    b.setLimits({ bytesPerMinute: 6_000, burstBytes: 1_000 }, 0)
    expect(b.take(5_000, 0)).toBe(1_000)
    expect(b.msUntil(100, 0)).toBe(1_000)
  })
})
