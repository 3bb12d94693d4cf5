import { randomUUID } from 'node:crypto'
import { Errors, quotaExceeded } from '../errors.js'
import { dayIn } from '../identity/calendar.js'
import type { AirlockFileRow, AirlockRequestDetail, AirlockRequestRow, UserRow } from '../store/types.js'
import type { AirlockCore, Context } from './core.js'
import { excerptOf, hasExcerpt } from './excerpt.js'
import { AWAITING_REVIEW, enforce, no, type Standing, userCanPreview, userCanReadBytes, userCanSee } from './gate.js'
import type { Independence } from './independence.js'
import { planOpen, planSubmitReview, planVote, type VoteInput } from './plans.js'
import { QuarantineCorrupt } from './quarantine.js'
import type { AuditAction } from '../audit/actions.js'
import { type Attempt, recordingRefusals } from '../audit/refusals.js'

const MiB = 1024 * 1024

/**
 * The reviewers' side: a reviewer sees only requests of projects they are assigned to and
 * independent of (not their own, not of a project they are a member of, not of the requester's
 * organization where the policy says so); they vote on each file, and their votes count once they
 * submit their review of the round, for as long as they stay independent of it. Every refusal is
 * audited with its real reason; a request a reviewer may not see is answered as if there were none.
 */
