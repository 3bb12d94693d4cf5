import type { AuditEvent } from '../audit/record.js'

/**
 * The airlock aggregate: requests and their files, the cell exports those files came from, and
 * the review of each request (per-file votes, reviews, exceptions, reviewer assignments and
 * preview volumes). Review changes are moves the airlock's gate (airlock/gate.ts) plans on the
 * request as it is inside the store's transaction; the store applies only what the plan says.
 */

export type AirlockState =
  'draft' | 'submitted' | 'in_review' | 'returned' | 'approved' | 'released' | 'rejected' | 'withdrawn'
export type CheckOutcome = 'pass' | 'review' | 'fail'
export type ReviewDecision = 'approve' | 'return' | 'reject'

/**
 * A researcher's request, reviewed in the airlock: to take outputs out of the environment
 * (export), or to bring software and reference files in (import).
 */
export interface AirlockRequestRow {
  id: string
  direction: 'export' | 'import'
  projectId: string
  requesterId: string
  /**
   * the requester's organization when the request was submitted: a reviewer of it stays excluded
   * (where the policy excludes the requester's organization) even if the requester is moved later
   */
  requesterOrganizationId: string | null
  /** export: the session the files were copied out of (the latest round's); import: null */
  sessionId: string | null
  state: AirlockState
  /** 1 at submission, one more at each resubmission after a return */
  round: number
  createdAt: string
  updatedAt: string
  releasedAt: string | null
}

/** One file of one round of an export request, stored in quarantine under its SHA-256. */
export interface AirlockFileRow {
  id: string
  requestId: string
  round: number
  /** where it was in the workspace, e.g. outbox/table1.csv */
  path: string
  name: string
  sha256: string
  size: number
  justification: string
  /** the automated disclosure checks: worst outcome and each rule's result */
  outcome: CheckOutcome
  checks: unknown
  /** the query that made it, when the file came from a notebook cell export */
  provenance: unknown
  /** an imported archive's entries (name, type, size), as checked */
  listing: unknown
  /** where the reviews left it */
  state: AirlockFileState
  /** the policy (name, version) and effective parameters its checks ran under; null before they were kept */
  policy: { name: string; version: number; params: unknown } | null
}

/** A notebook result sent to the outbox: the CSV's digest bound to the query that made it. */
export interface CellExportRow {
  sha256: string
  sessionId: string
  userId: string
  name: string
  language: 'sql' | 'python'
  source: string
  rows: number
  createdAt: string
  /** a model's residual degrees of freedom, when the export helper could tell them (a Python cell's model) */
  residualDf?: number | null
}

export interface AirlockRequestDetail {
  request: AirlockRequestRow
  /** every round's files, oldest round first */
  files: AirlockFileRow[]
  /** every round's votes, drafts included: who may read which is the airlock's business */
  votes: ReviewVoteRow[]
  reviews: ReviewRow[]
  exceptions: AirlockExceptionRow[]
}

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

/** The airlock's requests as read across projects, the cell exports their files came from, and their review. */
export interface AirlockRequestStore {
  recordCellExport(row: CellExportRow, audit: AuditEvent): Promise<void>
  /**
   * The export that wrote a file, if a notebook cell did: the latest by `userId` in a session of
   * `projectId` that wrote outbox/`name`.csv with these bytes.
   */
  findCellExport(file: {
    sha256: string
    userId: string
    name: string
    projectId: string
  }): Promise<CellExportRow | null>
  /** UTF-8 bytes of the sources kept with a session's cell exports: they count against its data-operation quota. */
  cellExportSourceBytes(sessionId: string): Promise<number>
  /** The airlock's requests under review: their votes, reviews, exceptions, reviewers and previews. */
  airlock: AirlockStore
  getAirlockRequest(id: string): Promise<AirlockRequestDetail | null>
  listAirlockRequests(filter: {
    direction?: 'export' | 'import'
    requesterId?: string
    projectId?: string
    states?: AirlockState[]
  }): Promise<AirlockRequestRow[]>
  /**
   * Whether a request that still needs them (any project, any state but withdrawn or rejected) has a
   * file with these bytes: quarantine keeps them while one does.
   */
  isDigestReferenced(sha256: string): Promise<boolean>
  /** The distinct files (by digest) the project's requests hold in quarantine: all but withdrawn and rejected ones'. */
  quarantineHoldings(projectId: string): Promise<{ sha256: string; size: number }[]>
  /** Files of the project's released requests (their released round), for repeat and differencing checks. */
  listReleasedFiles(projectId: string): Promise<AirlockFileRow[]>
}
