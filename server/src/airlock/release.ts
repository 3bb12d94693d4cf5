import { createHash } from 'node:crypto'
import { bytesAsTar } from '../archive/safe-tar.js'
import { Errors } from '../errors.js'
import { WORK_DIR } from '../sessions/workspace.js'
import type { AirlockFileRow, AirlockRequestDetail, UserRow } from '../store/types.js'
import type { AirlockCore, Context } from './core.js'
import { enforce } from './gate.js'
import { userCanDownload, userCanDownloadPackage } from './permissions.js'
import { buildPackage } from './package.js'
import { planRelease } from './plans.js'
import { QuarantineCorrupt } from './quarantine.js'
import type { QuarantineRoom } from './quarantine-room.js'
import { airlockMove } from '../audit/actions.js'
import { type Attempt, recordingRefusals } from '../audit/refusals.js'
import type { Independence } from './independence.js'
import { approvingVotes, type Counting, countingOnly, inRound } from './tally.js'

/**
 * What leaves: an approved request is released once every approved file has the policy's number of
 * approvals from reviewers still independent of it, and its stored bytes still match the digest
 * each approval was given on; the requester downloads a released file, or the whole
 * release as one package, and the bytes are read back and checked again every time. An import is
 * released by delivering it into the inbox of the requester's running session of the project.
 */
