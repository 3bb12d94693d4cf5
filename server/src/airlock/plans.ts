import type { AuditAction } from '../audit/actions.js'
import type { AuditEvent } from '../audit/record.js'
import type { Acknowledgement, AirlockMove, CommentVisibility, ReviewRow } from '../store/airlock.js'
import type { AirlockFileRow, AirlockRequestDetail, ReviewDecision } from '../store/types.js'
import { enforce, fileMove, requestMove, type ReviewRules, type Standing } from './gate.js'
import { userCanCast, userCanSubmitReview } from './permissions.js'
import {
  type Counting,
  countedVotes,
  countingOnly,
  fileOutcome,
  inRound,
  regularReviews,
  requestOutcome,
  settling
} from './tally.js'

/**
 * The moves the airlock makes, each planned on the request as it is inside the store's
 * transaction (store.airlock.move): checked by the gate, with the audit record of every state
 * change the table names. A refusal throws and nothing is written.
 */

export interface MoveContext {
  actor: string
  sourceIp: string | null
  at: string
}

export const event = (
  ctx: MoveContext,
  action: AuditAction,
  target: string,
  details: Record<string, unknown>
): AuditEvent => ({
  actor: ctx.actor,
  action,
  sourceIp: ctx.sourceIp,
  target,
  outcome: 'success',
  details
})

/** A reviewer's first look at a submitted request starts its review; later looks change nothing. */
export function planOpen(d: AirlockRequestDetail, ctx: MoveContext): AirlockMove | null {
  if (d.request.state !== 'submitted') return null
  const { action } = requestMove(d, 'in_review', 'reviewer')
  return {
    at: ctx.at,
    request: { to: 'in_review' },
    audit: [event(ctx, action, d.request.id, { round: d.request.round })]
  }
}

export interface VoteInput {
  fileId: string
  round: number
  sha256: string
  vote: ReviewDecision
  comment: string | null
  commentVisibility: CommentVisibility
  acknowledgements: Acknowledgement[]
}

/**
 * A reviewer's vote on one file: their draft until they submit their review of the round. Judged
 * by the votes that count (`counts`: the reviewers independent of the request now).
 */
export function planVote(
  all: AirlockRequestDetail,
  s: Standing,
  rules: ReviewRules,
  input: VoteInput,
  ctx: MoveContext,
  newId: () => string,
  counts: Counting
): AirlockMove {
  const d = countingOnly(all, counts)
  const file = d.files.find((f) => f.id === input.fileId)
  if (file === undefined) enforce({ ok: false, status: 404, why: 'There is no such file in this request.' })
  const f = file!
  if (input.round !== d.request.round || input.sha256 !== f.sha256) {
    enforce({
      ok: false,
      status: 409,
      why: `The request has changed since you opened it (it is in round ${d.request.round} now); look at it again before voting.`
    })
  }
  enforce(userCanCast(d, s, f, rules, input))
  const earlier = d.votes.find((v) => v.fileId === f.id && v.reviewerId === s.userId)
  return {
    at: ctx.at,
    votes: [
      {
        id: earlier?.id ?? newId(),
        requestId: d.request.id,
        round: f.round,
        fileId: f.id,
        reviewerId: s.userId,
        vote: input.vote,
        sha256: f.sha256,
        comment: input.comment,
        commentVisibility: input.commentVisibility,
        acknowledgements: input.acknowledgements,
        createdAt: earlier?.createdAt ?? ctx.at,
        updatedAt: ctx.at
      }
    ],
    audit: [
      event(ctx, 'review.vote', d.request.id, {
        round: f.round,
        file: f.id,
        name: f.name,
        sha256: f.sha256,
        vote: input.vote,
        comment: input.comment,
        commentVisibility: input.commentVisibility,
        acknowledgements: input.acknowledgements,
        replaces: earlier?.vote ?? null
      })
    ]
  }
}

/**
 * A reviewer submits their review of the round (their votes become final), or, once the policy's
 * number of reviews is in, settles the files those disagree on. Counted here, in the transaction,
 * only with the votes of reviewers independent of the request now (`counts`): the last review in
 * decides every file, and the files decided decide the request. A settling reviewer's drafts on
 * files they did not settle are dropped: only what they settled counts.
 */
