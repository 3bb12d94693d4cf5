/**
 * What the researcher's terminal is told about its output: flowing freely, paced to the display
 * budget, stopped because the session has shown all it may, or a stretch skipped after Ctrl-C.
 */
export type PaceNotice =
  | { state: 'flowing' }
  | { state: 'paced'; bytesPerMinute: number }
  | { state: 'exhausted'; bytesPerSession: number }
  | { state: 'skipped'; bytes: number }

export interface PacerDeps {
  /** takes up to n bytes of the display budget; returns how many may be shown */
  take(n: number): number
  /** as take, but may go into debt by `debt` bytes */
  takeWithDebt(n: number, debt: number): number
  /** ms until n bytes may be shown; Infinity when the session's total is spent */
  msUntil(n: number): number
  /** the limits now, for the notice */
  limits(): { bytesPerMinute: number; bytesPerSession: number }
  /** stop / start reading the shell's output from the sandbox */
  pause(): void
  resume(): void
  /** bytes that may reach the screen */
  deliver(chunk: Buffer): void
  notice(n: PaceNotice): void
  setTimeout?: (fn: () => void, ms: number) => unknown
  clearTimeout?: (t: unknown) => void
}

/** Bytes shown per wake-up while paced: small steps keep the output smooth, like a slow line. */
const STEP_BYTES = 2048
/** After Ctrl-C, held-back output is skipped until the shell has been quiet this long... */
const QUIET_MS = 150
/**
 * ...or this long has passed: a program that ignores Ctrl-C goes back to being paced. The engine's
 * buffers can hold a few MiB of a flood, and draining them takes a moment on a busy host.
 */
const SKIP_MAX_MS = 5000
/**
 * Output that stops being paced is announced as flowing only after this long without being paced
 * again: a flood empties what is held time and again, and the note must not flicker.
 */
const FLOWING_AFTER_MS = 1500
/**
 * What one skip may read at most: the engine's buffers hold a few MiB of a flood. A program that
 * ignores Ctrl-C goes back to being paced after that, and the gateway is never flooded by skips.
 */
const SKIP_MAX_BYTES = 8 * 1024 * 1024
/** The skipped size is told in steps of this: the program chooses it, and it must carry little. */
const SKIPPED_STEP = 64 * 1024
/** What of the skipped output is shown at the end (the prompt, the ^C), at most... */
const TAIL_BYTES = 1024
/** ...taken from the budget, in debt if need be, by at most this much. */
const TAIL_DEBT = 2048
/** Ctrl-C counts as interrupting a paced flood for this long after the pacing stopped. */
const RECENTLY_PACED_MS = 2000

/**
 * Paces one shell's output to the session's display budget. Past the budget it stops reading the
 * sandbox, so the program inside waits as on a slow terminal, and shows what is held back in small
 * steps as the budget refills. Ctrl-C while paced skips what the pipeline still holds of the flood
 * (never shown, never charged) and shows only its last bytes, so the prompt comes back at once
 * instead of after minutes of paced output.
 */
export class OutputPacer {
  private held: Buffer[] = []
  private heldBytes = 0
  private wake: unknown = null
  private state: PaceNotice['state'] = 'flowing'
  /** what the connection was last told, and the pending word that the output flows again */
  private announced: PaceNotice['state'] = 'flowing'
  private flowingSoon: unknown = null
  private pacedUntil = 0
  private skipping: { tail: Buffer[]; tailBytes: number; skipped: number; quiet: unknown; max: unknown } | null = null
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (t: unknown) => void

