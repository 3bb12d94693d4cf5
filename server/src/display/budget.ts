/** The rate part of a display budget: what the bucket holds and how fast it refills. */
export interface BucketLimits {
  bytesPerMinute: number
  burstBytes: number
}

/**
 * A bucket of `burstBytes` that refills at `bytesPerMinute`. Pure, with the time passed in, so
 * its arithmetic is tested exactly. `room` caps a take from outside (what the session may still
 * show in all). A small debt may be run up for the few bytes that bring a prompt back after
 * Ctrl-C; it is paid back before anything else is shown.
 */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor(
    private limits: BucketLimits,
    nowMs: number
  ) {
    this.tokens = limits.burstBytes
    this.at = nowMs
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.at)
    this.at = Math.max(this.at, nowMs)
    this.tokens = Math.min(this.limits.burstBytes, this.tokens + (elapsed * this.limits.bytesPerMinute) / 60_000)
  }

  /** Whole bytes the bucket holds now (never negative). */
  available(nowMs: number): number {
    this.refill(nowMs)
    return Math.max(0, Math.floor(this.tokens))
  }

  /** Takes up to `want` bytes, at most `room`, going into debt by at most `debt`; returns how many. */
  take(want: number, nowMs: number, room = Infinity, debt = 0): number {
    this.refill(nowMs)
    const n = Math.max(0, Math.min(want, room, Math.floor(this.tokens) + debt))
    this.tokens -= n
    return n
  }

  /** Milliseconds until `bytes` (at most the burst) are in the bucket. */
  msUntil(bytes: number, nowMs: number): number {
    this.refill(nowMs)
    const missing = Math.min(bytes, this.limits.burstBytes) - this.tokens
    return missing <= 0 ? 0 : Math.ceil((missing * 60_000) / this.limits.bytesPerMinute)
  }

  /** New limits take effect now; the bucket keeps its level within the new burst. */
  setLimits(limits: BucketLimits, nowMs: number): void {
    this.refill(nowMs)
    this.limits = limits
    this.tokens = Math.min(this.tokens, limits.burstBytes)
  }
}
