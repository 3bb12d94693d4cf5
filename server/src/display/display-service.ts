import { DEFAULT_DISPLAY, type DisplayPolicy, type Policy } from '../policy/schema.js'
import { TokenBucket } from './budget.js'

/** The ways sandbox content reaches a researcher's screen. */
export type DisplayChannel = 'terminal' | 'cell' | 'file' | 'listing'

/** Whose screen: the session, its project (whose policy rules) and its researcher. */
export interface Viewer {
  sessionId: string
  projectId: string
  userId: string
}

/** What one session has shown and may still show. */
export interface DisplayStatus {
  limits: DisplayPolicy
  /** bytes that may be shown right now */
  available: number
  /** bytes shown over the session */
  shown: number
  /** bytes shown over the last minute */
  shownLastMinute: number
  /** since when the session has wanted more than its budget allowed, or null */
  pacedSince: string | null
  /** minutes in a row, up to now, in which the session wanted more than its budget allowed or showed nearly all of it */
  ceilingMinutes: number
}

interface SessionDisplay {
  viewer: Viewer
  shown: number
  /** bytes shown per second, for the last minute */
  perSecond: Map<number, number>
  /** minutes (since the epoch) in which the session wanted more than it was allowed */
  starvedMinutes: Set<number>
  /** bytes shown per minute (since the epoch), for the last day */
  perMinute: Map<number, number>
  pacedSince: number | null
  /** the last moment the session wanted more than it was given */
  starvedAt: number
}

interface UserBucket {
  bucket: TokenBucket
  /** the limits the bucket was last given, to see a policy change */
  key: string
}

/** Told of every byte that reached a screen, with the channel and the content, for the monitor. */
export type ShownListener = (viewer: Viewer, channel: DisplayChannel, content: Uint8Array, binary: boolean) => void

export interface DisplayServiceDeps {
  /** the policy in force for a project */
  policyFor: (projectId: string) => Policy
  now: () => Date
}

const keyOf = (l: DisplayPolicy) => `${l.bytesPerMinute}/${l.burstBytes}`

/** Of the rate, what a minute must show to count as one at the ceiling. */
const NEAR_CEILING = 0.8

/** A session not held back for this long is no longer paced. */
const PACED_QUIET_MS = 5_000

/**
 * The display channel's budget, which every byte from a sandbox to a browser is counted against:
 * terminal output, cell outputs, file views and listings. The screen is a way out too: this is
 * what keeps a dataset from being read off it. The policy's `bytesPerSession` bounds each session;
 * the rate (`bytesPerMinute` after a `burstBytes` bucket) is the researcher's across their
 * sessions of a project, so ending a session and starting another buys no fresh burst. A policy change reaches
 * every session at its next byte. Reviewers' previews and released downloads are not part of it.
 */
