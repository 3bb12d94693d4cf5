import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AWAITING_REVIEW, type Standing } from '../../../../airlock/gate.js'
import { acknowledgementsNeeded } from '../../../../airlock/permissions.js'
import {
  checkForRequester,
  checkForReviewer,
  provenanceForRequester,
  provenanceForReviewer
} from '../../../../airlock/requester-view.js'
import { counts, countingOnly, inRound } from '../../../../airlock/tally.js'
import {
  exceptable,
  fileCan,
  requestCan,
  reviewKind,
  type ViewReader,
  visibleVotes,
  voteForReader,
  votesOpen
} from '../../../../airlock/visibility.js'
import type { AuditAction } from '../../../../audit/actions.js'
import { withSentenceTold } from '../../../../audit/refusals.js'
import { SUBMISSIONS_PER_MINUTE } from '../../../../airlock/disclosure/params.js'
import type { ExportRequestView } from '../../../../schemas/airlock.js'
import type { ReviewVoteRow } from '../../../../store/airlock.js'
import type { AirlockRequestDetail, ReviewDecision, UserRow } from '../../../../store/types.js'

/**
 * Who reads a request: its reviewers read every check's message; the requester of an export reads
 * fixed sentences in their place (airlock/requester-view.ts), for the messages quote the file and
 * the requester's view is outside any session's display budget. An import's requester reads the
 * messages: everything in them came from the file they uploaded.
 */
export type Reader = 'requester' | 'reviewer'

/**
 * An export (or import) request as its requester or a reviewer sees it: every round's files with
 * their checks, exceptions, state and the votes the reader may read, the reviews in, and what the
 * reader may do now (`can`, each with why not). A reviewer's view needs where they stand (`standing`).
 * Votes and reviews are those that count now (of reviewers still independent of the request).
 */
export async function exportRequestView(
  app: FastifyInstance,
  stored: AirlockRequestDetail,
  reader: Reader,
  standing?: Standing
): Promise<ExportRequestView> {
  const d = countingOnly(stored, await app.airlock.countingNow(stored))
  const names = new Map<string, string>()
  const nameOf = async (id: string) => {
    if (!names.has(id)) names.set(id, await app.airlock.usernameOf(id))
    return names.get(id)!
  }
  const { request } = d
  const quoted = reader === 'reviewer' || request.direction === 'import'
  const rules = app.airlock.rulesFor(d)
  const who: ViewReader =
    reader === 'reviewer'
      ? { kind: 'reviewer', userId: standing!.userId, standing: standing! }
      : { kind: 'requester', userId: request.requesterId }
  const voteView = async ({ vote: v, submitted }: { vote: ReviewVoteRow; submitted: boolean }) => ({
    reviewer: await nameOf(v.reviewerId),
    vote: v.vote,
    ...voteForReader(v, reader),
    commentVisibility: v.commentVisibility,
    submitted,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt
  })
  const files = []
  for (const f of d.files) {
    files.push({
      id: f.id,
      round: f.round,
      path: f.path,
      name: f.name,
      sha256: f.sha256,
      size: f.size,
      justification: f.justification,
      outcome: f.outcome,
      checks: (f.checks as Record<string, unknown>[]).map(quoted ? checkForReviewer : checkForRequester),
      provenance: (quoted ? provenanceForReviewer : provenanceForRequester)(
        (f.provenance as Record<string, unknown> | null) ?? null
      ),
      listing: (f.listing as Record<string, unknown>[] | null) ?? null,
      state: f.state,
      exceptions: await Promise.all(
        d.exceptions
          .filter((e) => e.fileId === f.id)
          .map(async (e) => ({
            rule: e.rule,
            reason: e.reason,
            requestedBy: await nameOf(e.requestedBy),
            requestedAt: e.requestedAt
          }))
      ),
      acknowledgementsNeeded: acknowledgementsNeeded(f),
      votes: await Promise.all(visibleVotes(d, f, who, rules).map(voteView)),
      exceptable: who.kind === 'requester' ? exceptable(d, who.userId, f, rules) : [],
      can: fileCan(d, f, who, rules)
    })
  }
  // a review set aside is shown only for the returns and rejections that stand in it
  const reviews = d.reviews.filter(
    (r) =>
      (votesOpen(d, r.round, who, rules) || r.reviewerId === who.userId) &&
      (counts(r) || d.votes.some((v) => v.round === r.round && v.reviewerId === r.reviewerId))
  )
  return {
    id: request.id,
    direction: request.direction,
    projectId: request.projectId,
    requester: await nameOf(request.requesterId),
    state: request.state,
    round: request.round,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    releasedAt: request.releasedAt,
    approvals: reviews.filter(
      (r) => r.round === request.round && counts(r) && summaryOf(d, r.reviewerId, r.round) === 'approve'
    ).length,
    approvalsNeeded: rules.needed,
    exceptionRules: [...rules.exceptionRules],
    files,
    reviews: await Promise.all(
      reviews.map(async (r) => ({
        round: r.round,
        reviewer: await nameOf(r.reviewerId),
        kind: r.kind,
        submittedAt: r.submittedAt
      }))
    ),
    decisions: await Promise.all(
      reviews.map(async (r) => ({
        round: r.round,
        reviewer: await nameOf(r.reviewerId),
        decision: summaryOf(d, r.reviewerId, r.round),
        comment: commentsOf(d, r.reviewerId, r.round, reader),
        createdAt: r.submittedAt
      }))
    ),
    // whatever others have done: whether anyone voted yet is hidden too
    votesHidden: AWAITING_REVIEW.includes(request.state) && !votesOpen(d, request.round, who, rules),
    reviewKind: reviewKind(d, who, rules),
    can: requestCan(d, who, rules)
  }
}