export function planSubmitReview(
  all: AirlockRequestDetail,
  s: Standing,
  rules: ReviewRules,
  seen: { round: number; sha256s: string[] },
  ctx: MoveContext,
  newId: () => string,
  counts: Counting
): AirlockMove {
  const d = countingOnly(all, counts)
  const round = inRound(d)
  const digests = round.files.map((f) => f.sha256).sort()
  if (seen.round !== d.request.round || JSON.stringify([...seen.sha256s].sort()) !== JSON.stringify(digests)) {
    enforce({
      ok: false,
      status: 409,
      why: `The request has changed since you opened it (it is in round ${d.request.round} now); look at it again before submitting.`
    })
  }
  const verdict = userCanSubmitReview(d, s, rules)
  enforce(verdict)
  const kind = verdict.kind!
  const review: ReviewRow = {
    id: newId(),
    requestId: d.request.id,
    round: d.request.round,
    reviewerId: s.userId,
    kind,
    submittedAt: ctx.at
  }
  const after: AirlockRequestDetail = { ...d, reviews: [...d.reviews, review] }
  const by = kind === 'review' ? 'reviews' : 'settler'
  const decided = new Map<string, AirlockFileRow['state']>()
  if (kind === 'review' && regularReviews(after).length >= rules.needed) {
    for (const f of round.files) {
      if (f.state === 'pending') decided.set(f.id, fileOutcome(countedVotes(after, f).map((v) => v.vote)))
    }
  }
  if (kind === 'settle') {
    for (const f of settling(d)) {
      const mine = d.votes.find((v) => v.fileId === f.id && v.reviewerId === s.userId)!
      decided.set(f.id, fileOutcome([mine.vote]))
    }
  }
  const mine = round.votes.filter((v) => v.reviewerId === s.userId && (kind === 'review' || decided.has(v.fileId)))
  const stale = round.votes.filter((v) => v.reviewerId === s.userId && !mine.includes(v))
  const audit: AuditEvent[] = [
    event(ctx, kind === 'review' ? 'review.submit' : 'review.settle', d.request.id, {
      round: review.round,
      votes: mine.map((v) => ({
        file: v.fileId,
        name: d.files.find((f) => f.id === v.fileId)!.name,
        sha256: v.sha256,
        vote: v.vote,
        acknowledgements: v.acknowledgements.map((a) => a.rule)
      })),
      reviews: regularReviews(after).length,
      needed: rules.needed,
      ...(stale.length > 0 ? { draftsDropped: stale.map((v) => ({ file: v.fileId, vote: v.vote })) } : {})
    })
  ]
  const files: AirlockMove['files'] = []
  for (const [fileId, to] of decided) {
    const f = round.files.find((x) => x.id === fileId)!
    const { action } = fileMove(d, f, to, by)
    files.push({ fileId, to })
    audit.push(event(ctx, action, d.request.id, { round: f.round, file: f.id, name: f.name, sha256: f.sha256, to }))
  }
  const states = round.files.map((f) => decided.get(f.id) ?? f.state)
  const outcome = requestOutcome(states, rules.partialRelease)
  let request: AirlockMove['request']
  if (outcome !== null) {
    const { action } = requestMove(d, outcome, by)
    request = { to: outcome }
    audit.push(
      event(ctx, action, d.request.id, {
        round: review.round,
        files: round.files.map((f, i) => ({ name: f.name, sha256: f.sha256, state: states[i] })),
        partial: outcome === 'approved' && states.some((x) => x !== 'approved')
      })
    )
  }
  return {
    at: ctx.at,
    review,
    files,
    ...(request ? { request } : {}),
    ...(stale.length > 0 ? { drop: { votes: stale.map((v) => v.id), reviews: [] } } : {}),
    audit
  }
}

/**
 * approved -> released, with each approved file of the round, once the gateway has read every one
 * back and found its approved bytes (`verified`: the files it checked).
 */
export function planRelease(
  d: AirlockRequestDetail,
  verified: ReadonlySet<string>,
  ctx: MoveContext,
  delivered: { sessionId: string } | null
): AirlockMove {
  const { action } = requestMove(d, 'released', 'gateway')
  const approved = inRound(d).files.filter((f) => f.state === 'approved')
  if (approved.length === 0 || approved.some((f) => !verified.has(f.id))) {
    enforce({ ok: false, status: 409, why: 'The approved files changed meanwhile; they are checked again first.' })
  }
  const audit: AuditEvent[] = [
    event(ctx, action, d.request.id, {
      files: approved.map((f) => ({ name: f.name, sha256: f.sha256 })),
      withheld: inRound(d)
        .files.filter((f) => f.state !== 'approved')
        .map((f) => ({ name: f.name, state: f.state })),
      ...(delivered ? { session: delivered.sessionId, into: 'work/inbox' } : {})
    })
  ]
  for (const f of approved) {
    audit.push(
      event(ctx, fileMove(d, f, 'released', 'gateway').action, d.request.id, {
        file: f.id,
        name: f.name,
        sha256: f.sha256
      })
    )
  }
  return {
    at: ctx.at,
    request: { to: 'released', releasedAt: ctx.at, ...(delivered ? { sessionId: delivered.sessionId } : {}) },
    files: approved.map((f) => ({ fileId: f.id, to: 'released' as const })),
    audit
  }
}
