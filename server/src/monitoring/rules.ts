/**
 * The pieces the monitoring rules are made of: counts over the last minute, and whether a moment
 * falls within the allowed hours. Pure, with the time passed in.
 */

/** Counts per key over a sliding window, kept in one-second buckets. */
export class SlidingCount {
  private readonly buckets = new Map<string, Map<number, number>>()

  constructor(private readonly windowMs = 60_000) {}

  add(key: string, n: number, nowMs: number): number {
    const second = Math.floor(nowMs / 1000)
    let b = this.buckets.get(key)
    if (b === undefined) {
      b = new Map()
      this.buckets.set(key, b)
    }
    b.set(second, (b.get(second) ?? 0) + n)
    return this.total(key, nowMs)
  }

  total(key: string, nowMs: number): number {
    const b = this.buckets.get(key)
    if (b === undefined) return 0
    const oldest = Math.floor((nowMs - this.windowMs) / 1000)
    let sum = 0
    for (const [second, n] of b) {
      if (second <= oldest) b.delete(second)
      else sum += n
    }
    if (b.size === 0) this.buckets.delete(key)
    return sum
  }

  forget(key: string): void {
    this.buckets.delete(key)
  }
}

/** Minutes since midnight of `at` in `timeZone`. */
export function minuteOfDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {})
  return Number(parts.hour) * 60 + Number(parts.minute)
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * Whether `at` is within [from, to) in `timeZone`. A `to` before `from` spans midnight
 * (22:00 to 06:00); from equal to to, or 00:00 to 24:00, is the whole day.
 */
export function withinHours(at: Date, timeZone: string, from: string, to: string): boolean {
  const start = minutes(from)
  const end = minutes(to)
  if (start === end || (start === 0 && end === 24 * 60)) return true
  const now = minuteOfDay(at, timeZone)
  return start < end ? now >= start && now < end : now >= start || now < end
}
