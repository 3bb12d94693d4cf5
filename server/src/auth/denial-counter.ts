/** Refused tokens recorded one by one per address and minute; past that they are counted. */
export const DENIALS_RECORDED_PER_MINUTE = 20

/**
 * Keeps an anonymous flood of bad tokens from filling the audit log (and its fsyncs): each address
 * gets a number of individual records per minute; the rest are counted, and the count is recorded
 * with the address's next refusal after the minute ends.
 */
export class DenialCounter {
  private readonly windows = new Map<string, { start: number; seen: number; suppressed: number }>()
  constructor(private readonly perMinute: number) {}

  note(address: string, at: number): { record: boolean; summary: number | null } {
    let w = this.windows.get(address)
    let summary: number | null = null
    if (w === undefined || at - w.start >= 60_000) {
      if (w !== undefined && w.suppressed > 0) summary = w.suppressed
      w = { start: at, seen: 0, suppressed: 0 }
      this.windows.set(address, w)
      if (this.windows.size > 10_000) this.windows.delete(this.windows.keys().next().value as string)
    }
    w.seen++
    if (w.seen <= this.perMinute) return { record: true, summary }
    w.suppressed++
    return { record: false, summary }
  }
}
