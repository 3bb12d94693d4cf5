import type { AuditEvent } from '../../audit/record.js'
import type {
  AirlockExceptionRow,
  AirlockFileRow,
  AirlockMove,
  AirlockRequestDetail,
  AirlockRequestRow,
  AirlockStore,
  ProjectReviewerRow
} from '../airlock.js'
import { toAirlockFile, toAirlockRequest, toException, toReview, toVote } from './airlock-rows.js'
import type { SqliteCore } from './core.js'
import { type Row, str } from './row.js'

/** A planned request move whose request changed under it: never expected inside the transaction. */
class MoveLost extends Error {
  override name = 'MoveLost'
}

/** The airlock's review aggregate on SQLite; every write goes through `audited`, in one transaction. */
export class SqliteAirlockStore implements AirlockStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  /** Read inside or outside a transaction: better-sqlite3 is synchronous. */
  detailNow(id: string): AirlockRequestDetail | null {
    const r = this.q('SELECT * FROM airlock_requests WHERE id = ?').get(id) as Row | undefined
    if (r === undefined) return null
    const all = (sql: string) => this.q(sql).all(id) as Row[]
    return {
      request: toAirlockRequest(r),
      files: all('SELECT * FROM airlock_files WHERE request_id = ? ORDER BY round, name').map(toAirlockFile),
      votes: all('SELECT * FROM airlock_votes WHERE request_id = ? ORDER BY round, created_at, id').map(toVote),
      reviews: all('SELECT * FROM airlock_reviews WHERE request_id = ? ORDER BY round, submitted_at, id').map(toReview),
      exceptions: all('SELECT * FROM airlock_exceptions WHERE request_id = ? ORDER BY requested_at, rule').map(
        toException
      )
    }
  }

  async detail(id: string): Promise<AirlockRequestDetail | null> {
    return this.detailNow(id)
  }

  private insertFiles(files: AirlockFileRow[]): void {
    const insert = this.q(
      `INSERT INTO airlock_files (id, request_id, round, path, name, sha256, size, justification, outcome, checks,
         provenance, listing, state, policy)
       VALUES (@id, @requestId, @round, @path, @name, @sha256, @size, @justification, @outcome, @checks,
         @provenance, @listing, @state, @policy)`
    )
    for (const f of files) {
      insert.run({
        ...f,
        checks: JSON.stringify(f.checks),
        provenance: f.provenance === null ? null : JSON.stringify(f.provenance),
        listing: f.listing === null ? null : JSON.stringify(f.listing),
        policy: f.policy === null ? null : JSON.stringify(f.policy)
      })
    }
  }

  private insertExceptions(rows: AirlockExceptionRow[]): void {
    const insert = this.q(
      `INSERT INTO airlock_exceptions (id, request_id, file_id, rule, reason, requested_by, requested_at)
       VALUES (@id, @requestId, @fileId, @rule, @reason, @requestedBy, @requestedAt)`
    )
    for (const e of rows) insert.run(e)
  }

  async create(
    request: AirlockRequestRow,
    files: AirlockFileRow[],
    exceptions: AirlockExceptionRow[],
    audit: AuditEvent[]
  ): Promise<void> {
    this.core.audited(audit, () => {
      this.q(
        `INSERT INTO airlock_requests (id, direction, project_id, requester_id, requester_organization_id, session_id,
           state, round, created_at, updated_at, released_at)
         VALUES (@id, @direction, @projectId, @requesterId, @requesterOrganizationId, @sessionId, @state, @round,
           @createdAt, @updatedAt, @releasedAt)`
      ).run(request)
      this.insertFiles(files)
      this.insertExceptions(exceptions)
    })
  }

  async move(id: string, plan: (d: AirlockRequestDetail) => AirlockMove | null): Promise<AirlockRequestDetail | null> {
    // the plan is made and applied in one IMMEDIATE transaction: the audit events are only known once
    // planned, so the transaction is opened here and `audited` appends them inside it
    let found = true
    this.core.db
      .transaction(() => {
        const before = this.detailNow(id)
        if (before === null) {
          found = false
          return
        }
        const m = plan(before)
        if (m === null) return
        if (m.audit.length === 0) throw new Error('an airlock move must record what it does')
        this.core.audited(m.audit, () => this.apply(before, m))
      })
      .immediate()
    return found ? this.detailNow(id) : null
  }

  private apply(before: AirlockRequestDetail, m: AirlockMove): void {
    const now = m.at
    if (m.newFiles !== undefined) this.insertFiles(m.newFiles)
    if (m.exceptions !== undefined) this.insertExceptions(m.exceptions)
    for (const v of m.votes ?? []) {
      this.q(
        `INSERT INTO airlock_votes (id, request_id, round, file_id, reviewer_id, vote, sha256, comment,
           comment_visibility, acknowledgements, created_at, updated_at)
         VALUES (@id, @requestId, @round, @fileId, @reviewerId, @vote, @sha256, @comment, @commentVisibility,
           @acknowledgements, @createdAt, @updatedAt)
         ON CONFLICT (file_id, reviewer_id) DO UPDATE SET vote = excluded.vote, sha256 = excluded.sha256,
           comment = excluded.comment, comment_visibility = excluded.comment_visibility,
           acknowledgements = excluded.acknowledgements, updated_at = excluded.updated_at`
      ).run({ ...v, acknowledgements: JSON.stringify(v.acknowledgements) })
    }
    for (const voteId of m.drop?.votes ?? []) {
      const gone = this.q('DELETE FROM airlock_votes WHERE id = ? AND request_id = ?').run(voteId, before.request.id)
      if (gone.changes !== 1) throw new MoveLost(`vote ${voteId} is not where the move was planned from`)
    }
    for (const reviewId of m.drop?.reviews ?? []) {
      const gone = this.q('DELETE FROM airlock_reviews WHERE id = ? AND request_id = ?').run(
        reviewId,
        before.request.id
      )
      if (gone.changes !== 1) throw new MoveLost(`review ${reviewId} is not where the move was planned from`)
    }
    for (const reviewId of m.setAside ?? []) {
      const set = this.q('UPDATE airlock_reviews SET voided = 1 WHERE id = ? AND request_id = ? AND voided = 0').run(
        reviewId,
        before.request.id
      )
      if (set.changes !== 1) throw new MoveLost(`review ${reviewId} is not where the move was planned from`)
    }
    if (m.review !== undefined) {
      this.q(
        `INSERT INTO airlock_reviews (id, request_id, round, reviewer_id, kind, submitted_at)
         VALUES (@id, @requestId, @round, @reviewerId, @kind, @submittedAt)`
      ).run(m.review)
    }
    const states = new Map(before.files.map((f) => [f.id, f.state]))
    for (const f of m.files ?? []) {
      const changed = this.q('UPDATE airlock_files SET state = ? WHERE id = ? AND request_id = ? AND state = ?').run(
        f.to,
        f.fileId,
        before.request.id,
        states.get(f.fileId) ?? null
      )
      if (changed.changes !== 1) throw new MoveLost(`file ${f.fileId} is not where the move was planned from`)
    }
    if (m.request !== undefined) {
      const changed = this.q(
        `UPDATE airlock_requests SET state = @state, updated_at = @at, round = coalesce(@round, round),
           session_id = coalesce(@sessionId, session_id), released_at = coalesce(@releasedAt, released_at)
         WHERE id = @id AND state = @from`
      ).run({
        id: before.request.id,
        from: before.request.state,
        state: m.request.to,
        at: now,
        round: m.request.round ?? null,
        sessionId: m.request.sessionId ?? null,
        releasedAt: m.request.releasedAt ?? null
      })
      if (changed.changes !== 1) throw new MoveLost('the request is not where the move was planned from')
    } else if ((m.files?.length ?? 0) > 0 || m.newFiles !== undefined || (m.exceptions?.length ?? 0) > 0) {
      // a vote or a review alone leaves the request's time as it was: while votes are hidden, a
      // reviewer must not read from it that another is voting or has submitted
      this.q('UPDATE airlock_requests SET updated_at = ? WHERE id = ?').run(now, before.request.id)
    }
  }

  async listProjectReviewers(projectId: string): Promise<ProjectReviewerRow[]> {
    return (
      this.q('SELECT * FROM project_reviewers WHERE project_id = ? ORDER BY assigned_at, user_id').all(
        projectId
      ) as Row[]
    ).map((r) => ({
      projectId: str(r.project_id),
      userId: str(r.user_id),
      assignedBy: str(r.assigned_by),
      assignedAt: str(r.assigned_at)
    }))
  }

  async listReviewerProjectIds(userId: string): Promise<string[]> {
    return (this.q('SELECT project_id FROM project_reviewers WHERE user_id = ?').all(userId) as Row[]).map((r) =>
      str(r.project_id)
    )
  }

  async isAssignedReviewer(projectId: string, userId: string): Promise<boolean> {
    return (
      this.q('SELECT 1 FROM project_reviewers WHERE project_id = ? AND user_id = ?').get(projectId, userId) !==
      undefined
    )
  }

  async setProjectReviewer(
    projectId: string,
    userId: string,
    assigned: boolean,
    assignedBy: string,
    audit: AuditEvent
  ): Promise<boolean> {
    const at = this.core.now().toISOString()
    const isSo = () =>
      this.q('SELECT 1 FROM project_reviewers WHERE project_id = ? AND user_id = ?').get(projectId, userId) !==
      undefined
    let changed = false
    this.core.db
      .transaction(() => {
        if (isSo() === assigned) return
        this.core.audited([audit], () => {
          if (assigned) {
            this.q(
              'INSERT INTO project_reviewers (project_id, user_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)'
            ).run(projectId, userId, assignedBy, at)
          } else {
            this.q('DELETE FROM project_reviewers WHERE project_id = ? AND user_id = ?').run(projectId, userId)
          }
        })
        changed = true
      })
      .immediate()
    return changed
  }

  async recordPreview(
    reviewerId: string,
    day: string,
    bytes: number,
    capBytes: number,
    audit: AuditEvent
  ): Promise<{ allowed: boolean; usedBytes: number }> {
    let out = { allowed: false, usedBytes: 0 }
    this.core.db
      .transaction(() => {
        const used = Number(
          (
            this.q('SELECT bytes FROM airlock_preview_usage WHERE reviewer_id = ? AND day = ?').get(reviewerId, day) as
              Row | undefined
          )?.bytes ?? 0
        )
        out = { allowed: used + bytes <= capBytes, usedBytes: used }
        if (!out.allowed) return
        this.core.audited([audit], () =>
          this.q(
            `INSERT INTO airlock_preview_usage (reviewer_id, day, bytes) VALUES (?, ?, ?)
             ON CONFLICT (reviewer_id, day) DO UPDATE SET bytes = bytes + excluded.bytes`
          ).run(reviewerId, day, bytes)
        )
      })
      .immediate()
    return out
  }
}
