import type { SandboxPolicy } from '../policy/schema.js'
import type { SandboxEvent } from '../sandbox/driver.js'
import type { SandboxSessionRow } from '../store/types.js'
import type { SessionCore } from './core.js'
import { LIVE_STATES } from './transitions.js'
import { LABELS } from './sandbox-spec.js'
import type { Stop } from './stop.js'

/**
 * The limits a running session is held to: the right to work, its maximum duration and idle
 * timeout (what ends it), and the sandbox's own process and memory limits (what it runs into,
 * contained by the sandbox, recorded here).
 */
export function createLimits(core: SessionCore, stop: Stop) {
  const { store, driver, now } = core.deps
  /** sessions whose sandbox is at its process limit now: recorded once per episode */
  const atPidsLimit = new Set<string>()

  /** Why a running session must end now, or null. A lapsed right to work is named before the limits. */
  async function endReason(session: SandboxSessionRow): Promise<string | null> {
    const user = await store.getUserById(session.userId)
    if (user === null) return 'the account no longer exists'
    const reasons = await core.checkEligible(user, session.projectId)
    if (reasons.length > 0) return reasons.join('; ')
    const limits = session.limits as Partial<SandboxPolicy>
    const t = now().getTime()
    const started = Date.parse(session.startedAt ?? session.createdAt)
    const maxMinutes = limits.maxDurationMinutes ?? core.deps.policy(session.projectId).sandbox.maxDurationMinutes
    // counted from the request, as the sandbox's own deadline is
    if (t >= Date.parse(session.createdAt) + maxMinutes * 60_000) {
      return `the session reached its maximum duration of ${maxMinutes} minutes`
    }
    const idleMinutes = limits.idleMinutes ?? core.deps.policy(session.projectId).sandbox.idleMinutes
    const active = Math.max(started, core.lastActivity.get(session.id) ?? started)
    if (t >= active + idleMinutes * 60_000) return `the session was idle for ${idleMinutes} minutes`
    return null
  }

  /** A limit a sandbox ran into (the sandbox itself keeps it contained): recorded once per episode. */
  async function checkLimits(session: SandboxSessionRow): Promise<void> {
    const stats = await driver.stats(session.sandboxId!)
    if (stats === null || stats.pidsLimit === null) return
    if (stats.pids >= stats.pidsLimit) {
      if (!atPidsLimit.has(session.id)) {
        atPidsLimit.add(session.id)
        await store.appendAudit(
          core.system('sandbox.limit', session.id, 'denied', { limit: 'pids', pids: stats.pids, max: stats.pidsLimit })
        )
      }
    } else {
      atPidsLimit.delete(session.id)
    }
  }

  /** Engine events: a process killed for memory is audited; a sandbox that ended is reaped at once. */
  async function onSandboxEvent(event: SandboxEvent): Promise<void> {
    // a claimed pooled sandbox is its session's by the id on record; its labels name no session
    const claimed = (await store.listSandboxSessions({ states: LIVE_STATES })).find((s) => s.sandboxId === event.sandboxId)
    const sessionId = claimed?.id ?? event.labels[LABELS.session]
    if (sessionId === undefined) return
    if (event.kind === 'oom') {
      await store.appendAudit(
        core.system('sandbox.limit', sessionId, 'denied', { limit: 'memory', sandbox: event.sandboxId })
      )
      return
    }
    const session = claimed ?? (await store.getSandboxSession(sessionId))
    if (session?.state === 'running' && !core.locks.has(session.id)) {
      const ended = await driver.poll(event.sandboxId)
      if (ended !== null) await stop.fail(session, `the sandbox stopped unexpectedly: ${ended.reason}`)
    }
  }

  return { endReason, checkLimits, onSandboxEvent }
}

export type Limits = ReturnType<typeof createLimits>
