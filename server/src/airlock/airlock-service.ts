import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { bytesAsTar, filterTar, UnsafeArchive } from '../archive/safe-tar.js'
import { Errors, quotaExceeded, quotaFiguresOf } from '../errors.js'
import { DEFAULT_QUOTAS, type Policy } from '../policy/schema.js'
import type { SandboxDriver } from '../sandbox/driver.js'
import { WORK_DIR } from '../sessions/workspace.js'
import type {
  AirlockFileRow,
  AirlockRequestDetail,
  AirlockRequestRow,
  CellExportRow,
  ReviewDecision,
  Store,
  UserRow
} from '../store/types.js'
import { checkImport } from './disclosure/index.js'
import { resolveAirlockParams } from './disclosure/params.js'
import { parseTable } from './disclosure/table.js'
import type { ComparedOutput, RoundJob, RoundReport } from './disclosure/round.js'
import { Quarantine, QuarantineCorrupt } from './quarantine.js'
import { recountIndividuals, unavailable, type RecountResult } from './recount.js'
import { AWAITING_REVIEW, requestStatesBefore } from './transitions.js'
import { listArchive } from './archive-listing.js'

/** Longest justification a researcher may write for one file. */
export const MAX_JUSTIFICATION = 4000
/** Most files in one request. */
export const MAX_FILES = 20
/** How long copying one file out of a sandbox may take. */
const COPY_TIMEOUT_MS = 120_000
/** Approvals that let software or reference files in ("a reviewer approves"); outputs need the policy's number. */
export const IMPORT_REVIEWERS = 1

interface Context {
  sourceIp: string | null
}

export interface SubmitFile {
  /** inside the workspace, under outbox/ */
  path: string
  justification: string
}

/** A file a submission under way has stored for a project, not yet recorded in a request. */
interface Hold {
  sha256: string
  projectId: string
  size: number
}

/** A running session the request's files are copied out of. */
interface SourceSession {
  id: string
  userId: string
  projectId: string
  sandboxId: string
}

/**
 * The export side of the airlock: a researcher's outputs leave the environment only through here.
 *
 * Files are copied out of the running sandbox as a tar stream (caps on entries and size; links,
 * devices and odd names refuse the whole file), stored in quarantine under their SHA-256 and checked
 * against the disclosure rules. Reviewers other than the requester decide; an approval is bound to
 * the digests of the round it was given on, and the policy's number of distinct approvals releases
 * the request. Only the requester downloads, only once released, and the bytes are checked against
 * the approved digest on every download. Every step is audited; a refused one changes nothing.
 */
