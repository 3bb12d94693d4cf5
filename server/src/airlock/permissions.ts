import type { Acknowledgement, ReviewVoteRow } from '../store/airlock.js'
import type { AirlockFileRow, AirlockRequestDetail, ReviewDecision } from '../store/types.js'
import {
  allowed,
  canMoveRequest,
  checksOf,
  NEVER_EXCEPTED,
  no,
  NO_SUCH_REQUEST,
  type ReviewRules,
  type Standing,
  userCanSee,
  type Verdict
} from './gate.js'
import { approvingVotes, counts, fileVotes, inRound, regularReviews, settling } from './tally.js'

/**
 * Who may do what with a request now, and why not (the user_can_* half of the gate): votes,
 * approvals and their acknowledgements, reviews, exceptions, withdrawal, resubmission, downloads.
 */

/**
 * A reviewer whose review was set aside when they stopped counting: their returns and rejections
 * stand, and they have no further say in the round, so that moving them out and back wipes nothing.
 */
const SET_ASIDE = no(
  409,
  'Your review of this round was set aside when you stopped counting as independent of the request: your returns and rejections stand, and you cast no further vote in this round.'
)

/** Whether the reviewer may vote on `file` now: as one of the round's reviewers, or settling a conflict. */
export function userCanVote(d: AirlockRequestDetail, s: Standing, file: AirlockFileRow, rules: ReviewRules): Verdict {
  const see = userCanSee(s)
  if (!see.ok) return see
  const { request } = d
  if (request.state !== 'in_review') {
    return no(409, `The request is ${request.state.replace('_', ' ')}; votes are cast while it is in review.`)
  }
  if (file.round !== request.round) {
    return no(409, `${file.name} belongs to round ${file.round}; the request is in round ${request.round} now.`)
  }
  const mine = inRound(d).reviews.find((r) => r.reviewerId === s.userId)
  if (mine !== undefined && !counts(mine)) return SET_ASIDE
  if (mine !== undefined) return no(409, 'You have submitted your review of this round; your votes are final.')
  if (regularReviews(d).length < rules.needed) {
    if (file.state !== 'pending') return no(409, `${file.name} is ${file.state}; it takes no more votes.`)
    return allowed
  }
  if (file.state !== 'conflicted') {
    return no(
      409,
      `The reviews of this round are in and ${file.name} is ${file.state}: only files the reviewers disagree on take a further vote.`
    )
  }
  return allowed
}

/** The votes an approval of `file` must acknowledge: each excepted failing check, each check that asks for review. */
export function acknowledgementsNeeded(file: AirlockFileRow): { rule: string; kind: Acknowledgement['kind'] }[] {
  const out: { rule: string; kind: Acknowledgement['kind'] }[] = []
  for (const c of checksOf(file)) {
    if (out.some((a) => a.rule === c.rule)) continue
    if (c.outcome === 'fail') out.push({ rule: c.rule, kind: 'exception' })
    else if (c.outcome === 'review') out.push({ rule: c.rule, kind: 'review' })
  }
  return out
}

/**
 * Whether `file` can be approved: no failing check without an exception the policy allows; with
 * `acks` (a vote being cast), each excepted check and each `review` outcome acknowledged, an
 * exception with a comment of the reviewer's own.
 */
