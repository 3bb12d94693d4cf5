import type { Acknowledgement, ReviewVoteRow } from '../store/airlock.js'
import type { AirlockFileRow, AirlockRequestDetail } from '../store/types.js'
import { type ReviewRules, type Standing, shown, userCanPreview, userCanReadBytes } from './gate.js'
import {
  acknowledgementsNeeded,
  exceptionFits,
  userCanApprove,
  userCanAskException,
  userCanDownload,
  userCanDownloadPackage,
  userCanResubmit,
  userCanSubmitReview,
  userCanVote,
  userCanWithdraw
} from './permissions.js'
import { inRound, regularReviews, submitted } from './tally.js'

/**
 * What a reader of a request may see of its votes, and what they may do with it now and why not:
 * the same gate the actions go through, asked without acting, so a screen can show a disabled
 * button with its reason.
 */

export type ViewReader =
  { kind: 'requester'; userId: string } | { kind: 'reviewer'; userId: string; standing: Standing }

/** A round is decided once the reviews in moved the request on from it. */
const decided = (d: AirlockRequestDetail, round: number) =>
  round < d.request.round || ['approved', 'released', 'returned', 'rejected'].includes(d.request.state)

/**
 * Whether others' submitted votes of a round are open to the reader: to a reviewer once their own
 * review of it is in, or once the policy's number of reviews is (a settling reviewer reads the
 * disagreement), or the round is decided; to the requester once it is decided.
 */
export function votesOpen(d: AirlockRequestDetail, round: number, reader: ViewReader, rules: ReviewRules): boolean {
  if (decided(d, round)) return true
  if (reader.kind === 'requester') return false
  return submitted(d, round, reader.userId) || regularReviews(d, round).length >= rules.needed
}

/** The votes on a file the reader may read, each with whether it is final. */
export function visibleVotes(
  d: AirlockRequestDetail,
  f: AirlockFileRow,
  reader: ViewReader,
  rules: ReviewRules
): { vote: ReviewVoteRow; submitted: boolean }[] {
  const open = votesOpen(d, f.round, reader, rules)
  return d.votes
    .filter((v) => v.fileId === f.id)
    .map((v) => ({ vote: v, submitted: submitted(d, f.round, v.reviewerId) }))
    .filter(({ vote, submitted: final }) =>
      reader.kind === 'reviewer' && vote.reviewerId === reader.userId ? true : final && open
    )
}

/**
 * What of a vote its reader reads. A reviewer chooses who reads their comment: the requester too
 * (`researcher`), or other reviewers only. Their acknowledgements' comments go with that choice: a
 * reviewer who keeps their reasoning among reviewers keeps all of it there. The requester still
 * reads which checks were acknowledged.
 */
export function voteForReader(
  v: ReviewVoteRow,
  reader: ViewReader['kind']
): { comment: string | null; acknowledgements: Acknowledgement[] } {
  const open = reader === 'reviewer' || v.commentVisibility === 'researcher'
  return {
    comment: open ? v.comment : null,
    acknowledgements: v.acknowledgements.map((a) => ({ rule: a.rule, kind: a.kind, comment: open ? a.comment : null }))
  }
}

/** The rules the requester may ask an exception for on a file now. */
export function exceptable(d: AirlockRequestDetail, userId: string, f: AirlockFileRow, rules: ReviewRules): string[] {
  if (!userCanAskException(d, userId, f, null, rules).ok) return []
  return [
    ...new Set(
      acknowledgementsNeeded(f)
        .filter((a) => a.kind === 'exception')
        .map((a) => a.rule)
    )
  ].filter(
    (rule) =>
      exceptionFits(
        f,
        rule,
        rules,
        d.exceptions.some((e) => e.fileId === f.id && e.rule === rule)
      ).ok
  )
}

export function fileCan(d: AirlockRequestDetail, f: AirlockFileRow, reader: ViewReader, rules: ReviewRules) {
  if (reader.kind === 'requester') {
    const ask = userCanAskException(d, reader.userId, f, null, rules)
    const open = exceptable(d, reader.userId, f, rules)
    return {
      askException: shown(
        ask.ok && open.length === 0
          ? { ok: false, status: 409, why: `No check of ${f.name} failed that the policy lets you except.` }
          : ask
      ),
      // approve: whether reviewers could approve the file as it stands (a failing check without its exception)
      ...(d.request.direction === 'export'
        ? {
            approve: shown(userCanApprove(d, f, rules, null)),
            download: shown(userCanDownload(d, reader.userId, f, rules))
          }
        : {})
    }
  }
  const s = reader.standing
  return {
    preview: shown(userCanPreview(d, s, f, rules)),
    readBytes: shown(userCanReadBytes(d, f)),
    vote: shown(userCanVote(d, s, f, rules)),
    approve: shown(userCanApprove(d, f, rules, null))
  }
}

export function requestCan(d: AirlockRequestDetail, reader: ViewReader, rules: ReviewRules) {
  if (reader.kind === 'requester') {
    return {
      withdraw: shown(userCanWithdraw(d, reader.userId)),
      resubmit: shown(userCanResubmit(d, reader.userId)),
      ...(d.request.direction === 'export'
        ? { downloadPackage: shown(userCanDownloadPackage(d, reader.userId, rules)) }
        : {})
    }
  }
  const s = reader.standing
  const files = inRound(d).files
  const votable = files.map((f) => userCanVote(d, s, f, rules))
  return {
    vote: shown(
      votable.find((v) => v.ok) ?? votable[0] ?? { ok: false, status: 409, why: 'There is nothing to vote on.' }
    ),
    submitReview: shown(userCanSubmitReview(d, s, rules))
  }
}

/** What submitting would be for a reviewer now: one of the round's reviews, a settlement, or nothing. */
export function reviewKind(
  d: AirlockRequestDetail,
  reader: ViewReader,
  rules: ReviewRules
): 'review' | 'settle' | null {
  if (reader.kind !== 'reviewer' || d.request.state !== 'in_review') return null
  if (submitted(d, d.request.round, reader.userId)) return null
  if (regularReviews(d).length < rules.needed) return 'review'
  return inRound(d).files.some((f) => f.state === 'conflicted') ? 'settle' : null
}
