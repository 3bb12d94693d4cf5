import type { SandboxPolicy } from '../policy/schema.js'
import { SandboxGone, SandboxLimitsFixed } from '../sandbox/driver.js'
import { type Actor, MiB, type SessionCore } from './core.js'
import { DEFAULT_ROW_CAP } from './sandbox-spec.js'

/** What a policy change does to a running session: the sandbox's resources, and the gateway's limits. */
export const LIVE_RESOURCE_KEYS = ['cpus', 'memoryMiB', 'pids'] as const
export const LIVE_SESSION_KEYS = ['maxDurationMinutes', 'idleMinutes', 'rowCap'] as const
/** Fixed when a sandbox is made: a change reaches new sessions only. */
export const NEW_SESSION_KEYS = ['image', 'runtime', 'workAreaMiB', 'tmpMiB', 'dataMiB', 'sessionsPerUser'] as const

type LiveKey = (typeof LIVE_RESOURCE_KEYS)[number] | (typeof LIVE_SESSION_KEYS)[number]

/** What became of one live session when the policy in force for its project changed. */
export interface LiveLimitChange {
  sessionId: string
  projectId: string
  /** limits now in force in the session, with the value each had before */
  applied: { key: LiveKey; from: unknown; to: unknown }[]
  /** limits that stay as they were until the next session, and why */
  notApplied: { key: LiveKey; to: unknown; reason: string }[]
}

const liveValue = (p: Partial<SandboxPolicy>, key: LiveKey): unknown =>
  key === 'rowCap' ? (p.rowCap ?? DEFAULT_ROW_CAP) : p[key]

const isResource = (k: LiveKey) => (LIVE_RESOURCE_KEYS as readonly string[]).includes(k)

/** A policy changed: running sessions get what of it can change while they run. */
export function createLiveLimits(core: SessionCore) {
  const { store, driver, log } = core.deps

  /**
   * Brings one running session to the policy now in force for its project, as far as that can
   * change live: the sandbox's CPU, memory and process limits through the engine, the session's
   * maximum duration, idle timeout and notebook row cap in its record (what the reaper and the
   * kernel read). The rest waits for the next session. Audited as session.limits.
   */
  async function applyLimits(id: string, by: Actor): Promise<LiveLimitChange | null> {
    const session = await store.getSandboxSession(id)
    if (session === null || session.state !== 'running' || session.sandboxId === null) return null
    const want = core.deps.policy(session.projectId).sandbox
    const had = session.limits as Partial<SandboxPolicy>
    const changed = [...LIVE_RESOURCE_KEYS, ...LIVE_SESSION_KEYS].filter(
      (k) => liveValue(had, k) !== liveValue(want, k)
    )
    if (changed.length === 0) return null
    const change: LiveLimitChange = { sessionId: id, projectId: session.projectId, applied: [], notApplied: [] }
    const next: Record<string, unknown> = { ...session.limits }
    const resources = changed.filter(isResource)
    if (resources.length > 0) {
      // recorded before the engine is asked: a change the audit could not record does not happen
      await store.appendAudit({
        actor: by.actor,
        action: 'session.limits.request',
        sourceIp: by.sourceIp,
        target: id,
        outcome: 'success',
        details: {
          project: session.projectId,
          to: Object.fromEntries(resources.map((k) => [k, want[k as keyof SandboxPolicy]]))
        }
      })
      try {
        await driver.update(session.sandboxId, {
          cpus: want.cpus,
          memoryBytes: want.memoryMiB * MiB,
          pids: want.pids
        })
        for (const k of LIVE_RESOURCE_KEYS) {
          if (resources.includes(k)) change.applied.push({ key: k, from: had[k], to: want[k] })
          next[k] = want[k]
        }
      } catch (err) {
        if (err instanceof SandboxGone) return null
        const reason =
          err instanceof SandboxLimitsFixed ? err.message : `the engine refused the change: ${(err as Error).message}`
        for (const k of resources) change.notApplied.push({ key: k, to: want[k], reason })
      }
    }
    const refused = change.notApplied.length > 0
    for (const k of changed.filter((x) => !isResource(x))) {
      const [from, to] = [liveValue(had, k), liveValue(want, k)]
      next[k] = want[k]
      // the running kernel caps rows itself as it was started; the gateway can only cap further
      if (k === 'rowCap' && (to as number) > (from as number)) {
        change.notApplied.push({
          key: k,
          to,
          reason: 'a raised row cap reaches a notebook kernel started after it; one running now keeps its cap'
        })
      } else if (k === 'maxDurationMinutes' && (to as number) > (from as number)) {
        // the sandbox ends itself at the deadline it was started with; the record keeps that
        next[k] = from
        change.notApplied.push({
          key: k,
          to,
          reason:
            'a running sandbox ends itself at the deadline it was started with; a longer maximum applies from the next session'
        })
      } else {
        change.applied.push({ key: k, from, to })
      }
    }
    await store.updateSandboxSessionLimits(id, next, {
      actor: by.actor,
      action: 'session.limits',
      sourceIp: by.sourceIp,
      target: id,
      outcome: refused ? 'error' : 'success',
      details: { project: session.projectId, applied: change.applied, notApplied: change.notApplied }
    })
    return change
  }

  /**
   * After a policy changed: every running session whose project's policy in force differs from the
   * limits it runs under gets what can change live. Sessions still starting are brought along once
   * they run (their launch holds them); they are named in `pending`.
   */
  async function applyPolicy(by: Actor): Promise<{ changes: LiveLimitChange[]; pending: string[] }> {
    const changes: LiveLimitChange[] = []
    const pending: string[] = []
    for (const s of await store.listSandboxSessions({ states: ['starting', 'running'] })) {
      const apply = () => core.locked(s.id, () => applyLimits(s.id, by))
      if (s.state === 'starting') {
        pending.push(s.id)
        void core.track(apply()).catch((err: unknown) => log.error({ err, session: s.id }, 'applying a policy failed'))
        continue
      }
      try {
        const change = await apply()
        if (change !== null) changes.push(change)
      } catch (err) {
        log.error({ err, session: s.id }, 'applying a policy failed')
      }
    }
    return { changes, pending }
  }

  return { applyLimits, applyPolicy }
}
