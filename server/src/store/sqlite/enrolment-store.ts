import type { AuditEvent } from '../../audit/record.js'
import type {
  EnrolledCredentials,
  EnrolmentPurpose,
  EnrolmentRow,
  EnrolmentStore,
  OwnCredentialsChange
} from '../enrolments.js'
import type { SqliteCore } from './core.js'
import { type Row, str, strOrNull } from './row.js'

/** Thrown inside a transaction to undo it: the link (or the credentials being replaced) changed meanwhile. */
class LinkGone extends Error {}

function toEnrolment(r: Row): EnrolmentRow {
  return {
    tokenHash: str(r.token_hash),
    userId: str(r.user_id),
    purpose: str(r.purpose) as EnrolmentPurpose,
    issuedBy: str(r.issued_by),
    createdAt: str(r.created_at),
    expiresAt: str(r.expires_at),
    totpSecretSealed: strOrNull(r.totp_secret_sealed),
    usedAt: strOrNull(r.used_at),
    revokedAt: strOrNull(r.revoked_at)
  }
}

/** Inside the caller's transaction: a new account's link, or a reset's. */
export function insertEnrolment(core: SqliteCore, e: EnrolmentRow): void {
  core
    .q(
      `INSERT INTO enrolments (token_hash, user_id, purpose, issued_by, created_at, expires_at, totp_secret_sealed,
       used_at, revoked_at)
     VALUES (@tokenHash, @userId, @purpose, @issuedBy, @createdAt, @expiresAt, @totpSecretSealed, @usedAt, @revokedAt)`
    )
    .run(e)
}

/** A link may be used while it is neither used, replaced nor expired; checked in SQL inside each write. */
const USABLE = 'used_at IS NULL AND revoked_at IS NULL AND expires_at > @at'

/** Enrolment links on SQLite; every write goes through `audited`. */
export class SqliteEnrolmentStore implements EnrolmentStore {
  constructor(private readonly core: SqliteCore) {}

  async get(tokenHash: string): Promise<EnrolmentRow | null> {
    const r = this.core.q('SELECT * FROM enrolments WHERE token_hash = ?').get(tokenHash) as Row | undefined
    return r ? toEnrolment(r) : null
  }

  async lastUsed(userId: string): Promise<EnrolmentRow | null> {
    const r = this.core
      .q('SELECT * FROM enrolments WHERE user_id = ? AND used_at IS NOT NULL ORDER BY used_at DESC LIMIT 1')
      .get(userId) as Row | undefined
    return r ? toEnrolment(r) : null
  }

  async open(tokenHash: string, totpSecretSealed: string, at: string, audit: AuditEvent): Promise<boolean> {
    return this.usable(() =>
      this.core.audited(audit, () => {
        const changed = this.core
          .q(`UPDATE enrolments SET totp_secret_sealed = @sealed WHERE token_hash = @tokenHash AND ${USABLE}`)
          .run({ sealed: totpSecretSealed, tokenHash, at })
        if (changed.changes !== 1) throw new LinkGone()
      })
    )
  }

  async complete(tokenHash: string, c: EnrolledCredentials, at: string, audit: AuditEvent): Promise<boolean> {
    return this.usable(() =>
      this.core.audited(audit, () => {
        const used = this.core
          .q(
            `UPDATE enrolments SET used_at = @at
             WHERE token_hash = @tokenHash AND totp_secret_sealed = @sealed AND ${USABLE}`
          )
          .run({ tokenHash, sealed: c.totpSecretSealed, at })
        if (used.changes !== 1) throw new LinkGone()
        const userId = str(
          (this.core.q('SELECT user_id FROM enrolments WHERE token_hash = ?').get(tokenHash) as Row).user_id
        )
        // the step of the confirming code is the last one accepted: it can't also sign in
        this.core
          .q(
            `UPDATE users SET password_hash = @passwordHash, totp_secret_sealed = @totpSecretSealed,
               totp_last_step = max(totp_last_step, @totpStep), enrolled_at = @at WHERE id = @userId`
          )
          .run({ ...c, at, userId })
      })
    )
  }

  async changeOwn(c: OwnCredentialsChange, at: string, audit: AuditEvent): Promise<{ signInsEnded: number } | null> {
    let signInsEnded = 0
    const done = this.usable(() =>
      this.core.audited(audit, () => {
        const changed = this.core
          .q(
            `UPDATE users SET password_hash = @passwordHash, totp_secret_sealed = @totpSecretSealed,
               totp_last_step = max(@currentStep, @totpStep), enrolled_at = @at
             WHERE id = @userId AND password_hash = @expected AND password_hash <> '' AND totp_last_step < @currentStep`
          )
          .run({ ...c.credentials, userId: c.userId, expected: c.expected, currentStep: c.currentStep, at })
        if (changed.changes !== 1) throw new LinkGone()
        signInsEnded = this.core
          .q(
            `UPDATE auth_sessions SET revoked_at = @at, revoke_reason = 'credentials changed'
             WHERE user_id = @userId AND id <> @keep AND revoked_at IS NULL`
          )
          .run({ at, userId: c.userId, keep: c.keepSession }).changes
        // the audit record is appended after this change, in the same transaction: it says how many ended
        audit.details = { ...audit.details, signInsEnded }
        this.core
          .q(
            'UPDATE enrolments SET revoked_at = @at WHERE user_id = @userId AND used_at IS NULL AND revoked_at IS NULL'
          )
          .run({ at, userId: c.userId })
      })
    )
    return done ? { signInsEnded } : null
  }

  private usable(write: () => void): boolean {
    try {
      write()
      return true
    } catch (err) {
      if (err instanceof LinkGone) return false
      throw err
    }
  }
}