export function createAirlockService(deps: {
  store: Store
  driver: SandboxDriver
  quarantine: Quarantine
  /** the policy in force for a project */
  policy: (projectId: string) => Policy
  now: () => Date
  log: FastifyBaseLogger
  /** runs a round's disclosure checks off the event loop (a ChecksThread) */
  checks: { run(job: RoundJob): Promise<RoundReport[]> }
}) {
  const { store } = deps
  const params = (projectId: string) => resolveAirlockParams(deps.policy(projectId).airlock)

  /**
   * Digests stored for a submission still being made (copied, not yet recorded): a failed
   * submission forgets what it stored unless another one, finished or still being made, holds the
   * same bytes. Until recorded, they count against their project's quarantine quota from here.
   */
  const inFlight = new Map<string, number>()
  const underWay = new Set<Hold[]>()
  const hold = (holds: Hold[], h: Hold) => {
    holds.push(h)
    inFlight.set(h.sha256, (inFlight.get(h.sha256) ?? 0) + 1)
  }
  async function letGo(holds: Hold[], failed: boolean): Promise<void> {
    underWay.delete(holds)
    for (const { sha256 } of holds) {
      const left = (inFlight.get(sha256) ?? 1) - 1
      if (left > 0) inFlight.set(sha256, left)
      else inFlight.delete(sha256)
    }
    if (!failed) return
    for (const sha256 of new Set(holds.map((h) => h.sha256))) {
      if (!inFlight.has(sha256) && !(await store.isDigestReferenced(sha256))) deps.quarantine.remove(sha256)
    }
  }

  /** Runs a submission that stores files, forgetting them again if it fails. */
  async function storing<T>(fn: (holds: Hold[]) => Promise<T>): Promise<T> {
    const holds: Hold[] = []
    underWay.add(holds)
    let failed = true
    try {
      const out = await fn(holds)
      failed = false
      return out
    } finally {
      await letGo(holds, failed).catch((err: unknown) =>
        deps.log.error({ err }, 'files of a failed submission could not be forgotten')
      )
    }
  }

  /**
   * Room in a project's quarantine quota (quotas.quarantineBytesPerProject), for a submission
   * storing `name`: the project's distinct files there (its requests' but withdrawn and rejected
   * ones', and its submissions' under way) may not pass it. Bytes the project holds already cost
   * nothing more.
   */
  function quarantineRoom(projectId: string, name: string, holds: Hold[]) {
    const refusal = (size: number, usedBytes: number, quotaBytes: number) =>
      quotaExceeded(
        `${name} (${size} bytes) was not stored: the project's files in quarantine hold ${usedBytes} of the ` +
          `${quotaBytes} bytes its policy allows (quotas.quarantineBytesPerProject). Withdrawing a request that ` +
          `is not yet decided frees its files, as does a rejection; released files stay.`,
        { quota: 'quarantineBytesPerProject', quotaBytes, usedBytes, requestedBytes: size }
      )
    /** digest -> size; run with no await between it and the hold that follows */
    const counted = (stored: { sha256: string; size: number }[]) => {
      const all = new Map(stored.map((h) => [h.sha256, h.size]))
      for (const list of underWay) for (const h of list) if (h.projectId === projectId) all.set(h.sha256, h.size)
      let usedBytes = 0
      for (const size of all.values()) usedBytes += size
      return { all, usedBytes, quotaBytes: (deps.policy(projectId).quotas ?? DEFAULT_QUOTAS).quarantineBytesPerProject }
    }
    return {
      /**
       * From a declared size, before anything is read: a file that can't fit is refused at once,
       * unless the project holds one of that size (it may be the same bytes, which cost nothing).
       */
      async precheck(size: number): Promise<void> {
        const { all, usedBytes, quotaBytes } = counted(await store.quarantineHoldings(projectId))
        if (usedBytes + size > quotaBytes && ![...all.values()].includes(size)) {
          throw refusal(size, usedBytes, quotaBytes)
        }
      },
      /** What quarantine.store asks once the file is read, before it gets its address; admitted, it is held at once. */
      async admit(file: { sha256: string; size: number }): Promise<void> {
        const { all, usedBytes, quotaBytes } = counted(await store.quarantineHoldings(projectId))
        // nothing awaits from the count to the hold: two submissions of one project can't both take the last room
        if (!all.has(file.sha256) && usedBytes + file.size > quotaBytes) throw refusal(file.size, usedBytes, quotaBytes)
        hold(holds, { sha256: file.sha256, projectId, size: file.size })
      }
    }
  }

  /**
   * Deletes the files of a withdrawn or rejected request that no other request still needs (any
   * project; withdrawn and rejected ones need none) and no submission under way holds: the project
   * gets the room back. Recorded first; what could not be deleted goes with the sweep at start.
   */
  async function freeQuarantine(d: AirlockRequestDetail, actor: string, ctx: Context): Promise<void> {
    try {
      const sizes = new Map(d.files.map((f) => [f.sha256, f.size]))
      const unneeded: string[] = []
      for (const sha256 of sizes.keys()) {
        if (!inFlight.has(sha256) && !(await store.isDigestReferenced(sha256))) unneeded.push(sha256)
      }
      if (unneeded.length === 0) return
      let bytes = 0
      for (const sha256 of unneeded) bytes += sizes.get(sha256)!
      await store.appendAudit({
        actor,
        action: 'quarantine.remove',
        sourceIp: ctx.sourceIp,
        target: d.request.id,
        outcome: 'success',
        details: { project: d.request.projectId, request: d.request.id, files: unneeded, bytes }
      })
      // a submission of the same bytes may have begun meanwhile: it keeps them
      for (const sha256 of unneeded) if (!inFlight.has(sha256)) deps.quarantine.remove(sha256)
    } catch (err) {
      deps.log.error(
        { err, request: d.request.id },
        'the files of a closed request could not be deleted from quarantine'
      )
    }
  }

  function checkFiles(projectId: string, files: SubmitFile[]): void {
    if (files.length === 0) throw new Errors.BadRequest('Pick at least one file from the outbox.')
    if (files.length > MAX_FILES) throw new Errors.BadRequest(`A request holds at most ${MAX_FILES} files.`)
    const { exportTypes } = params(projectId)
    const names = new Set<string>()
    for (const f of files) {
      if (!/^outbox\/(?:[^/\0]+\/)*[^/\0]+$/.test(f.path) || f.path.split('/').some((p) => p === '..' || p === '.')) {
        throw new Errors.BadRequest(`${f.path} is not a file in the outbox: only outbox/ files can be exported.`)
      }
      const name = f.path.slice(f.path.lastIndexOf('/') + 1)
      const type = extensionOf(name, exportTypes)
      if (type === null) {
        throw new Errors.BadRequest(
          `${name} is not a kind of file that may leave: the policy allows ${exportTypes.map((t) => `.${t}`).join(' ')}.`
        )
      }
      if (names.has(name)) throw new Errors.BadRequest(`Two files are named ${name}; rename one first.`)
      names.add(name)
      if (f.justification.trim() === '') throw new Errors.BadRequest(`Say why ${name} is needed outside.`)
      if (f.justification.length > MAX_JUSTIFICATION) {
        throw new Errors.BadRequest(`The justification for ${name} is longer than ${MAX_JUSTIFICATION} characters.`)
      }
    }
  }

  /** Copies one outbox file into quarantine, refusing anything but one plain file within the size cap. */
  async function copyOut(
    session: SourceSession,
    path: string,
    holds: Hold[]
  ): Promise<{ sha256: string; size: number }> {
    const maxBytes = params(session.projectId).maxExportFileMiB * 1024 * 1024
    const name = path.slice(path.lastIndexOf('/') + 1)
    let stored: { sha256: string; size: number } | null = null
    // the tar reader reports any error of its own as an unreadable archive: a quota refusal is kept aside
    let overQuota: Error | null = null
    const room = quarantineRoom(session.projectId, name, holds)
    const keep = (err: unknown) => {
      overQuota = err as Error
      throw err
    }
    let timer: NodeJS.Timeout | undefined
    try {
      const tar = await deps.driver.copyOut(session.sandboxId, `${WORK_DIR}/${path}`)
      // the researcher can stop the copying tar; a copy that stalls is given up
      timer = setTimeout(
        () => tar.destroy(new Error(`the copy took longer than ${COPY_TIMEOUT_MS / 1000} s`)),
        COPY_TIMEOUT_MS
      )
      const listed = await filterTar(tar, null, {
        limits: { maxEntries: 1, maxEntryBytes: maxBytes, maxTotalBytes: maxBytes },
        unsafeEntries: 'refuse',
        onFile: async (entry, content) => {
          await room.precheck(entry.size).catch(keep)
          stored = await deps.quarantine.store(content, maxBytes, (file) => room.admit(file).catch(keep))
        }
      })
      if (listed.entries[0]?.type !== 'file' || stored === null) {
        throw new UnsafeArchive(`${name} is a folder; pick the files in it`)
      }
      return stored
    } catch (err) {
      if (overQuota !== null) throw overQuota
      if (/No such file|Cannot stat/i.test((err as Error).message)) {
        throw new Errors.NotFound(`There is no ${path} in the workspace.`)
      }
      if (err instanceof UnsafeArchive) throw new Errors.BadRequest(`${name} was refused: ${err.message}.`)
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  /** Copies, stores and checks each file of a round. */
  async function prepareRound(
    requester: UserRow,
    session: SourceSession,
    requestId: string,
    round: number,
    files: SubmitFile[],
    holds: Hold[]
  ): Promise<AirlockFileRow[]> {
    const p = params(session.projectId)
    // every file is copied first, so each is checked against the others of its round too
    const copied: { f: SubmitFile; name: string; sha256: string; size: number; bytes: Buffer }[] = []
    for (const f of files) {
      const { sha256, size } = await copyOut(session, f.path, holds)
      copied.push({
        f,
        name: f.path.slice(f.path.lastIndexOf('/') + 1),
        sha256,
        size,
        bytes: await deps.quarantine.read(sha256)
      })
    }
    const earlier = await comparisons(session.projectId, requestId)
    const made: (CellExportRow | null)[] = []
    const recounts: (RecountResult | null)[] = []
    for (const { name, sha256, bytes } of copied) {
      const found = await store.findCellExport(sha256, requester.id)
      // the query binds only within the project: a cell export of another project is not this file's origin
      const m =
        found !== null && (await store.getSandboxSession(found.sessionId))?.projectId === session.projectId
          ? found
          : null
      made.push(m)
      // a CSV whose exact bytes a SQL cell wrote: count the people behind each row from its query
      let recount: RecountResult | null = null
      if (m !== null && m.language === 'sql' && /\.csv$/i.test(name)) {
        try {
          const table = parseTable(bytes, { format: 'csv' })
          recount = await recountIndividuals(deps.driver, session.sandboxId, m.source, table)
        } catch (err) {
          recount = unavailable((err as Error).message)
        }
      }
      recounts.push(recount)
    }
    let reports: RoundReport[]
    try {
      reports = await deps.checks.run({
        params: p,
        earlier,
        files: copied.map(({ name, sha256, bytes }, i) => {
          const recount = recounts[i]
          return {
            name,
            sha256,
            bytes,
            ...(recount != null && 'individualsPerRow' in recount
              ? { individualsPerRow: recount.individualsPerRow }
              : {})
          }
        })
      })
    } catch (err) {
      deps.log.error({ err, requestId }, 'the disclosure checks failed')
      throw new Errors.ChecksUnavailable((err as Error).message)
    }
    const rows: AirlockFileRow[] = copied.map(({ f, name, sha256, size }, i) => {
      const m = made[i]!
      const recount = recounts[i]!
      return {
        id: randomUUID(),
        requestId,
        round,
        path: f.path,
        name,
        sha256,
        size,
        justification: f.justification.trim(),
        outcome: reports[i]!.outcome,
        checks: reports[i]!.results,
        listing: null,
        provenance:
          m === null
            ? null
            : {
                language: m.language,
                source: m.source,
                rows: m.rows,
                exportedAt: m.createdAt,
                sessionId: m.sessionId,
                recount:
                  recount === null
                    ? null
                    : 'unavailable' in recount
                      ? { unavailable: recount.unavailable }
                      : { person: recount.person, ms: recount.ms, individualsPerRow: recount.individualsPerRow }
              }
      }
    })
    return rows
  }

  /**
   * What a new output is compared with: the project's released outputs, and the files of its other
   * requests still open (submitted, in review or approved), so that two tables differing by a small
   * group can't pass side by side in separate requests.
   */
  async function comparisons(projectId: string, exceptRequest: string): Promise<ComparedOutput[]> {
    const out: ComparedOutput[] = []
    const add = async (f: AirlockFileRow, label: string) => {
      try {
        out.push({ name: `${f.name}${label}`, sha256: f.sha256, bytes: await deps.quarantine.read(f.sha256) })
      } catch (err) {
        // a file that can no longer be read (changed on disk) is never released; it is only left out here
        deps.log.warn({ err, sha256: f.sha256 }, 'an output could not be read for comparison')
      }
    }
    for (const f of await store.listReleasedFiles(projectId)) await add(f, '')
    const open = await store.listAirlockRequests({
      direction: 'export',
      projectId,
      states: ['submitted', 'in_review', 'approved']
    })
    for (const r of open) {
      if (r.id === exceptRequest) continue
      const d = await store.getAirlockRequest(r.id)
      for (const f of d?.files.filter((x) => x.round === r.round) ?? []) await add(f, ' (not yet released)')
    }
    return out
  }

  const mine = async (
    id: string,
    userId: string,
    direction: AirlockRequestRow['direction'] = 'export'
  ): Promise<AirlockRequestDetail> => {
    const d = await store.getAirlockRequest(id)
    if (d === null || d.request.requesterId !== userId || d.request.direction !== direction) {
      throw new Errors.NotFound(`There is no such ${direction} request.`)
    }
    return d
  }

  /** Distinct approvals that release a request: the policy's number for outputs; one for what comes in. */
  const approvalsNeeded = (r: AirlockRequestRow) =>
    r.direction === 'import' ? IMPORT_REVIEWERS : params(r.projectId).reviewers

  /** A request as a reviewer sees it; the first look moves it to in_review. */
  async function openForReview(reviewer: UserRow, id: string, ctx: Context): Promise<AirlockRequestDetail> {
    const d = await store.getAirlockRequest(id)
    if (d === null) throw new Errors.NotFound('There is no such request.')
    if (d.request.requesterId === reviewer.id) {
      await store.appendAudit({
        actor: reviewer.id,
        action: 'review.open',
        sourceIp: ctx.sourceIp,
        target: id,
        outcome: 'denied',
        details: { reason: 'a reviewer of their own request' }
      })
      throw new Errors.Forbidden('Your own requests are reviewed by other reviewers.')
    }
    if (d.request.state === 'submitted') {
      await store.transitionAirlockRequest(
        id,
        ['submitted'],
        { state: 'in_review', at: deps.now().toISOString() },
        { actor: reviewer.id, action: 'review.open', sourceIp: ctx.sourceIp, target: id, outcome: 'success' }
      )
      return (await store.getAirlockRequest(id))!
    }
    return d
  }

  const fileSummary = (files: AirlockFileRow[]) =>
    files.map((f) => ({ name: f.name, sha256: f.sha256, outcome: f.outcome }))

  return {
    async submit(
      requester: UserRow,
      session: SourceSession,
      files: SubmitFile[],
      ctx: Context
    ): Promise<AirlockRequestDetail> {
      checkFiles(session.projectId, files)
      const id = randomUUID()
      await storing(async (holds) => {
        const rows = await prepareRound(requester, session, id, 1, files, holds)
        const at = deps.now().toISOString()
        const request: AirlockRequestRow = {
          id,
          direction: 'export',
          projectId: session.projectId,
          requesterId: requester.id,
          sessionId: session.id,
          state: 'submitted',
          round: 1,
          createdAt: at,
          updatedAt: at,
          releasedAt: null
        }
        await store.createAirlockRequest(request, rows, {
          actor: requester.id,
          action: 'export.submit',
          sourceIp: ctx.sourceIp,
          target: id,
          outcome: 'success',
          details: { project: session.projectId, session: session.id, round: 1, files: fileSummary(rows) }
        })
      })
      return (await store.getAirlockRequest(id))!
    },

    /** A returned request goes back to the reviewers with a new round of files (fixed ones, or the same). */
    async resubmit(requester: UserRow, id: string, session: SourceSession, files: SubmitFile[], ctx: Context) {
      const { request } = await mine(id, requester.id)
      if (request.state !== 'returned') {
        throw new Errors.Conflict(`The request is ${request.state}; only a returned request can be sent again.`)
      }
      if (session.projectId !== request.projectId) {
        throw new Errors.BadRequest('The files must come from a session of the same project.')
      }
      checkFiles(session.projectId, files)
      const round = request.round + 1
      await storing(async (holds) => {
        const rows = await prepareRound(requester, session, id, round, files, holds)
        const ok = await store.transitionAirlockRequest(
          id,
          ['returned'],
          { state: 'submitted', at: deps.now().toISOString(), round, sessionId: session.id },
          {
            actor: requester.id,
            action: 'export.resubmit',
            sourceIp: ctx.sourceIp,
            target: id,
            outcome: 'success',
            details: { session: session.id, round, files: fileSummary(rows) }
          },
          rows
        )
        if (!ok) throw new Errors.Conflict('The request changed meanwhile; reload it.')
      })
      return (await store.getAirlockRequest(id))!
    },

    async withdraw(requester: UserRow, id: string, ctx: Context) {
      const { request } = await mine(id, requester.id)
      const from = requestStatesBefore('withdrawn')
      if (!from.includes(request.state)) {
        throw new Errors.Conflict(`The request is ${request.state} and can no longer be withdrawn.`)
      }
      const ok = await store.transitionAirlockRequest(
        id,
        from,
        { state: 'withdrawn', at: deps.now().toISOString() },
        { actor: requester.id, action: 'export.withdraw', sourceIp: ctx.sourceIp, target: id, outcome: 'success' }
      )
      if (!ok) throw new Errors.Conflict('The request changed meanwhile; reload it.')
      const d = (await store.getAirlockRequest(id))!
      await freeQuarantine(d, requester.id, ctx)
      return d
    },

    listMine: (userId: string) => store.listAirlockRequests({ requesterId: userId, direction: 'export' }),
    get: mine,

    /** Requests awaiting a decision, other people's only: nobody reviews their own. */
    async queue(reviewer: UserRow): Promise<AirlockRequestRow[]> {
      const all = await store.listAirlockRequests({ states: AWAITING_REVIEW })
      return all.filter((r) => r.requesterId !== reviewer.id)
    },

    review: openForReview,
    deliverPending,

    /**
     * At start, before anything is submitted: deletes partial copies a stopped gateway left, and
     * files no request refers to (a submission that failed between storing and recording). The
     * deletion is audited with what went.
     */
    async sweepQuarantine(): Promise<{ files: string[]; partials: number }> {
      const { digests, partials } = deps.quarantine.contents()
      const files: string[] = []
      for (const sha256 of digests) {
        if (!inFlight.has(sha256) && !(await store.isDigestReferenced(sha256))) files.push(sha256)
      }
      // recorded first: a deletion the audit could not record does not happen
      if (files.length > 0 || partials.length > 0) {
        await store.appendAudit({
          actor: 'system',
          action: 'quarantine.sweep',
          sourceIp: null,
          target: null,
          outcome: 'success',
          details: { unreferenced: files, partials: partials.length }
        })
      }
      for (const name of partials) deps.quarantine.removePartial(name)
      for (const sha256 of files) deps.quarantine.remove(sha256)
      return { files, partials: partials.length }
    },

    /**
     * Software, code lists or reference tables brought in: stored in quarantine by digest, checked
     * (type, size, and for an archive every entry: no links, nothing outside, caps on count and
     * unpacked size), then reviewed; once approved it appears in work/inbox of the requester's
     * running or next session of the project.
     */
    async submitImport(
      requester: UserRow,
      upload: { projectId: string; name: string; justification: string; content: Readable },
      ctx: Context
    ): Promise<AirlockRequestDetail> {
      const { name, projectId } = upload
      const p = params(projectId)
      if (!(await store.isProjectMember(projectId, requester.id))) {
        upload.content.resume()
        throw new Errors.NotFound('There is no such project of yours.')
      }
      const problem =
        name.length === 0 ||
        name.length > 255 ||
        /[/\\\0]/.test(name) ||
        name === '.' ||
        name === '..' ||
        /^\./.test(name)
          ? 'a plain file name (no folders, not starting with a dot) is needed'
          : extensionOf(name, p.importTypes) === null
            ? `only ${p.importTypes.map((t) => `.${t}`).join(' ')} may be brought in`
            : upload.justification.trim() === '' || upload.justification.length > MAX_JUSTIFICATION
              ? 'say in a few words (at most 4000 characters) why it is needed'
              : null
      if (problem !== null) {
        upload.content.resume()
        throw new Errors.BadRequest(`${name.slice(0, 100) || 'The file'} cannot be brought in: ${problem}.`)
      }
      const maxBytes = p.maxImportFileMiB * 1024 * 1024
      const id = randomUUID()
      await storing(async (holds) => {
        let stored: { sha256: string; size: number }
        try {
          const room = quarantineRoom(projectId, name, holds)
          stored = await deps.quarantine.store(upload.content, maxBytes, (file) => room.admit(file))
        } catch (err) {
          if (quotaFiguresOf(err) !== null) throw err
          throw new Errors.TooLarge(`${name} cannot be brought in: ${(err as Error).message}.`)
        }
        const bytes = await deps.quarantine.read(stored.sha256)
        let listing: Awaited<ReturnType<typeof listArchive>>
        try {
          listing = await listArchive(name, bytes, { maxEntries: 10_000, maxUnpackedBytes: maxBytes * 4 })
        } catch (err) {
          // the refused bytes are forgotten, unless another request holds the same ones
          throw new Errors.BadRequest(`${name} was refused: ${(err as Error).message}.`)
        }
        const report = checkImport({ name, bytes, params: p })
        const at = deps.now().toISOString()
        const file: AirlockFileRow = {
          id: randomUUID(),
          requestId: id,
          round: 1,
          path: name,
          name,
          sha256: stored.sha256,
          size: stored.size,
          justification: upload.justification.trim(),
          outcome: report.outcome,
          checks: report.results,
          provenance: null,
          listing
        }
        await store.createAirlockRequest(
          {
            id,
            direction: 'import',
            projectId,
            requesterId: requester.id,
            sessionId: null,
            state: 'submitted',
            round: 1,
            createdAt: at,
            updatedAt: at,
            releasedAt: null
          },
          [file],
          {
            actor: requester.id,
            action: 'import.submit',
            sourceIp: ctx.sourceIp,
            target: id,
            outcome: 'success',
            details: { project: projectId, files: fileSummary([file]), entries: listing?.length ?? null }
          }
        )
      })
      return (await store.getAirlockRequest(id))!
    },

    listMyImports: (userId: string) => store.listAirlockRequests({ requesterId: userId, direction: 'import' }),
    getImport: (id: string, userId: string) => mine(id, userId, 'import'),

    /** A quarantined file's bytes for a reviewer's preview, checked against its digest. */
    previewBytes: (sha256: string) => deps.quarantine.read(sha256),

    /**
     * A reviewer's decision on the round they looked at: `seen` names that round and its files'
     * digests, and a decision on anything else (a round sent again meanwhile) is refused.
     * Returning or rejecting needs a comment; the policy's number of distinct approvals releases
     * the request at once, after its stored bytes are checked against the digests approved.
     */
    async decide(
      reviewer: UserRow,
      id: string,
      decision: ReviewDecision,
      comment: string | null,
      seen: { round: number; sha256s: string[] },
      ctx: Context
    ) {
      const d = await openForReview(reviewer, id, ctx)
      const { request } = d
      if (request.state !== 'in_review') {
        throw new Errors.Conflict(`The request is ${request.state}; decisions are taken while it is in review.`)
      }
      const files = d.files.filter((f) => f.round === request.round)
      const current = files.map((f) => f.sha256).sort()
      if (seen.round !== request.round || JSON.stringify([...seen.sha256s].sort()) !== JSON.stringify(current)) {
        throw new Errors.Conflict(
          `The request has changed since you opened it (it is in round ${request.round} now); look at it again before deciding.`
        )
      }
      const text = comment?.trim() ?? ''
      if ((decision === 'return' || decision === 'reject') && text === '') {
        throw new Errors.BadRequest(
          `Say why: a request is ${decision === 'return' ? 'returned' : 'rejected'} with a comment.`
        )
      }
      if (d.decisions.some((x) => x.round === request.round && x.reviewerId === reviewer.id)) {
        throw new Errors.Conflict('You have decided on this round already; another reviewer decides next.')
      }
      const needed = approvalsNeeded(request)
      const at = deps.now().toISOString()
      const state = await store.recordReviewDecision(
        {
          id: randomUUID(),
          requestId: id,
          round: request.round,
          reviewerId: reviewer.id,
          decision,
          comment: text === '' ? null : text,
          files: files.map((f) => ({ fileId: f.id, sha256: f.sha256 })),
          createdAt: at
        },
        { approvalsNeeded: needed },
        {
          actor: reviewer.id,
          action: `review.${decision}`,
          sourceIp: ctx.sourceIp,
          target: id,
          outcome: 'success',
          details: {
            round: request.round,
            comment: text === '' ? null : text,
            files: files.map((f) => ({ name: f.name, sha256: f.sha256 })),
            needed
          }
        }
      )
      if (state === null) throw new Errors.Conflict('The request changed meanwhile; reload it.')
      if (state === 'approved') await release(id, reviewer.id, ctx)
      if (state === 'rejected') await freeQuarantine((await store.getAirlockRequest(id))!, reviewer.id, ctx)
      return (await store.getAirlockRequest(id))!
    },

    /** Releases what was approved but not released (the gateway stopped in between): run at start. */
    async releaseApproved(): Promise<void> {
      for (const r of await store.listAirlockRequests({ states: ['approved'] })) {
        await release(r.id, 'system', { sourceIp: null }).catch((err: unknown) =>
          deps.log.error({ err, request: r.id }, 'releasing an approved request failed')
        )
      }
    },

    /** The bytes of a released file, for its requester only, checked against the approved digest. */
    async download(requester: UserRow, id: string, fileId: string, ctx: Context) {
      const d = await store.getAirlockRequest(id)
      const file = d?.files.find((f) => f.id === fileId)
      const audit = (outcome: 'success' | 'denied', reason?: string) =>
        store.appendAudit({
          actor: requester.id,
          action: 'export.download',
          sourceIp: ctx.sourceIp,
          target: id,
          outcome,
          details: {
            file: fileId,
            ...(file ? { name: file.name, sha256: file.sha256 } : {}),
            ...(reason ? { reason } : {})
          }
        })
      if (
        d === null ||
        file === undefined ||
        d.request.requesterId !== requester.id ||
        d.request.direction !== 'export'
      ) {
        await audit('denied', 'no such file of the caller')
        throw new Errors.NotFound('There is no such file.')
      }
      if (d.request.state !== 'released' || file.round !== d.request.round) {
        await audit('denied', `the request is ${d.request.state}`)
        throw new Errors.Forbidden(
          `The file has not been released (the request is ${d.request.state}): outputs leave only after approval.`
        )
      }
      const approved = approvedDigests(d)
      if (approved.get(file.id) !== file.sha256) {
        await audit('denied', 'not approved with these bytes')
        throw new Errors.Forbidden('These bytes were not the ones approved.')
      }
      let bytes: Buffer
      try {
        bytes = await deps.quarantine.read(file.sha256)
      } catch (err) {
        await audit('denied', (err as Error).message)
        if (err instanceof QuarantineCorrupt) {
          throw new Errors.Conflict('The stored file no longer matches what was approved; it will not be released.')
        }
        throw err
      }
      await audit('success')
      return { name: file.name, bytes }
    }
  }

  /** fileId -> digest, when every approval of the request's round was given on that digest. */
  function approvedDigests(d: AirlockRequestDetail): Map<string, string> {
    const round = d.request.round
    const approvals = d.decisions.filter((x) => x.round === round && x.decision === 'approve')
    const out = new Map<string, string>()
    if (approvals.length < approvalsNeeded(d.request)) return out
    for (const f of d.files.filter((x) => x.round === round)) {
      if (approvals.every((a) => a.files.some((g) => g.fileId === f.id && g.sha256 === f.sha256)))
        out.set(f.id, f.sha256)
    }
    return out
  }

  /**
   * approved -> released, once every file's stored bytes still match the approved digests. An
   * import is released by delivering it into the inbox of its requester's running session of the
   * project; without one it waits, approved, for the next session to start.
   */
  async function release(id: string, actor: string, ctx: Context): Promise<void> {
    const d = (await store.getAirlockRequest(id))!
    const action = `${d.request.direction}.release`
    const files = d.files.filter((f) => f.round === d.request.round)
    const approved = approvedDigests(d)
    for (const f of files) {
      let intact = approved.get(f.id) === f.sha256
      if (intact) {
        try {
          await deps.quarantine.read(f.sha256)
        } catch {
          intact = false
        }
      }
      if (!intact) {
        await store.appendAudit({
          actor,
          action,
          sourceIp: ctx.sourceIp,
          target: id,
          outcome: 'error',
          details: { reason: `${f.name}: the stored bytes do not match the approved digest` }
        })
        deps.log.error({ request: id, file: f.id }, 'an approved file no longer matches its digest; not released')
        return
      }
    }
    let delivered: { sessionId: string } | null = null
    if (d.request.direction === 'import') {
      delivered = await deliverImport(d, files)
      if (delivered === null) return
    }
    const at = deps.now().toISOString()
    await store.transitionAirlockRequest(
      id,
      ['approved'],
      { state: 'released', at, releasedAt: at, ...(delivered ? { sessionId: delivered.sessionId } : {}) },
      {
        actor,
        action,
        sourceIp: ctx.sourceIp,
        target: id,
        outcome: 'success',
        details: {
          files: files.map((f) => ({ name: f.name, sha256: f.sha256 })),
          ...(delivered ? { session: delivered.sessionId, into: 'work/inbox' } : {})
        }
      }
    )
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
    for (const f of files) entries.push({ name: f.name, bytes: await deps.quarantine.read(f.sha256) })
    await deps.driver.copyIn(live.sandboxId!, `${WORK_DIR}/inbox`, bytesAsTar(entries))
    return { sessionId: live.id }
  }

  /** Delivers the approved imports of a session's researcher and project once it is running. */
  async function deliverPending(sessionId: string): Promise<void> {
    const s = await store.getSandboxSession(sessionId)
    if (s === null || s.state !== 'running') return
    const waiting = await store.listAirlockRequests({
      direction: 'import',
      requesterId: s.userId,
      projectId: s.projectId,
      states: ['approved']
    })
    for (const r of waiting) await release(r.id, 'system', { sourceIp: null })
  }
}

/** The allowed extension `name` has (longest first, so `tar.gz` wins over `gz`), or null. */
export function extensionOf(name: string, allowed: readonly string[]): string | null {
  const lower = name.toLowerCase()
  const match = [...allowed].sort((a, b) => b.length - a.length).find((ext) => lower.endsWith(`.${ext}`))
  return match ?? null
}

export type AirlockService = ReturnType<typeof createAirlockService>
