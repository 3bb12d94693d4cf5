import type { AuditEvent } from '../../audit/record.js'
import type { EnrolmentRow } from '../enrolments.js'
import type { NewUser, UserChanges, UserRow } from '../identity.js'
import {
  type ApprovalOutcome,
  type ApprovedEffect,
  type PendingChangeRow,
  type PendingChangeStore,
  type PendingKind,
  type PendingState,
  userFingerprint
} from '../pending-changes.js'
import type { NewPolicyVersion, PolicyVersionRow } from '../policies.js'
import type { SqliteCore } from './core.js'
import { toUser } from './identity-store.js'
import { type Row, str, strOrNull } from './row.js'

/** The main store's writes an approval carries out inside its own transaction. */
export interface WritesInTransaction {
  insertUser(id: string, user: NewUser, enrolment?: Omit<EnrolmentRow, 'userId'>): UserRow
  updateUser(userId: string, changes: UserChanges): void
  resetCredentials(userId: string, enrolment: EnrolmentRow): void
  insertPolicyVersion(row: NewPolicyVersion, baseVersion: number): PolicyVersionRow | { conflict: number }
  setProjectPolicy(projectId: string, policyName: string | null): void
}

/** Thrown inside a transaction to undo it, with what happened. */
class Undo extends Error {
  constructor(readonly outcome: Exclude<ApprovalOutcome, { kind: 'approved' }>) {
    super(outcome.kind)
  }
}

function toPending(r: Row): PendingChangeRow {
  return {
    id: str(r.id),
    kind: str(r.kind) as PendingKind,
    subject: str(r.subject),
    target: strOrNull(r.target),
    change: JSON.parse(str(r.change)) as Record<string, unknown>,
    guard: JSON.parse(str(r.guard)) as Record<string, unknown>,
    reason: str(r.reason),
    requestedBy: str(r.requested_by),
    requestedAt: str(r.requested_at),
    state: str(r.state) as PendingState,
    decidedBy: strOrNull(r.decided_by),
    decidedAt: strOrNull(r.decided_at),
    decisionReason: strOrNull(r.decision_reason)
  }
}

/** Pending changes on SQLite; an approval carries out its change in the transaction that records it. */
export class SqlitePendingChangeStore implements PendingChangeStore {
  constructor(
    private readonly core: SqliteCore,
    private readonly writes: WritesInTransaction
  ) {}

  async create(
    row: PendingChangeRow,
    audit: AuditEvent
  ): Promise<{ created: PendingChangeRow } | { conflict: string }> {
    try {
      this.core.audited(audit, () =>
        this.core
          .q(
            `INSERT INTO pending_changes (id, kind, subject, target, change, guard, reason, requested_by, requested_at,
               state, decided_by, decided_at, decision_reason)
             VALUES (@id, @kind, @subject, @target, @change, @guard, @reason, @requestedBy, @requestedAt,
               @state, @decidedBy, @decidedAt, @decisionReason)`
          )
          .run({ ...row, change: JSON.stringify(row.change), guard: JSON.stringify(row.guard) })
      )
      return { created: row }
    } catch (err) {
      const open = this.core
        .q("SELECT id FROM pending_changes WHERE subject = ? AND state = 'pending'")
        .get(row.subject) as Row | undefined
      if (open !== undefined) return { conflict: str(open.id) }
      throw err
    }
  }

  async get(id: string): Promise<PendingChangeRow | null> {
    const r = this.core.q('SELECT * FROM pending_changes WHERE id = ?').get(id) as Row | undefined
    return r ? toPending(r) : null
  }

  async list(filter: { states?: PendingState[]; limit: number }): Promise<PendingChangeRow[]> {
    const states = filter.states ?? []
    const where = states.length > 0 ? `WHERE state IN (${states.map(() => '?').join(', ')})` : ''
    return (
      this.core
        .q(`SELECT * FROM pending_changes ${where} ORDER BY requested_at DESC, id LIMIT ?`)
        .all(...states, filter.limit) as Row[]
    ).map(toPending)
  }

