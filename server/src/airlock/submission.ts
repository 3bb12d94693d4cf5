import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import { Errors, quotaFiguresOf } from '../errors.js'
import { plainTextProblem } from '../schemas/plain-text.js'
import type { AirlockFileRow, AirlockRequestDetail, AirlockRequestRow, UserRow } from '../store/types.js'
import { listArchive } from './archive-listing.js'
import { type AirlockCore, type Context, MAX_JUSTIFICATION } from './core.js'
import { checkImport } from './disclosure/index.js'
import { exceptionEvents, exceptionsForRound, planResubmit, planWithdraw, submitAction } from './requester-plans.js'
import type { QuarantineRoom } from './quarantine-room.js'
import { airlockMove } from '../audit/actions.js'
import { type Attempt, recordingRefusals } from '../audit/refusals.js'
import { extensionOf, type Rounds, type SourceSession, type SubmitFile } from './rounds.js'

/**
 * What researchers send through the airlock: an export's rounds of outbox files (each with the
 * exceptions asked for it), a returned request sent again, a withdrawal, and imports of software
 * or reference files. Every step is audited; a refused one changes nothing.
 */
export function createSubmission(core: AirlockCore, quarantine: QuarantineRoom, rounds: Rounds) {
  const { deps, params } = core
  const { store } = deps

  const fileSummary = (files: AirlockFileRow[]) =>
    files.map((f) => ({ name: f.name, sha256: f.sha256, outcome: f.outcome }))
  /** The policy a round was checked under and is judged by, as its record names it. */
  const policyOf = (files: AirlockFileRow[]) => {
    const p = files[0]?.policy
    return p ? { name: p.name, version: p.version } : null
  }

  async function submit(
    requester: UserRow,
    session: SourceSession,
    files: SubmitFile[],
    ctx: Context
  ): Promise<AirlockRequestDetail> {
    rounds.checkFiles(session.projectId, files)
    const id = randomUUID()
    await quarantine.storing(async (holds) => {
      const rows = await rounds.prepareRound(requester, session, id, 1, files, holds)
      const mctx = core.moveContext(requester.id, ctx)
      const request: AirlockRequestRow = {
        id,
        direction: 'export',
        projectId: session.projectId,
        requesterId: requester.id,
        requesterOrganizationId: requester.organizationId,
        sessionId: session.id,
        state: 'submitted',
        round: 1,
        createdAt: mctx.at,
        updatedAt: mctx.at,
        releasedAt: null
      }
      // judged, from now to its decision, by the policy its files were checked under
      const rules = core.rulesFor({ request, files: rows, votes: [], reviews: [], exceptions: [] })
      const exceptions = exceptionsForRound(rows, rounds.askedExceptions(files), rules, mctx, randomUUID)
      await store.airlock.create(request, rows, exceptions, [
        {
          actor: requester.id,
          action: submitAction('export'),
          sourceIp: ctx.sourceIp,
          target: id,
          outcome: 'success',
          details: {
            project: session.projectId,
            session: session.id,
            round: 1,
            policy: policyOf(rows),
            files: fileSummary(rows)
          }
        },
        ...exceptionEvents(mctx, 'export', rows, exceptions)
      ])
    })
    return (await store.airlock.detail(id))!
  }

  /** A returned request goes back to the reviewers with a new round of files (fixed ones, or the same). */
  async function resubmit(
    requester: UserRow,
    id: string,
    session: SourceSession,
    files: SubmitFile[],
    ctx: Context
  ): Promise<AirlockRequestDetail> {
    const { request } = await core.mine(id, requester.id)
    if (request.state !== 'returned') {
      throw new Errors.Conflict(`The request is ${request.state}; only a returned request can be sent again.`)
    }
    if (session.projectId !== request.projectId) {
      throw new Errors.BadRequest('The files must come from a session of the same project.')
    }
    rounds.checkFiles(session.projectId, files)
    const round = request.round + 1
    await quarantine.storing(async (holds) => {
      const rows = await rounds.prepareRound(requester, session, id, round, files, holds)
      await store.airlock.move(id, (d) =>
        planResubmit(
          d,
          { files: rows, asked: rounds.askedExceptions(files), sessionId: session.id },
          // the new round is judged by the policy its files were checked under
          core.rulesFor({ ...d, request: { ...d.request, round }, files: rows }),
          core.moveContext(requester.id, ctx),
          randomUUID
        )
      )
    })
    return (await store.airlock.detail(id))!
  }

  /** The requester withdraws an export or an import not yet decided; its files leave quarantine. */
  async function withdraw(
    requester: UserRow,
    id: string,
    ctx: Context,
    direction: AirlockRequestRow['direction'] = 'export'
  ): Promise<AirlockRequestDetail> {
    const attempt: Attempt = {
      actor: requester.id,
      action: airlockMove(direction, 'withdraw'),
      sourceIp: ctx.sourceIp,
      target: id
    }
    const d = await recordingRefusals(store, attempt, async () => {
      await core.mine(id, requester.id, direction)
      return (await store.airlock.move(id, (x) => planWithdraw(x, core.moveContext(requester.id, ctx))))!
    })
    await quarantine.freeQuarantine(d, requester.id, ctx)
    return d
  }

  async function submitImport(
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
    const hidden = plainTextProblem('The file name', name)
    if (hidden !== null) {
      upload.content.resume()
      throw new Errors.BadRequest(`${hidden}.`)
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
    await quarantine.storing(async (holds) => {
      let stored: { sha256: string; size: number }
      try {
        const room = quarantine.quarantineRoom(projectId, name, holds)
        stored = await deps.quarantine.store(projectId, upload.content, maxBytes, (file) => room.admit(file))
      } catch (err) {
        if (quotaFiguresOf(err) !== null) throw err
        throw new Errors.TooLarge(`${name} cannot be brought in: ${(err as Error).message}.`)
      }
      const bytes = await deps.quarantine.read(projectId, stored.sha256)
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
        listing,
        state: 'pending',
        policy: { ...deps.policyVersion(projectId), params: p }
      }
      await store.airlock.create(
        {
          id,
          direction: 'import',
          projectId,
          requesterId: requester.id,
          requesterOrganizationId: requester.organizationId,
          sessionId: null,
          state: 'submitted',
          round: 1,
          createdAt: at,
          updatedAt: at,
          releasedAt: null
        },
        [file],
        [],
        [
          {
            actor: requester.id,
            action: submitAction('import'),
            sourceIp: ctx.sourceIp,
            target: id,
            outcome: 'success',
            details: {
              project: projectId,
              policy: policyOf([file]),
              files: fileSummary([file]),
              entries: listing?.length ?? null
            }
          }
        ]
      )
    })
    return (await store.airlock.detail(id))!
  }

  return {
    submit,
    resubmit,
    withdraw,
    submitImport,
    listMine: (userId: string) => store.listAirlockRequests({ requesterId: userId, direction: 'export' }),
    get: (id: string, userId: string) => core.mine(id, userId),
    listMyImports: (userId: string) => store.listAirlockRequests({ requesterId: userId, direction: 'import' }),
    getImport: (id: string, userId: string) => core.mine(id, userId, 'import')
  }
}
