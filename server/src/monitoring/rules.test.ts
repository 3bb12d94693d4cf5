import { describe, expect, it } from 'vitest'
import { minuteOfDay, SlidingCount, withinHours } from './rules.js'

describe('monitoring rule pieces', () => {
  it('counts over the last minute only', () => {
    const c = new SlidingCount()
    const t0 = Date.UTC(2026, 11, 6, 10, 0, 0)
    expect(c.add('s', 100, t0)).toBe(100)
    expect(c.add('s', 50, t0 + 30_000)).toBe(150)
    expect(c.add('other', 7, t0 + 30_000)).toBe(7)
    expect(c.total('s', t0 + 59_000)).toBe(150)
    expect(c.total('s', t0 + 61_000)).toBe(50)
    expect(c.total('s', t0 + 91_000)).toBe(0)
  })

  it('reads the time of day in the platform time zone', () => {
    // 23:30 UTC is 08:30 the next morning in Tokyo
    expect(minuteOfDay(new Date('2026-12-06T23:30:00Z'), 'Asia/Tokyo')).toBe(8 * 60 + 30)
    expect(minuteOfDay(new Date('2026-12-06T23:30:00Z'), 'UTC')).toBe(23 * 60 + 30)
  })

  it('tells whether a moment is within the allowed hours, across midnight too', () => {
    const tokyo = (hhmm: string) => new Date(`2026-12-07T${hhmm}:00+09:00`)
    expect(withinHours(tokyo('08:30'), 'Asia/Tokyo', '08:00', '20:00')).toBe(true)
    expect(withinHours(tokyo('07:59'), 'Asia/Tokyo', '08:00', '20:00')).toBe(false)
    expect(withinHours(tokyo('20:00'), 'Asia/Tokyo', '08:00', '20:00')).toBe(false)
    expect(withinHours(tokyo('23:00'), 'Asia/Tokyo', '22:00', '06:00')).toBe(true)
    expect(withinHours(tokyo('05:59'), 'Asia/Tokyo', '22:00', '06:00')).toBe(true)
    expect(withinHours(tokyo('12:00'), 'Asia/Tokyo', '22:00', '06:00')).toBe(false)
    expect(withinHours(tokyo('03:00'), 'Asia/Tokyo', '00:00', '24:00')).toBe(true)
  })
})
