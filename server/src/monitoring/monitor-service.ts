import type { FastifyBaseLogger } from 'fastify'
import type { DisplayChannel, DisplayService, DisplayStatus, Viewer } from '../display/display-service.js'
import type { MonitoringPolicy, Policy } from '../policy/schema.js'
import type { SandboxDriver, SandboxStats } from '../sandbox/driver.js'
import type { SandboxSessionRow, Store } from '../store/types.js'
import type { DisplayWatch } from './display-watch.js'
import { SlidingCount, withinHours } from './rules.js'

const MiB = 1024 * 1024
/** An alert for the same rule and the same session (or user) is raised at most this often. */
const COOLDOWN_MS = 60_000
/** How often the rules that are not driven by output (refusals, hours) are looked at. */
export const TICK_MS = 10_000

export type RuleName = keyof MonitoringPolicy

/** A live session as the console shows it. */
export interface LiveSession {
  id: string
  state: SandboxSessionRow['state']
  userId: string
  username: string | null
  projectId: string
  projectTitle: string | null
  runtime: string
  startedAt: string | null
  stats: SandboxStats | null
  /** terminal output over the last minute */
  outputBytesPerMinute: number
  /** what reached the researcher's screen, against the display budget; null before anything did */
  display: (Omit<DisplayStatus, 'limits'> & { encodedPerMinute: number; datasetMatches: number }) | null
}

interface Deps {
  store: Store
  driver: SandboxDriver
  sessions: {
    stop(id: string, reason: string, by: { actor: string; sourceIp: string | null }): Promise<unknown>
  }
  policy: () => Policy
  /** the policy in force for a project (its override, or the default) */
  policyFor: (projectId: string) => Policy
  display: Pick<DisplayService, 'status' | 'viewers'>
  watch: DisplayWatch
  timeZone: string
  now: () => Date
  log: FastifyBaseLogger
}

/**
 * Live monitoring: what each running session uses, and the policy's rules on what sessions do:
 * terminal output per minute, refused requests per minute, hours of use, and what reached the
 * screen (encoded binary, pieces of the project's datasets, a display budget spent minute after
 * minute). A rule that fires is
 * recorded in the audit log as `alert.raised` (which the console lists) and, where the policy says
 * `end`, the session ends at once. Output is counted as it happens; refusals and hours are looked at
 * every TICK_MS.
 */
