import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import type { RequestContext } from '../auth/auth-service.js'
import { Errors } from '../errors.js'
import { SandboxUnavailable } from '../sandbox/driver.js'
import type { SandboxSessionRow, UserRow } from '../store/types.js'
import type { SessionCore } from './core.js'
import type { Launch } from './launch.js'
import type { Pool } from './pool.js'
import { LIVE_STATES } from './transitions.js'
import { roomRefusal } from './admission.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { encryptedFileKeyId } from '../datasets/at-rest.js'
import { encryptedPlainSize } from '../keys/encrypted-file.js'

/**
 * Starting a session: who may (the researcher's standing in the project, the policy's quota of live
 * sessions, a runtime the host has), recorded as `session.start` either way. The sandbox is launched
 * after the answer, under the session's own lock (launch.ts).
 */
export function createStart(core: SessionCore, launch: Launch, pool?: Pick<Pool, 'starting'>) {
  const { store, driver } = core.deps

  /** Plaintext bytes of the project's datasets that a start would decrypt: those with no copy on the host. */
  async function datasetsNotOnHost(projectId: string): Promise<number> {
    const project = await store.getProject(projectId)
    const versions = (project?.datasets ?? [])
      .map((d) => (d.file === null ? null : join(core.deps.dataDir, d.file)))
      // a file that is missing fails the launch, with its own reason
      .filter((path): path is string => path !== null && existsSync(path))
      .map((path) => ({ keyId: encryptedFileKeyId(path), bytes: encryptedPlainSize(path) }))
    return core.deps.hostCopies.bytesToDecrypt(versions)
  }

  async function startUnlocked(user: UserRow, projectId: string, ctx: RequestContext): Promise<SandboxSessionRow> {
    const audit = (outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({
      actor: user.id,
      action: 'session.start',
      sourceIp: ctx.sourceIp,
      target: projectId,
      outcome,
      details
    })
    const { project, isMember, reasons } = await core.standing(user, projectId)
    // someone else's project answers as one that does not exist, so its title can't be probed by id
    if (project === null || !isMember) {
      await store.appendAudit(audit('denied', project === null ? { reason: 'no such project' } : { reasons }))
      throw new Errors.NotFound('There is no such project.')
    }
    if (reasons.length > 0) {
      await store.appendAudit(audit('denied', { reasons }))
      throw new Errors.NotEligible(`You cannot start a session: ${reasons.join('; ')}.`)
    }
    const p = core.deps.policy(projectId).sandbox
    const live = await store.listSandboxSessions({ userId: user.id, states: LIVE_STATES })
    if (live.length >= p.sessionsPerUser) {
      await store.appendAudit(audit('denied', { reason: 'session quota', live: live.map((s) => s.id) }))
      throw new Errors.Conflict(
        `You already have ${live.length} live session${live.length === 1 ? '' : 's'} (the policy allows ` +
          `${p.sessionsPerUser}); end one first: ${live.map((s) => s.id).join(', ')}.`
      )
    }
    const runtimes = await driver.runtimes().catch((err: unknown) => {
      throw err instanceof SandboxUnavailable ? new Errors.SandboxUnavailable(err.message) : err
    })
    if (!runtimes.includes(p.runtime)) {
      const why = `the policy asks for the ${p.runtime} runtime, which this host does not have`
      await store.appendAudit(audit('error', { reason: why }))
      throw new Errors.SandboxUnavailable(why)
    }
    // The host's room last, just before the start, so the figures are as fresh as they can be; one
    // start at a time across the host, and the starts under way counted, so that several at once
    // can't each see the same free memory.
    const row = await core.locked('host:admission', async () => {
      const full = await roomRefusal(core.deps.admission, async () => ({
        starting: (await store.listSandboxSessions({ states: ['starting'] })).length + (pool?.starting() ?? 0),
        datasetBytes: await datasetsNotOnHost(projectId)
      }))
      if (full !== null) {
        await store.appendAudit(audit('denied', { reason: 'host capacity', detail: full }))
        throw new Errors.SandboxUnavailable(full)
      }
      const row: SandboxSessionRow = {
        id: randomUUID(),
        userId: user.id,
        projectId,
        state: 'starting',
        reason: null,
        sandboxId: null,
        runtime: p.runtime,
        image: p.image,
        limits: p,
        createdAt: core.deps.now().toISOString(),
        startedAt: null,
        endedAt: null
      }
      await store.createSandboxSession(row, {
        ...audit('success', { runtime: p.runtime, image: p.image }),
        target: row.id
      })
      return row
    })
    void core.track(core.locked(row.id, () => launch(row, p)))
    return row
  }

  /** One start at a time per user, so concurrent requests can't each see room under the quota. */
  return function start(user: UserRow, projectId: string, ctx: RequestContext): Promise<SandboxSessionRow> {
    return core.locked(`user:${user.id}`, () => startUnlocked(user, projectId, ctx))
  }
}
