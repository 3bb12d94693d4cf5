import type { AuditEvent } from '../../audit/record.js'
import {
  type AuthSessionRow,
  CredentialsWithdrawn,
  type LoginCompletion,
  type RefreshTokenRow,
  type SignInStore,
  TotpReplayError,
  type UserRow
} from '../identity.js'
import type { SqliteCore } from './core.js'
import { toUser } from './identity-store.js'
import { type Row, str, strOrNull } from './row.js'

function toSession(r: Row): AuthSessionRow {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    createdAt: str(r.created_at),
    expiresAt: str(r.expires_at),
    revokedAt: strOrNull(r.revoked_at),
    revokeReason: strOrNull(r.revoke_reason),
    sourceIp: strOrNull(r.source_ip)
  }
}

/** Thrown inside a transaction to undo it: the old refresh token was used meanwhile. */
class RefreshRaceLost extends Error {}

/** Sign-ins on SQLite: failed attempts, auth sessions and refresh tokens. */
export class SqliteSignInStore implements SignInStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  async loginFailures(
    by: { username: string; sourceIp: string | null } | { sourceIp: string },
    since: Date
  ): Promise<{ count: number; lastAt: string | null }> {
    const r = (
      'username' in by
        ? this.q(
            'SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE username = ? AND source_ip IS ? AND at >= ?'
          ).get(by.username, by.sourceIp, since.toISOString())
        : this.q('SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE source_ip = ? AND at >= ?').get(
            by.sourceIp,
            since.toISOString()
          )
    ) as Row
    return { count: Number(r.n), lastAt: strOrNull(r.last) }
  }

  async hasSignedInFrom(userId: string, sourceIp: string, since: Date): Promise<boolean> {
    return (
      this.q('SELECT 1 FROM auth_sessions WHERE user_id = ? AND source_ip = ? AND created_at >= ? LIMIT 1').get(
        userId,
        sourceIp,
        since.toISOString()
      ) !== undefined
    )
  }

  async recordLoginFailure(failure: { username: string; sourceIp: string | null }, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () => {
      this.q('INSERT INTO login_failures (username, source_ip, at) VALUES (?, ?, ?)').run(
        failure.username,
        failure.sourceIp,
        this.core.now().toISOString()
      )
    })
  }

  async completeLogin(login: LoginCompletion, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () => {
      // The step check is repeated here, inside the write lock, so two concurrent logins with the
      // same code cannot both succeed.
      const user = this.q('SELECT * FROM users WHERE id = ?').get(login.userId) as Row
      // a reset or a change that won the race replaced the credentials the sign-in was checked against
      if (user.password_hash !== login.passwordHash) throw new CredentialsWithdrawn()
      const step = this.q('UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?').run(
        login.totpStep,
        login.userId,
        login.totpStep
      )
      if (step.changes !== 1) throw new TotpReplayError()
      // the pair's failures are forgotten; those from elsewhere in its name still count there
      this.q('DELETE FROM login_failures WHERE username = ? AND source_ip IS ?').run(
        str(user.username),
        login.session.sourceIp
      )
      this.q(
        `INSERT INTO auth_sessions (id, user_id, created_at, expires_at, revoked_at, revoke_reason, source_ip)
           VALUES (@id, @userId, @createdAt, @expiresAt, NULL, NULL, @sourceIp)`
      ).run(login.session)
      this.insertRefresh(login.refresh)
    })
  }

  private insertRefresh(t: RefreshTokenRow): void {
    this.q(
      `INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at, used_at)
         VALUES (@tokenHash, @sessionId, @issuedAt, @expiresAt, @usedAt)`
    ).run(t)
  }

  async getAuthSession(id: string): Promise<AuthSessionRow | null> {
    const r = this.q('SELECT * FROM auth_sessions WHERE id = ?').get(id) as Row | undefined
    return r ? toSession(r) : null
  }

  async getAuthSessionWithUser(id: string): Promise<{ session: AuthSessionRow; user: UserRow } | null> {
    const r = this.q(
      `SELECT s.id AS s_id, s.user_id AS s_user_id, s.created_at AS s_created_at, s.expires_at AS s_expires_at,
              s.revoked_at AS s_revoked_at, s.revoke_reason AS s_revoke_reason, s.source_ip AS s_source_ip, u.*
       FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`
    ).get(id) as Row | undefined
    if (r === undefined) return null
    return {
      session: toSession({
        id: r.s_id,
        user_id: r.s_user_id,
        created_at: r.s_created_at,
        expires_at: r.s_expires_at,
        revoked_at: r.s_revoked_at,
        revoke_reason: r.s_revoke_reason,
        source_ip: r.s_source_ip
      }),
      user: toUser(r)
    }
  }

  async getRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null> {
    const r = this.q('SELECT * FROM refresh_tokens WHERE token_hash = ?').get(tokenHash) as Row | undefined
    return r
      ? {
          tokenHash: str(r.token_hash),
          sessionId: str(r.session_id),
          issuedAt: str(r.issued_at),
          expiresAt: str(r.expires_at),
          usedAt: strOrNull(r.used_at)
        }
      : null
  }

  async rotateRefreshToken(oldHash: string, next: RefreshTokenRow, audit: AuditEvent): Promise<boolean> {
    try {
      this.core.audited(audit, () => {
        const used = this.q('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(
          this.core.now().toISOString(),
          oldHash
        )
        if (used.changes !== 1) throw new RefreshRaceLost()
        this.insertRefresh(next)
      })
      return true
    } catch (err) {
      if (err instanceof RefreshRaceLost) return false
      throw err
    }
  }

  async revokeAuthSession(sessionId: string, reason: string, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () =>
      this.q('UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL').run(
        this.core.now().toISOString(),
        reason,
        sessionId
      )
    )
  }
}