  async close(
    id: string,
    to: { state: 'refused' | 'withdrawn'; by: string; at: string; reason: string | null },
    audit: AuditEvent
  ): Promise<boolean> {
    try {
      this.core.audited(audit, () => this.decide(id, to.state, to.by, to.at, to.reason))
      return true
    } catch (err) {
      if (err instanceof Undo) return false
      throw err
    }
  }

  async approve(
    id: string,
    by: { userId: string; at: string },
    effect: ApprovedEffect,
    audits: readonly [AuditEvent, AuditEvent]
  ): Promise<ApprovalOutcome> {
    try {
      this.core.audited(audits, () => {
        this.decide(id, 'approved', by.userId, by.at, null)
        this.carryOut(effect, by.at)
      })
      return { kind: 'approved', row: (await this.get(id))! }
    } catch (err) {
      if (err instanceof Undo) return err.outcome
      throw err
    }
  }

  private decide(id: string, state: PendingState, by: string, at: string, reason: string | null): void {
    const changed = this.core
      .q(
        `UPDATE pending_changes SET state = ?, decided_by = ?, decided_at = ?, decision_reason = ?
         WHERE id = ? AND state = 'pending'`
      )
      .run(state, by, at, reason, id)
    if (changed.changes !== 1) {
      const now = this.core.q('SELECT state FROM pending_changes WHERE id = ?').get(id) as Row | undefined
      throw new Undo({ kind: 'closed', state: (strOrNull(now?.state) ?? 'refused') as PendingState })
    }
  }

  /** Checks, inside the transaction, that the change still applies to what is there, then makes it. */
  private carryOut(effect: ApprovedEffect, at: string): void {
    const stale = (reason: string) => new Undo({ kind: 'stale', reason })
    switch (effect.kind) {
      case 'user.create': {
        const taken = this.core.q('SELECT 1 FROM users WHERE username = ?').get(effect.user.username)
        if (taken !== undefined) throw stale(`the username ${effect.user.username} was taken meanwhile`)
        this.writes.insertUser(effect.userId, effect.user, effect.enrolment)
        return
      }
      case 'user.update':
      case 'user.credentials_reset': {
        this.expectUser(effect.userId, effect.fingerprint)
        if (effect.kind === 'user.update') {
          this.writes.updateUser(effect.userId, effect.changes)
          if (effect.enrolment !== undefined) {
            // a role granted: the credentials go, sign-ins end, every earlier link stops; the person enrols anew
            this.writes.resetCredentials(effect.userId, effect.enrolment)
            return
          }
          // a reviewer or administrator unmade, or moved: no link issued before stays usable for them
          this.core
            .q('UPDATE enrolments SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL')
            .run(at, effect.userId)
        } else {
          // the reset's own link replaces every earlier one not used yet
          this.writes.resetCredentials(effect.userId, effect.enrolment)
        }
        return
      }
      case 'policy.update': {
        const saved = this.writes.insertPolicyVersion(effect.row, effect.baseVersion)
        if ('conflict' in saved) {
          throw stale(
            `the policy ${effect.row.name} moved from version ${effect.baseVersion} to ${saved.conflict} meanwhile`
          )
        }
        return
      }
      case 'project.policy': {
        const now = this.core
          .q('SELECT policy_name FROM project_policies WHERE project_id = ?')
          .get(effect.projectId) as Row | undefined
        if (strOrNull(now?.policy_name) !== effect.from) throw stale("the project's policy changed meanwhile")
        const newest = this.core
          .q('SELECT coalesce(max(version), 0) AS v FROM policy_versions WHERE name = ?')
          .get(effect.toName) as Row
        if (Number(newest.v) !== effect.toVersion) throw stale(`the policy ${effect.toName} changed meanwhile`)
        this.writes.setProjectPolicy(effect.projectId, effect.to)
        return
      }
    }
  }

  private expectUser(userId: string, fingerprint: string): void {
    const r = this.core.q('SELECT * FROM users WHERE id = ?').get(userId) as Row | undefined
    const now = r === undefined ? null : userFingerprint(toUser(r))
    if (now !== fingerprint) throw new Undo({ kind: 'stale', reason: 'the account changed meanwhile' })
  }
}