export function createMonitor(deps: Deps) {
  const { store } = deps
  const output = new SlidingCount()
  const quietUntil = new Map<string, number>()
  /** the rules for a session's project; the default policy's for what belongs to no session */
  const rules = (projectId?: string | null): MonitoringPolicy =>
    (projectId == null ? deps.policy() : deps.policyFor(projectId)).monitoring ?? {}
  /** which project a shell's session belongs to, looked up on its first output */
  const projectOf = new Map<string, string | null>()

  /** False while the same alert is cooling down; otherwise starts the cooldown. */
  const fresh = (key: string, nowMs: number) => {
    if ((quietUntil.get(key) ?? 0) > nowMs) return false
    quietUntil.set(key, nowMs + COOLDOWN_MS)
    return true
  }

  async function raise(
    rule: RuleName,
    action: 'alert' | 'end',
    subject: { session: SandboxSessionRow | null; userId: string | null },
    detail: Record<string, unknown>,
    sentence: string
  ): Promise<void> {
    await store.appendAudit({
      actor: 'system',
      action: 'alert.raised',
      sourceIp: null,
      target: subject.session?.id ?? subject.userId,
      outcome: 'success',
      details: {
        rule,
        action,
        message: sentence,
        ...(subject.session ? { session: subject.session.id, project: subject.session.projectId } : {}),
        user: subject.session?.userId ?? subject.userId,
        ...detail
      }
    })
    if (action !== 'end') return
    const ending = subject.session
      ? [subject.session]
      : subject.userId === null
        ? []
        : await store.listSandboxSessions({ userId: subject.userId, states: ['starting', 'running'] })
    for (const s of ending) {
      await deps.sessions.stop(s.id, `ended by monitoring: ${sentence}`, { actor: 'system', sourceIp: null })
    }
  }

  const fail = (err: unknown) => deps.log.error({ err }, 'a monitoring rule could not be carried out')

  /** A shell printed `bytes`: counted, and checked against the output rule. */
  function onOutput(sessionId: string, bytes: number): void {
    const nowMs = deps.now().getTime()
    const total = output.add(sessionId, bytes, nowMs)
    if (!projectOf.has(sessionId)) {
      projectOf.set(sessionId, null)
      void store.getSandboxSession(sessionId).then((s) => projectOf.set(sessionId, s?.projectId ?? null), fail)
    }
    const rule = rules(projectOf.get(sessionId)).terminalOutputMiBPerMinute
    if (rule === undefined || total <= rule.limit * MiB || !fresh(`output:${sessionId}`, nowMs)) return
    void (async () => {
      const session = await store.getSandboxSession(sessionId)
      await raise(
        'terminalOutputMiBPerMinute',
        rule.action,
        { session, userId: session?.userId ?? null },
        { bytesPerMinute: total, limitMiB: rule.limit },
        `the terminal printed more than ${rule.limit} MiB within a minute`
      )
    })().catch(fail)
  }

  /**
   * Something reached a researcher's screen: looked at for encoded binary and for the project's
   * own data, against the policy's rules.
   */
  function onShown(v: Viewer, channel: DisplayChannel, content: Uint8Array, binary: boolean): void {
    const found = deps.watch.shown(v, channel, content, binary)
    const nowMs = deps.now().getTime()
    const r = rules(v.projectId)
    const alarms: [RuleName, 'alert' | 'end', Record<string, unknown>, string][] = []
    const enc = r.encodedOutputKiBPerMinute
    if (enc !== undefined && found.encodedPerMinute > enc.limit * 1024 && fresh(`encoded:${v.sessionId}`, nowMs)) {
      alarms.push([
        'encodedOutputKiBPerMinute',
        enc.action,
        { encodedBytesPerMinute: found.encodedPerMinute, limitKiB: enc.limit, channel },
        `more than ${enc.limit} KiB of output that looks like encoded binary reached the screen within a minute`
      ])
    }
    const match = r.datasetMatches
    if (match !== undefined && found.datasetMatches >= match.limit && fresh(`dataset:${v.sessionId}`, nowMs)) {
      alarms.push([
        'datasetMatches',
        match.action,
        { matches: found.datasetMatches, byDataset: found.matchesByDataset, limit: match.limit, channel },
        `${found.datasetMatches} pieces of the project's dataset files reached the screen`
      ])
    }
    if (alarms.length === 0) return
    void (async () => {
      const session = await store.getSandboxSession(v.sessionId)
      for (const [rule, action, detail, sentence] of alarms) {
        await raise(rule, action, { session, userId: v.userId }, detail, sentence)
      }
    })().catch(fail)
  }

  /** Refusals and hours of use. */
  async function tick(): Promise<void> {
    const now = deps.now()
    const nowMs = now.getTime()
    const refused = rules().refusedActionsPerMinute
    if (refused !== undefined) {
      const since = new Date(nowMs - 60_000).toISOString()
      const perActor = new Map<string, number>()
      for (const outcome of ['denied', 'failure'] as const) {
        for (const r of await store.searchAudit({ outcome, from: since, limit: 10_000 })) {
          // only what a signed-in user was refused counts against them: a refused sign-in names the
          // account someone tried, and anyone could otherwise get a researcher's sessions ended
          if (r.action.startsWith('auth.') || r.actor === 'system' || r.actor === 'anonymous') continue
          perActor.set(r.actor, (perActor.get(r.actor) ?? 0) + 1)
        }
      }
      for (const [actor, count] of perActor) {
        if (count < refused.limit || !fresh(`refused:${actor}`, nowMs)) continue
        await raise(
          'refusedActionsPerMinute',
          refused.action,
          { session: null, userId: actor },
          { refusals: count, limit: refused.limit },
          `${count} requests were refused within a minute`
        )
      }
    }
    for (const v of deps.display.viewers()) {
      const ceiling = rules(v.projectId).displayCeilingMinutes
      if (ceiling === undefined) continue
      const minutes = deps.display.status(v).ceilingMinutes
      if (minutes < ceiling.limit || !fresh(`ceiling:${v.sessionId}`, nowMs)) continue
      const session = await store.getSandboxSession(v.sessionId)
      if (session === null || (session.state !== 'running' && session.state !== 'starting')) continue
      await raise(
        'displayCeilingMinutes',
        ceiling.action,
        { session, userId: v.userId },
        { minutes, limit: ceiling.limit, bytesPerMinute: deps.display.status(v).limits.bytesPerMinute },
        `the session spent its whole display budget ${minutes} minutes in a row`
      )
    }
    for (const s of await store.listSandboxSessions({ states: ['starting', 'running'] })) {
      const hours = rules(s.projectId).allowedHours
      if (hours === undefined || withinHours(now, deps.timeZone, hours.from, hours.to)) continue
      if (!fresh(`hours:${s.id}`, nowMs)) continue
      await raise(
        'allowedHours',
        hours.action,
        { session: s, userId: s.userId },
        { from: hours.from, to: hours.to, timeZone: deps.timeZone },
        `sessions may run only from ${hours.from} to ${hours.to} (${deps.timeZone})`
      )
    }
  }

  async function live(): Promise<LiveSession[]> {
    const sessions = await store.listSandboxSessions({ states: ['starting', 'running', 'stopping'] })
    const shownBy = new Set(deps.display.viewers().map((v) => v.sessionId))
    const users = new Map((await store.listUsers()).map((u) => [u.id, u.username]))
    const nowMs = deps.now().getTime()
    return Promise.all(
      sessions.map(async (s) => ({
        id: s.id,
        state: s.state,
        userId: s.userId,
        username: users.get(s.userId) ?? null,
        projectId: s.projectId,
        projectTitle: (await store.getProject(s.projectId))?.title ?? null,
        runtime: s.runtime,
        startedAt: s.startedAt,
        stats: s.sandboxId === null ? null : await deps.driver.stats(s.sandboxId).catch(() => null),
        outputBytesPerMinute: output.total(s.id, nowMs),
        display: shownBy.has(s.id)
          ? (({ limits: _, ...d }) => ({ ...d, ...deps.watch.status(s.id) }))(
              deps.display.status({ sessionId: s.id, projectId: s.projectId, userId: s.userId })
            )
          : null
      }))
    )
  }

  let timer: NodeJS.Timeout | null = null
  return {
    onOutput,
    onShown,
    tick,
    live,
    start(): void {
      timer ??= setInterval(() => void tick().catch(fail), TICK_MS)
      timer.unref()
    },
    stop(): void {
      if (timer !== null) clearInterval(timer)
      timer = null
    },
    /** The session ended: its counts go. */
    forget(sessionId: string): void {
      output.forget(sessionId)
      projectOf.delete(sessionId)
      deps.watch.forget(sessionId)
    }
  }
}

export type Monitor = ReturnType<typeof createMonitor>