export function createDisplayService(deps: DisplayServiceDeps) {
  const sessions = new Map<string, SessionDisplay>()
  const buckets = new Map<string, UserBucket>()
  const listeners = new Set<ShownListener>()
  const nowMs = () => deps.now().getTime()

  const limitsFor = (projectId: string): DisplayPolicy => deps.policyFor(projectId).display ?? DEFAULT_DISPLAY

  function of(v: Viewer): { s: SessionDisplay; bucket: TokenBucket; limits: DisplayPolicy } {
    const limits = limitsFor(v.projectId)
    let s = sessions.get(v.sessionId)
    if (s === undefined) {
      s = {
        viewer: v,
        shown: 0,
        perSecond: new Map(),
        starvedMinutes: new Set(),
        perMinute: new Map(),
        pacedSince: null,
        starvedAt: 0
      }
      sessions.set(v.sessionId, s)
    }
    // one rate per researcher and project: a looser project's rate never refills a stricter one's bucket
    const bucketKey = `${v.userId}\u0000${v.projectId}`
    let b = buckets.get(bucketKey)
    if (b === undefined) {
      b = { bucket: new TokenBucket(limits, nowMs()), key: keyOf(limits) }
      buckets.set(bucketKey, b)
    } else if (keyOf(limits) !== b.key) {
      b.bucket.setLimits(limits, nowMs())
      b.key = keyOf(limits)
    }
    return { s, bucket: b.bucket, limits }
  }

  function record(s: SessionDisplay, wanted: number, got: number, t: number): void {
    if (got > 0) {
      s.shown += got
      const second = Math.floor(t / 1000)
      s.perSecond.set(second, (s.perSecond.get(second) ?? 0) + got)
      for (const k of s.perSecond.keys()) if (k <= second - 60) s.perSecond.delete(k)
      const minute = Math.floor(t / 60_000)
      s.perMinute.set(minute, (s.perMinute.get(minute) ?? 0) + got)
      for (const k of s.perMinute.keys()) if (k < minute - 24 * 60) s.perMinute.delete(k)
    }
    if (got < wanted) {
      const minute = Math.floor(t / 60_000)
      s.starvedMinutes.add(minute)
      for (const m of s.starvedMinutes) if (m < minute - 24 * 60) s.starvedMinutes.delete(m)
      // a paced flood is granted in small steps in between: only a quiet spell ends the episode
      if (s.pacedSince === null || t - s.starvedAt > PACED_QUIET_MS) s.pacedSince = t
      s.starvedAt = t
    }
  }

  function take(v: Viewer, bytes: number, debt = 0): number {
    const { s, bucket, limits } = of(v)
    const t = nowMs()
    const got = bucket.take(bytes, t, Math.max(0, limits.bytesPerSession - s.shown), debt)
    record(s, bytes, got, t)
    return got
  }

  return {
    /**
     * Takes up to `bytes` of the budget: the number of bytes that may be shown now. Wanting more
     * than that marks the session as paced.
     */
    take: (v: Viewer, bytes: number): number => take(v, bytes),

    /** Takes all of `bytes` or nothing (a table row, an image): whether it may be shown. */
    takeWhole(v: Viewer, bytes: number): boolean {
      const { s, bucket, limits } = of(v)
      const t = nowMs()
      const fits = bucket.available(t) >= bytes && limits.bytesPerSession - s.shown >= bytes
      const got = fits ? bucket.take(bytes, t) : 0
      record(s, bytes, got, t)
      return fits
    },

    /** As take, but may run up a small debt: for the prompt after an interrupted flood. */
    takeWithDebt: (v: Viewer, bytes: number, debt: number): number => take(v, bytes, debt),

    /** Milliseconds until `bytes` may be shown; Infinity once the session's total is spent. */
    msUntil(v: Viewer, bytes: number): number {
      const { s, bucket, limits } = of(v)
      if (s.shown >= limits.bytesPerSession) return Infinity
      return bucket.msUntil(Math.min(bytes, limits.bytesPerSession - s.shown), nowMs())
    },

    /**
     * Tells the monitor what reached the screen, as text, or as the decoded bytes of an image
     * (`binary`: looked at for the project's data, not judged as encoded text).
     */
    shown(v: Viewer, channel: DisplayChannel, content: Uint8Array, binary = false): void {
      if (content.length === 0) return
      for (const l of listeners) l(v, channel, content, binary)
    },

    onShown(listener: ShownListener): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    status(v: Viewer): DisplayStatus {
      const { s, bucket, limits } = of(v)
      const t = nowMs()
      const second = Math.floor(t / 1000)
      let lastMinute = 0
      for (const [k, n] of s.perSecond) if (k > second - 60) lastMinute += n
      const minute = Math.floor(t / 60_000)
      // At the ceiling: held back, or shown nearly all the rate allows (a program that paces itself
      // just below the budget is at the ceiling too). The minute under way counts once it is; a
      // minute that was not breaks the run.
      const atCeiling = (m: number) =>
        s.starvedMinutes.has(m) || (s.perMinute.get(m) ?? 0) >= NEAR_CEILING * limits.bytesPerMinute
      let run = 0
      for (let m = atCeiling(minute) ? minute : minute - 1; atCeiling(m); m--) run++
      return {
        limits,
        available: Math.min(bucket.available(t), Math.max(0, limits.bytesPerSession - s.shown)),
        shown: s.shown,
        shownLastMinute: lastMinute,
        pacedSince:
          s.pacedSince === null || t - s.starvedAt > PACED_QUIET_MS ? null : new Date(s.pacedSince).toISOString(),
        ceilingMinutes: run
      }
    },

    /** The sessions that have shown something, with whose they are. */
    viewers(): Viewer[] {
      return [...sessions.values()].map((s) => s.viewer)
    },

    /** The session ended: its count goes (its researcher's bucket stays, so a new session starts where it left off). */
    forget(sessionId: string): void {
      sessions.delete(sessionId)
    }
  }
}

export type DisplayService = ReturnType<typeof createDisplayService>
