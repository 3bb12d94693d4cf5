import type { AuditEvent } from '../audit/record.js'
import type { AirlockFileRow, AirlockRequestDetail, AirlockRequestRow, AirlockState, ReviewDecision } from './types.js'

/**
 * The airlock's review aggregate: per-file votes, reviews, exceptions, reviewer assignments and
 * preview volumes. Its changes are moves the airlock's gate (airlock/gate.ts) plans on the request
 * as it is inside the store's transaction; the store applies only what the plan says.
 */

/** Where one file of one round stands: votes gather while pending; the reviews in decide it. */
export type AirlockFileState = 'pending' | 'approved' | 'returned' | 'rejected' | 'conflicted' | 'released'

/** Who reads a reviewer's comment on a file: the requester too, or other reviewers only. */
export type CommentVisibility = 'researcher' | 'reviewers'

/** A reviewer's explicit acceptance of a check that did not pass: an excepted failure or a `review` outcome. */
export interface Acknowledgement {
  rule: string
  kind: 'exception' | 'review'
  comment: string | null
}

/** One reviewer's vote on one file of a round: a draft until their review of the round is submitted. */
export interface ReviewVoteRow {
  id: string
  requestId: string
  round: number
  fileId: string
  reviewerId: string
  vote: ReviewDecision
  /** the digest of the file the reviewer voted on: an approval is bound to it */
  sha256: string
  comment: string | null
  commentVisibility: CommentVisibility
  acknowledgements: Acknowledgement[]
  createdAt: string
  updatedAt: string
}

/**
 * A reviewer's submitted review of a round: their votes on it are final and count. `settle`: a
 * further reviewer's votes on the files the reviews left conflicted. `voided`: set aside when its
 * reviewer stopped counting (no longer independent of the request, or no longer active): it counts
 * toward no number of reviews, its approvals are gone, its returns and rejections stand, and its
 * reviewer votes no more in the round.
 */
export interface ReviewRow {
  id: string
  requestId: string
  round: number
  reviewerId: string
  kind: 'review' | 'settle'
  submittedAt: string
  voided?: boolean
}

/** The requester's request that a failing check of a file be excepted, with their reason. */
export interface AirlockExceptionRow {
  id: string
  requestId: string
  fileId: string
  rule: string
  reason: string
  requestedBy: string
  requestedAt: string
}

/** A reviewer an administrator assigned to a project's requests. */
export interface ProjectReviewerRow {
  projectId: string
  userId: string
  assignedBy: string
  assignedAt: string
}

/** What one airlock change writes, all in one transaction with its audit records. */
export interface AirlockMove {
  /** when it happens: the request's updatedAt */
  at: string
  /** the request's next state (from the state it is in as planned) and fields that go with it */
  request?: { to: AirlockState; round?: number; sessionId?: string; releasedAt?: string }
  files?: { fileId: string; to: AirlockFileState }[]
  /** a new round's files */
  newFiles?: AirlockFileRow[]
  /** votes to write, replacing the reviewer's draft on the same file */
  votes?: ReviewVoteRow[]
  review?: ReviewRow
  /**
   * Votes and reviews that no longer count, deleted by id (their audit records keep what they said):
   * a settling reviewer's drafts on files they did not settle, the votes of a reviewer no longer
   * independent of an open request
   */
  drop?: { votes: string[]; reviews: string[] }
  /** reviews set aside (by id): they stay, with the returns and rejections in them, counting toward nothing */
  setAside?: string[]
  exceptions?: AirlockExceptionRow[]
  /** what the move records; at least one */
  audit: AuditEvent[]
}

export interface AirlockStore {
  /** A request and every round's files, votes, reviews and exceptions; null when there is none. */
  detail(id: string): Promise<AirlockRequestDetail | null>
  /** Records a new request with its first round of files and the exceptions asked with them. */
  create(
    request: AirlockRequestRow,
    files: AirlockFileRow[],
    exceptions: AirlockExceptionRow[],
    audit: AuditEvent[]
  ): Promise<void>
  /**
   * Reads the request inside one transaction, asks `plan` what to change (null: nothing), and writes
   * that with its audit records. Whatever `plan` throws (a refusal) undoes the transaction and reaches the caller;
   * a request that is gone is null. Concurrent moves are serialized, so what `plan` counts holds.
   */
  move(id: string, plan: (d: AirlockRequestDetail) => AirlockMove | null): Promise<AirlockRequestDetail | null>

  listProjectReviewers(projectId: string): Promise<ProjectReviewerRow[]>
  /** The projects whose requests a reviewer is assigned to. */
  listReviewerProjectIds(userId: string): Promise<string[]>
  isAssignedReviewer(projectId: string, userId: string): Promise<boolean>
  /** Assigns or unassigns; false, with nothing written, when that was so already. */
  setProjectReviewer(
    projectId: string,
    userId: string,
    assigned: boolean,
    assignedBy: string,
    audit: AuditEvent
  ): Promise<boolean>

  /**
   * Adds `bytes` to what a reviewer previewed on `day`, unless that would pass `capBytes`: then
   * nothing is written. `usedBytes` is the day's total before this preview.
   */
  recordPreview(
    reviewerId: string,
    day: string,
    bytes: number,
    capBytes: number,
    audit: AuditEvent
  ): Promise<{ allowed: boolean; usedBytes: number }>
}
