import type { AirlockFileState, ReviewRow, ReviewVoteRow } from '../store/airlock.js'
import type { AirlockFileRow, AirlockRequestDetail, AirlockState, ReviewDecision } from '../store/types.js'
import { independent, type Standing, UNRELEASED } from './gate.js'

/**
 * Counting the votes of a round: pure functions over a request as the store holds it, used by the
 * gate inside the transaction that submits a review, by the release, and by the views.
 */

/** The reviewers whose votes count on a request now: independent of it and assigned to its project. */
export type Counting = ReadonlySet<string>

/** Who counts, from where each reviewer stands now: the gate's one test of independence. */
export const counting = (standings: readonly Standing[]): Counting =>
  new Set(standings.filter((s) => independent(s).ok).map((s) => s.userId))

/**
 * The request as the count sees it. In its open round (not yet released), a reviewer who does not
 * count now (made a member of the project, moved to the requester's organization, unassigned,
 * suspended after voting) decides nothing more for release: their approvals and drafts are left
 * out and their review is set aside, as independence.ts `planVoid` then writes it. Their submitted
 * returns and rejections stand: a veto is always safe. Rounds decided, and requests released,
 * returned or rejected, are left as they were decided.
 */
export function countingOnly(d: AirlockRequestDetail, counts: Counting): AirlockRequestDetail {
  if (!UNRELEASED.includes(d.request.state)) return d
  const out = (x: { round: number; reviewerId: string }) => x.round === d.request.round && !counts.has(x.reviewerId)
  const reviews = d.reviews.map((r) => (out(r) && r.voided !== true ? { ...r, voided: true } : r))
  const reviewed = (id: string) => reviews.some((r) => r.round === d.request.round && r.reviewerId === id)
  const votes = d.votes.filter((v) => !out(v) || (v.vote !== 'approve' && reviewed(v.reviewerId)))
  return { ...d, votes, reviews }
}

/** Whether a review counts toward the policy's number: not one set aside. */
export const counts = (r: ReviewRow): boolean => r.voided !== true

/** The current round's files, reviews and votes. */
export function inRound(d: AirlockRequestDetail, round = d.request.round) {
  return {
    files: d.files.filter((f) => f.round === round),
    reviews: d.reviews.filter((r) => r.round === round),
    votes: d.votes.filter((v) => v.round === round)
  }
}

/** The round's submitted reviews that vote on every file (not settlements), bar those set aside. */
export const regularReviews = (d: AirlockRequestDetail, round = d.request.round): ReviewRow[] =>
  d.reviews.filter((r) => r.round === round && r.kind === 'review' && counts(r))

/** Every vote on a file, drafts included. */
export const fileVotes = (d: AirlockRequestDetail, f: AirlockFileRow): ReviewVoteRow[] =>
  d.votes.filter((v) => v.fileId === f.id)

/** Whether a reviewer's votes of a round are final: they submitted their review of it (set aside or not). */
export const submitted = (d: AirlockRequestDetail, round: number, reviewerId: string): boolean =>
  d.reviews.some((r) => r.round === round && r.reviewerId === reviewerId)

/** The votes that count for a file: those of reviewers who submitted their review of its round. */
export const countedVotes = (d: AirlockRequestDetail, f: AirlockFileRow): ReviewVoteRow[] =>
  fileVotes(d, f).filter((v) => submitted(d, f.round, v.reviewerId))

/** Counted approvals of a file, settlement included. */
export const approvingVotes = (d: AirlockRequestDetail, f: AirlockFileRow): ReviewVoteRow[] =>
  countedVotes(d, f).filter((v) => v.vote === 'approve')

/** Files of the current round the reviews disagree on, waiting for a further reviewer. */
export const settling = (d: AirlockRequestDetail): AirlockFileRow[] =>
  inRound(d).files.filter((f) => f.state === 'conflicted')

/** What the regular reviews' votes on one file decide: their common vote, or a conflict. */
export function fileOutcome(votes: readonly ReviewDecision[]): AirlockFileState {
  const first = votes[0]
  if (first === undefined) return 'pending'
  if (votes.some((v) => v !== first)) return 'conflicted'
  return first === 'approve' ? 'approved' : first === 'return' ? 'returned' : 'rejected'
}

/**
 * What a round's decided files make of the request; null while a file is pending or conflicted.
 * Every file approved: approved. Otherwise, with partial release, any approved file is released on
 * its own; else a returned file sends the request back for a new round, and only rejections reject it.
 */
export function requestOutcome(states: readonly AirlockFileState[], partialRelease: boolean): AirlockState | null {
  if (states.length === 0 || states.some((s) => s === 'pending' || s === 'conflicted')) return null
  if (states.every((s) => s === 'approved')) return 'approved'
  if (partialRelease && states.includes('approved')) return 'approved'
  if (states.includes('returned')) return 'returned'
  return 'rejected'
}