export function userCanApprove(
  d: AirlockRequestDetail,
  file: AirlockFileRow,
  rules: ReviewRules,
  acks: readonly Acknowledgement[] | null
): Verdict {
  const needed = acknowledgementsNeeded(file)
  for (const { rule, kind } of needed) {
    if (kind !== 'exception') continue
    if (NEVER_EXCEPTED.includes(rule)) {
      return no(403, `${file.name} fails the ${rule} check, which takes no exception: it cannot be approved.`)
    }
    if (!d.exceptions.some((e) => e.fileId === file.id && e.rule === rule)) {
      return no(403, `${file.name} fails the ${rule} check and no exception was asked for it: it cannot be approved.`)
    }
    if (!rules.exceptionRules.includes(rule)) {
      return no(403, `The policy allows no exception for ${rule} (any more): ${file.name} cannot be approved.`)
    }
  }
  if (acks === null) return allowed
  for (const { rule, kind } of needed) {
    const ack = acks.find((a) => a.rule === rule && a.kind === kind)
    if (kind === 'exception' && (ack === undefined || (ack.comment ?? '').trim() === '')) {
      return no(
        400,
        `Acknowledge the exception asked for the ${rule} check of ${file.name}, with a comment of your own, to approve it.`
      )
    }
    // asked above: an excepted check has its exception, and this acknowledgement a comment
    const reason = d.exceptions.find((e) => e.fileId === file.id && e.rule === rule)?.reason
    if (kind === 'exception' && ack?.comment?.trim() === reason?.trim()) {
      return no(
        400,
        `Acknowledge the exception for the ${rule} check of ${file.name} in your own words, not the researcher's.`
      )
    }
    if (kind === 'review' && ack === undefined) {
      return no(400, `Acknowledge the ${rule} check of ${file.name}, which asks a person to look, to approve it.`)
    }
  }
  const extra = acks.find((a) => !needed.some((n) => n.rule === a.rule && n.kind === a.kind))
  if (extra !== undefined) {
    return no(400, `The ${extra.rule} check of ${file.name} has no ${extra.kind} to acknowledge.`)
  }
  return allowed
}

/** A vote as the reviewer casts it: who may, and whether what they say is enough for that vote. */
export function userCanCast(
  d: AirlockRequestDetail,
  s: Standing,
  file: AirlockFileRow,
  rules: ReviewRules,
  vote: { vote: ReviewDecision; comment: string | null; acknowledgements: readonly Acknowledgement[] }
): Verdict {
  const may = userCanVote(d, s, file, rules)
  if (!may.ok) return may
  if (vote.vote !== 'approve') {
    if ((vote.comment ?? '').trim() === '') {
      return no(400, `Say why: a file is ${vote.vote === 'return' ? 'returned' : 'rejected'} with a comment.`)
    }
    if (vote.acknowledgements.length > 0) return no(400, 'Acknowledgements go with an approval only.')
    return allowed
  }
  const approve = userCanApprove(d, file, rules, vote.acknowledgements)
  if (!approve.ok) return approve
  if (file.state === 'conflicted') {
    // settling may not approve what too few approved: approvals still number the policy's
    const approvals = approvingVotes(d, file).length
    if (approvals === 0 || approvals + 1 < rules.needed) {
      return no(
        403,
        `Too few of the reviews approved ${file.name} for the policy's ${rules.needed} approvals: settle it by returning or rejecting it.`
      )
    }
  }
  return allowed
}

/** Whether the reviewer may submit their review of the round (or settle its conflicts): every vote cast, each still valid. */
export function userCanSubmitReview(
  d: AirlockRequestDetail,
  s: Standing,
  rules: ReviewRules
): Verdict & { kind?: 'review' | 'settle' } {
  const see = userCanSee(s)
  if (!see.ok) return see
  const { request } = d
  if (request.state !== 'in_review') {
    return no(409, `The request is ${request.state.replace('_', ' ')}; reviews are submitted while it is in review.`)
  }
  const round = inRound(d)
  const reviewed = round.reviews.find((r) => r.reviewerId === s.userId)
  if (reviewed !== undefined && !counts(reviewed)) return SET_ASIDE
  if (reviewed !== undefined) return no(409, 'You have submitted your review of this round already.')
  const kind = regularReviews(d).length < rules.needed ? 'review' : 'settle'
  const files = kind === 'review' ? round.files : settling(d)
  if (files.length === 0) {
    return no(409, 'The reviews of this round are in and nothing is left to settle.')
  }
  const mine = (f: AirlockFileRow): ReviewVoteRow | undefined => fileVotes(d, f).find((v) => v.reviewerId === s.userId)
  const missing = files.filter((f) => mine(f) === undefined)
  if (missing.length > 0) {
    return no(400, `Vote on every file first: ${missing.map((f) => f.name).join(', ')} has no vote of yours.`)
  }
  for (const f of files) {
    const v = mine(f)!
    const cast = userCanCast(d, s, f, rules, v)
    if (!cast.ok) return cast
  }
  return { ok: true, kind }
}

