import { type SessionCore, START_TIMEOUT_MS } from './core.js'
import type { Limits } from './limits.js'
import type { Stop } from './stop.js'

const SYSTEM = { actor: 'system', sourceIp: null }

/**
 * The gateway ending sessions on its own (after JupyterHub's cull_idle): the reaper's pass over
 * live sessions, an administrator's change that lapses someone's right to work, a project losing
 * what its sessions run on.
 */
export function createReaper(core: SessionCore, stop: Stop, limits: Limits) {
  const { store, driver, log, now } = core.deps

  /** One pass of the reaper: ends sessions past their limits or whose right to work lapsed. */
  async function reap(): Promise<void> {
    for (const session of await store.listSandboxSessions({ states: ['starting', 'running', 'stopping'] })) {
      if (core.locks.has(session.id)) continue
      try {
        if (session.state === 'starting') {
          if (now().getTime() - Date.parse(session.createdAt) > START_TIMEOUT_MS) {
            await stop.fail(session, 'the sandbox did not start in time')
          }
          continue
        }
        if (session.state === 'stopping') {
          // not awaited: one sandbox that is slow to stop must not hold up the others
          void core
            .track(core.locked(session.id, () => stop.finishStop(session)))
            .catch((err: unknown) => log.error({ err, session: session.id }, 'finishing a stop failed'))
          continue
        }
        const ended =
          session.sandboxId === null ? { reason: 'no sandbox is recorded' } : await driver.poll(session.sandboxId)
        if (ended !== null) {
          await stop.fail(session, `the sandbox stopped unexpectedly: ${ended.reason}`)
          continue
        }
        // the right to work first: an engine that cannot give figures must not keep a session alive
        const reason = await limits.endReason(session)
        if (reason !== null) {
          stop.stopLater(session.id, reason, SYSTEM)
          continue
        }
        await limits.checkLimits(session)
      } catch (err) {
        log.error({ err, session: session.id }, 'reaper could not check a session')
      }
    }
  }

  /**
   * Ends, now rather than at the reaper's next pass, every live session whose right to work has
   * lapsed: account or organization suspended, certification suspended or out of date, project
   * ended or the researcher no longer a member. An administrator's change calls this at once.
   * Returns the ids of the sessions it is ending.
   */
  async function endLapsed(): Promise<string[]> {
    const ending: string[] = []
    for (const session of await store.listSandboxSessions({ states: ['starting', 'running'] })) {
      const user = await store.getUserById(session.userId)
      const reasons =
        user === null ? ['the account no longer exists'] : await core.checkEligible(user, session.projectId)
      if (reasons.length === 0) continue
      ending.push(session.id)
      // a starting session is stopped once its launch (which holds the lock) is over
      stop.stopLater(session.id, reasons.join('; '), SYSTEM)
    }
    return ending
  }

  /** Ends the live sessions of one project, for a reason that is not about the researcher (a dataset revoked). */
  async function endProjectSessions(projectId: string, reason: string, by: { actor: string; sourceIp: string | null }) {
    const live = (await store.listSandboxSessions({ states: ['starting', 'running'] })).filter(
      (s) => s.projectId === projectId
    )
    for (const session of live) stop.stopLater(session.id, reason, by)
    return live.map((s) => s.id)
  }

  return { reap, endLapsed, endProjectSessions }
}
