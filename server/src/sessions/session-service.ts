import { createCore, type SessionServiceDeps } from './core.js'
import { createLaunch } from './launch.js'
import { createLimits } from './limits.js'
import { createLiveLimits } from './live-limits.js'
import { createReaper } from './reaper.js'
import { createReconcile } from './reconcile.js'
import { createRetention } from './retention.js'
import { createSharedDatasets } from './shared-datasets.js'
import { createPool } from './pool.js'
import { createStart } from './start.js'
import { createStop } from './stop.js'

export { type SessionServiceDeps } from './core.js'
export { ANY_SESSION, type SessionChange, type StartStep } from './events.js'
export { LIVE_RESOURCE_KEYS, LIVE_SESSION_KEYS, type LiveLimitChange, NEW_SESSION_KEYS } from './live-limits.js'
export { DEFAULT_RETENTION_DAYS } from './retention.js'
export { DEFAULT_ROW_CAP, LABELS, sandboxSpec } from './sandbox-spec.js'

/**
 * Analysis sessions: who may start one, launching the sandbox with the project's data and the
 * researcher's workspace (start.ts, launch.ts), ending it by the user (stop.ts), at the policy's
 * limits or when the right to work lapses (limits.ts, reaper.ts), bringing running sessions to a
 * changed policy (live-limits.ts), deleting an ended project's workspaces after its retention
 * (retention.ts), and re-adopting live sandboxes after a gateway restart (reconcile.ts). Every
 * transition is audited; the parts share one core (core.ts): the per-session locks, last activity
 * and the change events (events.ts).
 */
export function createSessionService(deps: SessionServiceDeps) {
  const core = createCore(deps)
  const stop = createStop(core)
  const limits = createLimits(core, stop)
  const reaper = createReaper(core, stop, limits)
  const live = createLiveLimits(core)
  const shared = createSharedDatasets(core, stop)
  const pool = createPool(core)
  return {
    start: createStart(core, createLaunch(core, pool), pool),
    /** sandboxes started ahead per project (policy `sandbox.pool`) */
    pool,
    stop: stop.stop,
    reap: reaper.reap,
    applyPolicy: live.applyPolicy,
    reconcile: createReconcile(core, stop),
    endLapsed: reaper.endLapsed,
    endProjectSessions: reaper.endProjectSessions,
    wipeEndedProjects: createRetention(core),
    /** removes the host's dataset copies no sandbox uses any more, and ends sessions on erased ones */
    pruneDatasets: shared.pass,
    /** the host's dataset copies (console figures, tests) */
    hostCopies: deps.hostCopies,
    onSandboxEvent: limits.onSandboxEvent,
    /** terminal input or a cell run: what keeps a session from idling out */
    touch(id: string) {
      core.lastActivity.set(id, deps.now().getTime())
    },
    get: (id: string) => deps.store.getSandboxSession(id),
    subscribe: core.events.subscribe,
    onEnding: core.events.onEnding,
    onRunning: core.events.onRunning,
    list: (userId: string) => deps.store.listSandboxSessions({ userId }),
    /** waits for launches and stops under way (tests, shutdown) */
    async settle(): Promise<void> {
      while (core.inFlight.size > 0) await Promise.allSettled([...core.inFlight])
    }
  }
}

export type SessionService = ReturnType<typeof createSessionService>
