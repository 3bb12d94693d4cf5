import type {
  Acknowledgement,
  AirlockExceptionRow,
  AirlockFileRow,
  AirlockFileState,
  AirlockRequestRow,
  AirlockState,
  CheckOutcome,
  ReviewDecision,
  ReviewRow,
  ReviewVoteRow
} from '../airlock.js'
import { json, type Row, str, strOrNull } from './row.js'

/** The airlock's rows as SQLite holds them, read into the aggregate's types. */

export function toAirlockRequest(r: Row): AirlockRequestRow {
  return {
    id: str(r.id),
    direction: str(r.direction) as AirlockRequestRow['direction'],
    projectId: str(r.project_id),
    requesterId: str(r.requester_id),
    requesterOrganizationId: strOrNull(r.requester_organization_id),
    sessionId: strOrNull(r.session_id),
    state: str(r.state) as AirlockState,
    round: Number(r.round),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    releasedAt: strOrNull(r.released_at)
  }
}

export function toAirlockFile(r: Row): AirlockFileRow {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    round: Number(r.round),
    path: str(r.path),
    name: str(r.name),
    sha256: str(r.sha256),
    size: Number(r.size),
    justification: str(r.justification),
    outcome: str(r.outcome) as CheckOutcome,
    checks: json<unknown>(r.checks),
    provenance: r.provenance === null ? null : json<unknown>(r.provenance),
    listing: r.listing === null ? null : json<unknown>(r.listing),
    state: str(r.state) as AirlockFileState,
    policy: r.policy === null || r.policy === undefined ? null : json<AirlockFileRow['policy']>(r.policy)
  }
}

export function toVote(r: Row): ReviewVoteRow {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    round: Number(r.round),
    fileId: str(r.file_id),
    reviewerId: str(r.reviewer_id),
    vote: str(r.vote) as ReviewDecision,
    sha256: str(r.sha256),
    comment: strOrNull(r.comment),
    commentVisibility: str(r.comment_visibility) as ReviewVoteRow['commentVisibility'],
    acknowledgements: json<Acknowledgement[]>(r.acknowledgements),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at)
  }
}

export function toReview(r: Row): ReviewRow {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    round: Number(r.round),
    reviewerId: str(r.reviewer_id),
    kind: str(r.kind) as ReviewRow['kind'],
    submittedAt: str(r.submitted_at),
    voided: Number(r.voided ?? 0) === 1
  }
}

export function toException(r: Row): AirlockExceptionRow {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    fileId: str(r.file_id),
    rule: str(r.rule),
    reason: str(r.reason),
    requestedBy: str(r.requested_by),
    requestedAt: str(r.requested_at)
  }
}