/** A submitted review's votes summed up: any rejection, else any return, else an approval. */
function summaryOf(d: AirlockRequestDetail, reviewerId: string, round: number): ReviewDecision {
  const votes = d.votes.filter((v) => v.round === round && v.reviewerId === reviewerId).map((v) => v.vote)
  return votes.includes('reject') ? 'reject' : votes.includes('return') ? 'return' : 'approve'
}

/** A review's comments the reader may read, each after its file's name. */
function commentsOf(d: AirlockRequestDetail, reviewerId: string, round: number, reader: Reader): string | null {
  const lines = d.votes
    .filter((v) => v.round === round && v.reviewerId === reviewerId && v.comment !== null)
    .filter((v) => reader === 'reviewer' || v.commentVisibility === 'researcher')
    .map((v) => `${d.files.find((f) => f.id === v.fileId)?.name ?? 'a file'}: ${v.comment}`)
  return lines.length === 0 ? null : lines.join('\n')
}

/** A request as a list shows it; for a reviewer (`reviewer` given), where the round's reviews stand. */
export async function exportRequestSummary(
  app: FastifyInstance,
  r: AirlockRequestDetail['request'],
  reviewer?: UserRow
) {
  const requester = await app.airlock.usernameOf(r.requesterId)
  const summary = {
    id: r.id,
    direction: r.direction,
    projectId: r.projectId,
    requester,
    state: r.state,
    round: r.round,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt
  }
  if (reviewer === undefined) return summary
  const stored = (await app.airlock.detail(r.id))!
  const d = countingOnly(stored, await app.airlock.countingNow(stored))
  const round = inRound(d)
  const rules = app.airlock.rulesFor(d)
  const who: ViewReader = { kind: 'reviewer', userId: reviewer.id, standing: await app.airlock.standing(reviewer, d) }
  return {
    ...summary,
    // as in the request's view: others' reviews are counted only once the reader's own is in
    reviews: round.reviews.filter(
      (x) => x.kind === 'review' && counts(x) && (votesOpen(d, r.round, who, rules) || x.reviewerId === reviewer.id)
    ).length,
    reviewsNeeded: rules.needed,
    conflicted: round.files.filter((f) => f.state === 'conflicted').length,
    myReview: round.reviews.some((x) => x.reviewerId === reviewer.id)
      ? ('submitted' as const)
      : round.votes.some((v) => v.reviewerId === reviewer.id)
        ? ('draft' as const)
        : ('none' as const)
  }
}

/** Headers for a file's bytes: never rendered as a page by the browser, always saved as what it is. */
export function fileHeaders(name: string): Record<string, string> {
  const type = /\.png$/i.test(name)
    ? 'image/png'
    : /\.jpe?g$/i.test(name)
      ? 'image/jpeg'
      : /\.pdf$/i.test(name)
        ? 'application/pdf'
        : 'application/octet-stream'
  return {
    'content-type': type,
    'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'no-store'
  }
}

/**
 * Runs an airlock request's submission; a refusal (bad input, a file refused, a quota reached) is
 * recorded in the audit log with its reason (and a quota's figures) before the error goes back, so
 * attempts are visible too.
 */
export async function auditRefusal<T>(
  app: FastifyInstance,
  request: Pick<FastifyRequest, 'principal' | 'ip'>,
  action: AuditAction,
  details: Record<string, unknown>,
  submit: () => Promise<T>
): Promise<T> {
  const attempt = { actor: request.principal!.user.id, action, sourceIp: request.ip, target: null, details }
  return app.refusals.recording(attempt, submit, withSentenceTold)
}

export { SUBMISSIONS_PER_MINUTE }

/**
 * The route config that holds back a loop of submissions (each copies files out of a sandbox and
 * runs the checks), per signed-in user: after authentication has named them.
 */
export function submissionLimit(app: FastifyInstance) {
  return {
    rateLimit: {
      hook: 'preHandler' as const,
      // the project's policy: named by an import's query, or by the session an export comes from
      max: async (request: FastifyRequest) => {
        const { projectId } = (request.query ?? {}) as { projectId?: string }
        const { sessionId } = (request.body ?? {}) as { sessionId?: string }
        const project =
          typeof projectId === 'string'
            ? projectId
            : typeof sessionId === 'string'
              ? ((await app.sessions.get(sessionId))?.projectId ?? null)
              : null
        const policy = project === null ? app.policy() : app.policyFor(project)
        return policy.airlock.submissionsPerMinute ?? SUBMISSIONS_PER_MINUTE
      },
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => request.principal?.user.id ?? request.ip
    }
  }
}
