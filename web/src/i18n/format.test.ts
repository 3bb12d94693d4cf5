import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatBytes, formatCount, formatDate, formatDateTime } from './format'

// dates depend on the viewer's time zone: each test sets one, and the one before is put back
let zone: string | undefined
beforeEach(() => {
  zone = process.env.TZ
})
afterEach(() => {
  if (zone === undefined) delete process.env.TZ
  else process.env.TZ = zone
})

describe('dates', () => {
  it('writes a calendar date in each language', () => {
    expect(formatDate('2026-03-31', 'en')).toBe('31 March 2026')
    expect(formatDate('2026-03-31', 'ja')).toBe('2026年3月31日')
  })

  it('does not shift a calendar date by the viewer’s time zone', () => {
    process.env.TZ = 'America/Los_Angeles'
    expect(formatDate('2026-01-01', 'en')).toBe('1 January 2026')
    process.env.TZ = 'Pacific/Kiritimati'
    expect(formatDate('2026-12-31', 'ja')).toBe('2026年12月31日')
  })

  it('leaves what is not a YYYY-MM-DD date as it is', () => {
    expect(formatDate('31/03/2026', 'en')).toBe('31/03/2026')
    expect(formatDate('2026-02-30T00:00:00Z', 'en')).toBe('2026-02-30T00:00:00Z')
    expect(formatDate('2026-13-01', 'ja')).toBe('2026-13-01')
    expect(formatDate('', 'en')).toBe('')
  })

  it('writes a moment in the viewer’s time zone', () => {
    process.env.TZ = 'UTC'
    expect(formatDateTime('2026-03-31T14:05:00Z', 'en')).toBe('31 Mar 2026, 14:05')
    expect(formatDateTime('2026-03-31T14:05:00Z', 'ja')).toBe('2026/03/31 14:05')
    process.env.TZ = 'Asia/Tokyo'
    expect(formatDateTime('2026-03-31T20:05:00Z', 'ja')).toBe('2026/04/01 5:05')
  })

  it('leaves what is not a moment as it is', () => {
    expect(formatDateTime('soon', 'en')).toBe('soon')
    expect(formatDateTime('', 'ja')).toBe('')
  })
})

describe('numbers', () => {
  it('groups counts by thousands in both languages', () => {
    expect(formatCount(1234567, 'en')).toBe('1,234,567')
    expect(formatCount(1234567, 'ja')).toBe('1,234,567')
    expect(formatCount(0, 'ja')).toBe('0')
  })

  it('writes small sizes in bytes and larger ones in binary units', () => {
    expect(formatBytes(0, 'en')).toBe('0 B')
    expect(formatBytes(1023, 'en')).toBe('1,023 B')
    expect(formatBytes(1024, 'en')).toBe('1.0 KiB')
    expect(formatBytes(1536, 'ja')).toBe('1.5 KiB')
    expect(formatBytes(23 * 1024 * 1024, 'en')).toBe('23 MiB')
    expect(formatBytes(10 * 1024 - 1, 'en')).toBe('10.0 KiB')
    expect(formatBytes(5 * 1024 ** 3, 'en')).toBe('5.0 GiB')
  })

  it('stops at TiB however large the size', () => {
    expect(formatBytes(2048 * 1024 ** 4, 'en')).toBe('2,048 TiB')
  })
})