export function createRelease(core: AirlockCore, quarantine: QuarantineRoom, independence: Independence) {
  const { deps } = core
  const { store } = deps

  /**
   * Whether a file has the policy's number of approvals that count now (as the tally counts them),
   * every one given on the bytes stored under its digest now.
   */
  async function intact(d: AirlockRequestDetail, f: AirlockFileRow, counts: Counting): Promise<boolean> {
    const approvals = approvingVotes(countingOnly(d, counts), f)
    if (approvals.length < core.rulesFor(d).needed || approvals.some((v) => v.sha256 !== f.sha256)) return false
    try {
      await deps.quarantine.read(d.request.projectId, f.sha256)
      return true
    } catch {
      return false
    }
  }

  /** approved -> released, after every approved file is read back and found unchanged. */
  async function release(id: string, actor: string, ctx: Context): Promise<void> {
    const d = await store.airlock.detail(id)
    if (d === null || d.request.state !== 'approved') return
    const action = airlockMove(d.request.direction, 'release')
    const files = inRound(d).files.filter((f) => f.state === 'approved')
    const verified = new Set<string>()
    const counts = await independence.countingNow(d)
    for (const f of files) {
      if (!(await intact(d, f, counts))) {
        await store.appendAudit({
          actor,
          action,
          sourceIp: ctx.sourceIp,
          target: id,
          outcome: 'error',
          details: {
            reason: `${f.name}: its approvals that count do not number the policy's, or the stored bytes do not match the approved digest`
          }
        })
        deps.log.error({ request: id, file: f.id }, 'an approved file lacks its approvals or digest; not released')
        return
      }
      verified.add(f.id)
    }
    let delivered: { sessionId: string } | null = null
    if (d.request.direction === 'import') {
      delivered = await deliverImport(d, files)
      if (delivered === null) return
    }
    await store.airlock.move(id, (x) => planRelease(x, verified, core.moveContext(actor, ctx), delivered))
  }

  /** Copies an approved import into work/inbox of the requester's running session; null when there is none yet. */
  async function deliverImport(
    d: AirlockRequestDetail,
    files: AirlockFileRow[]
  ): Promise<{ sessionId: string } | null> {
    const live = (await store.listSandboxSessions({ userId: d.request.requesterId, states: ['running'] })).find(
      (s) => s.projectId === d.request.projectId && s.sandboxId !== null
    )
    if (live === undefined) return null
    const entries = []
    for (const f of files)
      entries.push({ name: f.name, bytes: await deps.quarantine.read(d.request.projectId, f.sha256) })
    await deps.driver.copyIn(live.sandboxId!, `${WORK_DIR}/inbox`, bytesAsTar(entries))
    return { sessionId: live.id }
  }

  return {
    release,

    /** After a review decided a request: an approved one is released, a rejected one's files freed. */
    async decided(d: AirlockRequestDetail, actor: string, ctx: Context): Promise<void> {
      if (d.request.state === 'approved') await release(d.request.id, actor, ctx)
      if (d.request.state === 'rejected') await quarantine.freeQuarantine(d, actor, ctx)
    },

    /** Releases what was approved but not released (the gateway stopped in between): run at start. */
    async releaseApproved(): Promise<void> {
      for (const r of await store.listAirlockRequests({ states: ['approved'] })) {
        await release(r.id, 'system', { sourceIp: null }).catch((err: unknown) =>
          deps.log.error({ err, request: r.id }, 'releasing an approved request failed')
        )
      }
    },

    /** Delivers the approved imports of a session's researcher and project once it is running. */
    async deliverPending(sessionId: string): Promise<void> {
      const s = await store.getSandboxSession(sessionId)
      if (s === null || s.state !== 'running') return
      const waiting = await store.listAirlockRequests({
        direction: 'import',
        requesterId: s.userId,
        projectId: s.projectId,
        states: ['approved']
      })
      for (const r of waiting) await release(r.id, 'system', { sourceIp: null })
    },

    /** The bytes of a released file, for its requester only, checked against the approved digest. */
    async download(requester: UserRow, id: string, fileId: string, ctx: Context) {
      const d = await store.airlock.detail(id)
      const file = d?.files.find((f) => f.id === fileId)
      const details = { file: fileId, ...(file ? { name: file.name, sha256: file.sha256 } : {}) }
      return recordingRefusals(
        store,
        { actor: requester.id, action: 'export.download', sourceIp: ctx.sourceIp, target: id, details },
        async () => {
          if (d === null || file === undefined) {
            throw Object.assign(new Errors.NotFound('There is no such file.'), { why: 'no such file of the caller' })
          }
          enforce(userCanDownload(d, requester.id, file, core.rulesFor(d)))
          const bytes = await readApproved(d.request.projectId, file)
          await store.appendAudit({
            actor: requester.id,
            action: 'export.download',
            sourceIp: ctx.sourceIp,
            target: id,
            outcome: 'success',
            details
          })
          return { name: file.name, bytes }
        }
      )
    },

    /**
     * The release package: every released file re-read from quarantine and checked against its
     * approved digest, with manifest.json and controls.json; the requester's only, audited.
     */
    async downloadPackage(requester: UserRow, id: string, ctx: Context) {
      const attempt: Attempt = { actor: requester.id, action: 'export.package', sourceIp: ctx.sourceIp, target: id }
      return recordingRefusals(store, attempt, async () => {
        const d = await store.airlock.detail(id)
        if (d === null) {
          throw Object.assign(new Errors.NotFound('There is no such request.'), { why: 'no such request' })
        }
        const rules = core.rulesFor(d)
        enforce(userCanDownloadPackage(d, requester.id, rules))
        const bytes = new Map<string, Buffer>()
        for (const f of inRound(d).files.filter((x) => x.state === 'released'))
          bytes.set(f.id, await readApproved(d.request.projectId, f))
        const names = new Map<string, string>()
        for (const uid of new Set([
          d.request.requesterId,
          ...d.votes.map((v) => v.reviewerId),
          ...d.exceptions.map((e) => e.requestedBy)
        ])) {
          names.set(uid, (await store.getUserById(uid))?.username ?? 'unknown')
        }
        const project = await store.getProject(d.request.projectId)
        const pkg = await buildPackage({
          d,
          project: { id: d.request.projectId, title: project?.title ?? '' },
          rules,
          names,
          bytes
        })
        await store.appendAudit({
          ...attempt,
          outcome: 'success',
          details: {
            files: [...bytes.keys()].map((fid) => {
              const f = d.files.find((x) => x.id === fid)!
              return { name: f.name, sha256: f.sha256 }
            }),
            bytes: pkg.bytes.length,
            sha256: createHash('sha256').update(pkg.bytes).digest('hex')
          }
        })
        return pkg
      })
    }
  }

  /** A released file's bytes read back whole; bytes that changed on disk are never handed out. */
  async function readApproved(projectId: string, file: AirlockFileRow): Promise<Buffer> {
    try {
      return await deps.quarantine.read(projectId, file.sha256)
    } catch (err) {
      if (err instanceof QuarantineCorrupt) {
        throw Object.assign(
          new Errors.Conflict('The stored file no longer matches what was approved; it will not be released.'),
          { why: (err as Error).message }
        )
      }
      throw err
    }
  }
}

export type Release = ReturnType<typeof createRelease>