export function createReview(
  core: AirlockCore,
  after: { decided(d: AirlockRequestDetail, actor: string, ctx: Context): Promise<void> },
  independence: Independence
) {
  const { deps } = core
  const { store } = deps
  const { standing } = independence

  /** The request, if the reviewer may see it; the refusal otherwise (recorded by the caller). */
  async function seeing(reviewer: UserRow, id: string): Promise<{ d: AirlockRequestDetail; s: Standing }> {
    const d = await store.airlock.detail(id)
    if (d === null) throw Object.assign(new Errors.NotFound('There is no such request.'), { why: 'no such request' })
    const s = await standing(reviewer, d)
    enforce(userCanSee(s))
    return { d, s }
  }

  const attempt = (reviewer: UserRow, action: AuditAction, id: string, ctx: Context, details?: object): Attempt => ({
    actor: reviewer.id,
    action,
    sourceIp: ctx.sourceIp,
    target: id,
    ...(details ? { details } : {})
  })

  /** The request and file a reviewer previews: the request opened (its review starts) and in review, the file one that may be shown. */
  /**
   * A file's bytes, decrypted and checked against its digest: a file changed on disk (or one that
   * does not decrypt) is refused with the reason kept for the audit, never shown.
   */
  async function stored(d: AirlockRequestDetail, file: AirlockFileRow): Promise<Buffer> {
    try {
      return await deps.quarantine.read(d.request.projectId, file.sha256)
    } catch (err) {
      if (err instanceof QuarantineCorrupt) {
        throw Object.assign(
          new Errors.Conflict('The stored file no longer matches what was submitted; it is not shown.'),
          { why: err.message }
        )
      }
      throw err
    }
  }

  async function previewing(reviewer: UserRow, id: string, fileId: string, ctx: Context) {
    const { s } = await seeing(reviewer, id)
    const d = (await store.airlock.move(id, (x) => planOpen(x, core.moveContext(reviewer.id, ctx))))!
    const file = d.files.find((f) => f.id === fileId)
    if (file === undefined) throw new Errors.NotFound('There is no such file in this request.')
    // a preview is for deciding: once decided, the bytes leave only by release, to the requester
    enforce(userCanPreview(d, s, file, core.rulesFor(d)))
    return { d, file }
  }

  /**
   * Counts `bytes` shown of a file against the reviewer's daily preview volume, audited as
   * `action`; past the volume, refused with the figures and nothing is shown.
   */
  async function counted(
    reviewer: UserRow,
    d: AirlockRequestDetail,
    file: AirlockFileRow,
    bytes: number,
    action: AuditAction,
    ctx: Context,
    details: Record<string, unknown>
  ) {
    const quotaBytes = core.params(d.request.projectId).previewMiBPerReviewerPerDay * MiB
    const day = dayIn(deps.now(), deps.timeZone)
    const { allowed, usedBytes } = await store.airlock.recordPreview(reviewer.id, day, bytes, quotaBytes, {
      actor: reviewer.id,
      action,
      sourceIp: ctx.sourceIp,
      target: d.request.id,
      outcome: 'success',
      details: { file: file.id, name: file.name, sha256: file.sha256, bytes, day, ...details }
    })
    if (!allowed) {
      throw quotaExceeded(
        `${file.name} (${bytes} bytes) is not shown: you have previewed ${usedBytes} of the ${quotaBytes} bytes ` +
          `a reviewer may preview in a day (airlock.previewMiBPerReviewerPerDay). Previews are counted again from ` +
          `midnight (${deps.timeZone}).`,
        { quota: 'previewMiBPerReviewerPerDay', quotaBytes, usedBytes, requestedBytes: bytes }
      )
    }
  }

  /** A reviewer's first look at a submitted request starts its review. */
  async function open(reviewer: UserRow, id: string, ctx: Context) {
    return recordingRefusals(store, attempt(reviewer, 'review.open', id, ctx), async () => {
      const { s } = await seeing(reviewer, id)
      const d = (await store.airlock.move(id, (x) => planOpen(x, core.moveContext(reviewer.id, ctx))))!
      return { d, s }
    })
  }

  return {
    standing,
    open,

    /** Requests awaiting a decision, of the projects the reviewer is assigned to and independent of. */
    async queue(reviewer: UserRow): Promise<AirlockRequestRow[]> {
      const out: AirlockRequestRow[] = []
      for (const projectId of await store.airlock.listReviewerProjectIds(reviewer.id)) {
        for (const r of await store.listAirlockRequests({ projectId, states: AWAITING_REVIEW })) {
          const d = await store.airlock.detail(r.id)
          if (d !== null && userCanSee(await standing(reviewer, d)).ok) out.push(r)
        }
      }
      return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id))
    },

    /**
     * A file's bytes for the reviewer's preview, checked against its digest, only while the request
     * is in review (every round of it, so a resubmission can be compared), never of a file failing
     * a check no exception may cover, nor of an export that may hold individual records (its
     * excerpt is shown instead); counted against the reviewer's daily preview volume
     * (airlock.previewMiBPerReviewerPerDay) and audited.
     */
    async preview(reviewer: UserRow, id: string, fileId: string, ctx: Context) {
      return recordingRefusals(store, attempt(reviewer, 'review.preview', id, ctx, { file: fileId }), async () => {
        const { d, file } = await previewing(reviewer, id, fileId, ctx)
        enforce(userCanReadBytes(d, file))
        const bytes = await stored(d, file)
        await counted(reviewer, d, file, file.size, 'review.preview', ctx, {})
        return { name: file.name, bytes }
      })
    },

    /**
     * What a reviewer reads of a table or text in place of its bytes: its header, its first rows
     * and how many there are (excerpt.ts), under the same rules as a preview; counted against the
     * daily preview volume by its own size, and audited.
     */
    async excerpt(reviewer: UserRow, id: string, fileId: string, ctx: Context) {
      return recordingRefusals(store, attempt(reviewer, 'review.excerpt', id, ctx, { file: fileId }), async () => {
        const { d, file } = await previewing(reviewer, id, fileId, ctx)
        if (!hasExcerpt(file.name)) enforce(no(400, `${file.name} is not a table or text: it has no excerpt.`))
        const excerpt = excerptOf(file.name, await stored(d, file))
        const shown =
          excerpt.format === 'table'
            ? { rows: excerpt.rows.length, totalRows: excerpt.totalRows }
            : { lines: excerpt.lines.length, totalLines: excerpt.totalLines }
        await counted(reviewer, d, file, Buffer.byteLength(JSON.stringify(excerpt)), 'review.excerpt', ctx, shown)
        const bytes = userCanReadBytes(d, file)
        return { name: file.name, ...excerpt, whole: bytes.ok ? null : bytes.why }
      })
    },

    /** A reviewer's vote on one file of the round they looked at: a draft until they submit their review. */
    async vote(reviewer: UserRow, id: string, input: VoteInput, ctx: Context) {
      const details = { file: input.fileId, round: input.round, vote: input.vote }
      return recordingRefusals(store, attempt(reviewer, 'review.vote', id, ctx, details), async () => {
        const { d: now, s } = await seeing(reviewer, id)
        const counts = await independence.countingNow(now)
        const d = (await store.airlock.move(id, (x) =>
          planVote(x, s, core.rulesFor(x), input, core.moveContext(reviewer.id, ctx), randomUUID, counts)
        ))!
        return { d, s }
      })
    },

    /**
     * Submits the reviewer's review of the round they looked at (`seen`: its round and its files'
     * digests; anything else is refused), or settles the files the reviews left conflicted. The
     * last review in decides each file and the request; an approved request is released at once.
     */
    async submitReview(reviewer: UserRow, id: string, seen: { round: number; sha256s: string[] }, ctx: Context) {
      const details = { round: seen.round }
      const out = await recordingRefusals(store, attempt(reviewer, 'review.submit', id, ctx, details), async () => {
        const { d: now, s } = await seeing(reviewer, id)
        // who counts is looked up before the transaction; anyone not among them then counts for nothing
        const counts = await independence.countingNow(now)
        const d = (await store.airlock.move(id, (x) =>
          planSubmitReview(x, s, core.rulesFor(x), seen, core.moveContext(reviewer.id, ctx), randomUUID, counts)
        ))!
        return { d, s }
      })
      await after.decided(out.d, reviewer.id, ctx)
      return { d: (await store.airlock.detail(id))!, s: out.s }
    }
  }
}

export type Review = ReturnType<typeof createReview>
