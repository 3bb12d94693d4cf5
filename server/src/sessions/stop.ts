import { Errors } from '../errors.js'
import type { SandboxPolicy } from '../policy/schema.js'
import type { SandboxSessionRow } from '../store/types.js'
import { type Actor, MiB, type SessionCore } from './core.js'
import { saveWorkspace, workspaceSnapshot } from './workspace.js'

/**
 * Ending a session: by its researcher, the reaper or an administrator's change it goes through
 * `stopping` (the workspace saved while the sandbox still runs) to `stopped`; a sandbox that died
 * or vanished takes its session straight to `failed`. Each step audited.
 */
export function createStop(core: SessionCore) {
  const { store, driver, log, now } = core.deps

  /** Ends a session: saves the workspace, removes the sandbox. Idempotent for sessions already ending or ended. */
  async function stop(id: string, reason: string, by: Actor): Promise<SandboxSessionRow> {
    // tracked whoever asks (a researcher, the reaper, the monitor), so a shutdown waits for it
    return core.track(
      core.locked(id, async () => {
        const session = await store.getSandboxSession(id)
        if (session === null) throw new Errors.NotFound('There is no such session.')
        if (session.state === 'stopped' || session.state === 'failed') return session
        if (session.state !== 'stopping') {
          await core.transition(
            session,
            'stopping',
            { reason },
            {
              actor: by.actor,
              action: 'session.stop',
              sourceIp: by.sourceIp,
              target: id,
              outcome: 'success',
              details: { reason, from: session.state }
            }
          )
        }
        await finishStop({ ...session, state: 'stopping', reason })
        return (await store.getSandboxSession(id))!
      })
    )
  }

  /** The rest of a stop, for a session already `stopping`; the caller holds its lock. */
  async function finishStop(session: SandboxSessionRow): Promise<void> {
    if (session.sandboxId !== null) {
      const state = await driver.poll(session.sandboxId)
      if (state === null) {
        const limit = ((session.limits as Partial<SandboxPolicy>).workAreaMiB ?? 512) * MiB
        try {
          const saved = await saveWorkspace(
            driver,
            session.sandboxId,
            workspaceSnapshot(core.deps.dataDir, session.projectId, session.userId),
            limit,
            { keyring: core.deps.keyring, projectId: session.projectId, userId: session.userId }
          )
          await store.appendAudit(
            core.system('workspace.save', session.id, 'success', {
              files: saved.entries.filter((e) => e.type === 'file').length,
              bytes: saved.totalBytes,
              dropped: saved.droppedCount,
              droppedExamples: saved.dropped.slice(0, 20)
            })
          )
        } catch (err) {
          log.error({ err, session: session.id }, 'saving the workspace failed')
          await store.appendAudit(
            core.system('workspace.save', session.id, 'error', { reason: (err as Error).message })
          )
        }
      }
      await driver.stop(session.sandboxId)
    }
    core.lastActivity.delete(session.id)
    await core.transition(
      session,
      'stopped',
      { endedAt: now().toISOString() },
      core.system('session.stopped', session.id, 'success', { reason: session.reason })
    )
  }

  /** Takes a session whose sandbox can't go on (died, vanished, never started) to `failed`, removing what is left of the sandbox. */
  async function fail(session: SandboxSessionRow, reason: string): Promise<void> {
    await core.locked(session.id, async () => {
      if (session.sandboxId !== null) await driver.stop(session.sandboxId)
      core.lastActivity.delete(session.id)
      await core.transition(
        session,
        'failed',
        { reason, endedAt: now().toISOString() },
        core.system('session.failed', session.id, 'error', { reason })
      )
    })
  }

  /** Stops a session in the background (tracked, so a shutdown waits for it), logging a failure. */
  function stopLater(id: string, reason: string, by: Actor): void {
    void core
      .track(stop(id, reason, by))
      .catch((err: unknown) => log.error({ err, session: id }, 'ending a session failed'))
  }

  return { stop, finishStop, fail, stopLater }
}

export type Stop = ReturnType<typeof createStop>