  constructor(private readonly deps: PacerDeps) {
    this.setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms).unref())
    this.clearTimer = deps.clearTimeout ?? ((t) => clearTimeout(t as NodeJS.Timeout))
  }

  /** The latest notice, for a connection that attaches while output is paced. */
  current(): PaceNotice {
    const l = this.deps.limits()
    return this.state === 'paced'
      ? { state: 'paced', bytesPerMinute: l.bytesPerMinute }
      : this.state === 'exhausted'
        ? { state: 'exhausted', bytesPerSession: l.bytesPerSession }
        : { state: 'flowing' }
  }

  private setState(state: 'flowing' | 'paced' | 'exhausted'): void {
    if (state === this.state) return
    if (this.state !== 'flowing' && state === 'flowing') this.pacedUntil = Date.now() + RECENTLY_PACED_MS
    this.state = state
    this.announce()
  }

  /** Tells the connection of a change at once, except that the output flows again: that waits a while. */
  private announce(): void {
    if (this.flowingSoon !== null) this.clearTimer(this.flowingSoon)
    this.flowingSoon = null
    if (this.state === this.announced) return
    if (this.state !== 'flowing') {
      this.announced = this.state
      this.deps.notice(this.current())
      return
    }
    this.flowingSoon = this.setTimer(() => {
      this.flowingSoon = null
      if (this.state !== 'flowing' || this.announced === 'flowing') return
      this.announced = 'flowing'
      this.deps.notice({ state: 'flowing' })
    }, FLOWING_AFTER_MS)
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    if (this.skipping !== null) return this.skip(chunk)
    if (this.heldBytes > 0) {
      // read before the pause took hold: it waits behind what is held
      this.held.push(chunk)
      this.heldBytes += chunk.length
      return
    }
    const n = this.deps.take(chunk.length)
    if (n > 0) this.deps.deliver(n === chunk.length ? chunk : chunk.subarray(0, n))
    if (n < chunk.length) {
      this.held.push(chunk.subarray(n))
      this.heldBytes += chunk.length - n
      this.deps.pause()
      this.schedule()
    }
  }

  private schedule(): void {
    if (this.wake !== null) this.clearTimer(this.wake)
    const ms = this.deps.msUntil(Math.min(this.heldBytes, STEP_BYTES))
    if (ms === Infinity) {
      this.wake = null
      this.setState('exhausted')
      return
    }
    this.setState('paced')
    this.wake = this.setTimer(() => this.release(), Math.max(ms, 20))
  }

  private release(): void {
    this.wake = null
    while (this.heldBytes > 0) {
      const first = this.held[0]!
      const n = this.deps.take(first.length)
      if (n === 0) break
      this.deps.deliver(n === first.length ? first : first.subarray(0, n))
      this.heldBytes -= n
      if (n === first.length) this.held.shift()
      else {
        this.held[0] = first.subarray(n)
        break
      }
    }
    if (this.heldBytes > 0) return this.schedule()
    this.setState('flowing')
    this.deps.resume()
  }

  /**
   * The researcher pressed Ctrl-C (or another key that ends a program). While output is paced,
   * what the pipeline still holds of the flood is skipped; otherwise nothing changes.
   */
  interrupt(): void {
    if (this.skipping !== null) return
    const paced = this.heldBytes > 0 || Date.now() < this.pacedUntil
    if (!paced || this.state === 'exhausted') return
    if (this.wake !== null) this.clearTimer(this.wake)
    this.wake = null
    const skipped = this.heldBytes
    this.held = []
    this.heldBytes = 0
    this.skipping = {
      tail: [],
      tailBytes: 0,
      skipped,
      quiet: this.setTimer(() => this.endSkip(true), QUIET_MS),
      max: this.setTimer(() => this.endSkip(false), SKIP_MAX_MS)
    }
    this.deps.resume()
  }

  private skip(chunk: Buffer): void {
    const s = this.skipping!
    s.skipped += chunk.length
    if (s.skipped > SKIP_MAX_BYTES) {
      this.endSkip(false)
      // this chunk goes with the skipped rest; what comes after is paced, as from a program that ignored Ctrl-C
      return
    }
    s.tail.push(chunk)
    s.tailBytes += chunk.length
    while (s.tailBytes - s.tail[0]!.length >= TAIL_BYTES) s.tailBytes -= s.tail.shift()!.length
    this.clearTimer(s.quiet)
    s.quiet = this.setTimer(() => this.endSkip(true), QUIET_MS)
  }

  /** Quiet: the flood is over, show its last bytes (the prompt). Not quiet: pace again from here. */
  private endSkip(quiet: boolean): void {
    const s = this.skipping
    if (s === null) return
    this.skipping = null
    this.clearTimer(s.quiet)
    this.clearTimer(s.max)
    let tail = Buffer.alloc(0)
    if (quiet) {
      const all = Buffer.concat(s.tail, s.tailBytes)
      let want = all.subarray(Math.max(0, all.length - TAIL_BYTES))
      // whole lines: the cut would otherwise fall inside a character or an escape sequence
      const nl = want.indexOf(0x0a)
      if (nl >= 0 && nl < want.length - 1 && all.length > TAIL_BYTES) want = want.subarray(nl + 1)
      const n = this.deps.takeWithDebt(want.length, TAIL_DEBT)
      tail = want.subarray(want.length - n)
    }
    const skipped = s.skipped - tail.length
    this.deps.notice({ state: 'skipped', bytes: Math.ceil(skipped / SKIPPED_STEP) * SKIPPED_STEP })
    this.state = 'flowing'
    this.announced = 'flowing'
    this.pacedUntil = Date.now() + RECENTLY_PACED_MS
    if (tail.length > 0) this.deps.deliver(tail)
    this.deps.notice({ state: 'flowing' })
  }

  /** The shell ended or the session did: no more wake-ups. */
  dispose(): void {
    if (this.wake !== null) this.clearTimer(this.wake)
    if (this.flowingSoon !== null) this.clearTimer(this.flowingSoon)
    this.flowingSoon = null
    if (this.skipping !== null) {
      this.clearTimer(this.skipping.quiet)
      this.clearTimer(this.skipping.max)
    }
    this.wake = null
    this.skipping = null
  }
}