/** The requester asks for an exception to a failing check of a file of the round being reviewed. */
export function userCanAskException(
  d: AirlockRequestDetail,
  userId: string,
  file: AirlockFileRow,
  rule: string | null,
  rules: ReviewRules
): Verdict {
  const { request } = d
  if (request.requesterId !== userId || request.direction !== 'export') {
    return no(404, 'the caller is not the requester of this export', 'There is no such export request.')
  }
  if (request.state !== 'submitted' && request.state !== 'in_review') {
    return no(
      409,
      `The request is ${request.state.replace('_', ' ')}: exceptions are asked at submission, with a resubmission, or before the first review.`
    )
  }
  if (file.round !== request.round) return no(409, `${file.name} belongs to an earlier round.`)
  if (inRound(d).reviews.length > 0 || fileVotes(d, file).length > 0) {
    return no(409, `Reviewers have begun deciding on ${file.name}: an exception can no longer be asked for it.`)
  }
  if (rule === null) return allowed
  return exceptionFits(
    file,
    rule,
    rules,
    d.exceptions.some((e) => e.fileId === file.id && e.rule === rule)
  )
}

/**
 * Whether an exception for `rule` fits `file`: the policy allows it, none is asked yet, and the rule
 * failed (null: the checks have not run yet, so only the policy is asked).
 */
export function exceptionFits(file: AirlockFileRow | null, rule: string, rules: ReviewRules, asked: boolean): Verdict {
  if (NEVER_EXCEPTED.includes(rule)) return no(403, `The ${rule} check never takes an exception.`)
  if (!rules.exceptionRules.includes(rule)) {
    return no(
      403,
      `The policy allows no exception for the ${rule} check` +
        (rules.exceptionRules.length > 0 ? ` (only for ${rules.exceptionRules.join(', ')}).` : '.')
    )
  }
  const of = file === null ? '' : ` of ${file.name}`
  if (asked) return no(409, `An exception for the ${rule} check${of} has been asked already.`)
  if (file !== null && !checksOf(file).some((c) => c.rule === rule && c.outcome === 'fail')) {
    return no(400, `The ${rule} check did not fail for ${file.name}: there is nothing to except.`)
  }
  return allowed
}

export function userCanWithdraw(d: AirlockRequestDetail, userId: string): Verdict {
  if (d.request.requesterId !== userId) return no(404, 'the caller is not the requester', NO_SUCH_REQUEST)
  if (!canMoveRequest(d.request.state, 'withdrawn', 'requester')) {
    return no(409, `The request is ${d.request.state.replace('_', ' ')} and can no longer be withdrawn.`)
  }
  return allowed
}

export function userCanResubmit(d: AirlockRequestDetail, userId: string): Verdict {
  if (d.request.requesterId !== userId) return no(404, 'the caller is not the requester', NO_SUCH_REQUEST)
  if (!canMoveRequest(d.request.state, 'submitted', 'requester')) {
    return no(409, `The request is ${d.request.state.replace('_', ' ')}; only a returned request can be sent again.`)
  }
  return allowed
}

/** The requester downloads a released file whose approvals were all given on its bytes. */
export function userCanDownload(
  d: AirlockRequestDetail,
  userId: string,
  file: AirlockFileRow,
  rules: ReviewRules
): Verdict {
  const { request } = d
  if (request.requesterId !== userId || request.direction !== 'export') {
    return no(404, 'no such file of the caller', 'There is no such file.')
  }
  if (request.state !== 'released' || file.round !== request.round || file.state !== 'released') {
    return no(
      403,
      `The file has not been released (the request is ${request.state.replace('_', ' ')}): outputs leave only after approval.`
    )
  }
  const approvals = approvingVotes(d, file)
  if (approvals.length < rules.needed || approvals.some((v) => v.sha256 !== file.sha256)) {
    return no(403, 'These bytes were not the ones approved.')
  }
  return allowed
}

/** The release package: the requester's, once released, holding each released file. */
export function userCanDownloadPackage(d: AirlockRequestDetail, userId: string, rules: ReviewRules): Verdict {
  const released = inRound(d).files.filter((f) => f.state === 'released')
  if (d.request.requesterId !== userId || d.request.direction !== 'export') {
    return no(404, 'no such request of the caller', NO_SUCH_REQUEST)
  }
  if (d.request.state !== 'released' || released.length === 0) {
    return no(403, `The request is ${d.request.state.replace('_', ' ')}: its package exists once it is released.`)
  }
  for (const f of released) {
    const v = userCanDownload(d, userId, f, rules)
    if (!v.ok) return v
  }
  return allowed
}
