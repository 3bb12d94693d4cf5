import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '../../audit/record.js'
import type { OrganizationStatus, Role, UserStatus } from '../../schemas/identity.js'
import type { EnrolmentRow } from '../enrolments.js'
import type { AccountStore, CertificationRow, NewUser, OrganizationRow, UserChanges, UserRow } from '../identity.js'
import { AccountChangedMeanwhile, userFingerprint } from '../pending-changes.js'
import type { SqliteCore } from './core.js'
import { insertEnrolment } from './enrolment-store.js'
import { type Row, str, strOrNull } from './row.js'

export function toUser(r: Row): UserRow {
  return {
    id: str(r.id),
    username: str(r.username),
    displayName: str(r.display_name),
    organizationId: strOrNull(r.organization_id),
    roles: JSON.parse(str(r.roles)) as Role[],
    passwordHash: str(r.password_hash),
    totpSecretSealed: str(r.totp_secret_sealed),
    totpLastStep: Number(r.totp_last_step),
    status: str(r.status) as UserStatus,
    enrolledAt: strOrNull(r.enrolled_at),
    createdAt: str(r.created_at)
  }
}

function toOrganization(r: Row): OrganizationRow {
  return {
    id: str(r.id),
    name: str(r.name),
    status: (strOrNull(r.status) ?? 'active') as OrganizationStatus,
    createdAt: str(r.created_at)
  }
}

/** Organizations, certifications and accounts on SQLite; every write goes through `audited`. */
export class SqliteAccountStore implements AccountStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  async createOrganization(name: string, audit: AuditEvent): Promise<OrganizationRow> {
    const row: OrganizationRow = { id: randomUUID(), name, status: 'active', createdAt: this.core.now().toISOString() }
    this.core.audited(audit, () =>
      this.q('INSERT INTO organizations (id, name, created_at) VALUES (@id, @name, @createdAt)').run(row)
    )
    return row
  }

  async getOrganization(id: string): Promise<OrganizationRow | null> {
    const r = this.q('SELECT * FROM organizations WHERE id = ?').get(id) as Row | undefined
    return r ? toOrganization(r) : null
  }

  async getOrganizationByName(name: string): Promise<OrganizationRow | null> {
    const r = this.q('SELECT * FROM organizations WHERE name = ?').get(name) as Row | undefined
    return r ? toOrganization(r) : null
  }

  async listOrganizations(): Promise<OrganizationRow[]> {
    return (this.q('SELECT * FROM organizations ORDER BY name').all() as Row[]).map(toOrganization)
  }

  async setCertification(cert: Omit<CertificationRow, 'id'>, audit: AuditEvent): Promise<CertificationRow> {
    const row = { id: randomUUID(), ...cert }
    this.core.audited(audit, () =>
      this.q(
        `INSERT INTO certifications (id, organization_id, number, valid_from, valid_to, status, updated_at)
           VALUES (@id, @organizationId, @number, @validFrom, @validTo, @status, @updatedAt)
           ON CONFLICT (organization_id) DO UPDATE SET number = excluded.number, valid_from = excluded.valid_from,
             valid_to = excluded.valid_to, status = excluded.status, updated_at = excluded.updated_at`
      ).run({ ...row, updatedAt: this.core.now().toISOString() })
    )
    return (await this.getCertification(cert.organizationId)) ?? row
  }

  async getCertification(organizationId: string): Promise<CertificationRow | null> {
    const r = this.q('SELECT * FROM certifications WHERE organization_id = ?').get(organizationId) as Row | undefined
    return r
      ? {
          id: str(r.id),
          organizationId: str(r.organization_id),
          number: str(r.number),
          validFrom: str(r.valid_from),
          validTo: str(r.valid_to),
          status: str(r.status) as CertificationRow['status']
        }
      : null
  }

  async renameOrganization(organizationId: string, name: string, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () => {
      const changed = this.q('UPDATE organizations SET name = ? WHERE id = ?').run(name, organizationId)
      if (changed.changes !== 1) throw new Error(`no organization ${organizationId}`)
    })
  }

  async setOrganizationStatus(organizationId: string, status: OrganizationStatus, audit: AuditEvent): Promise<void> {
    const now = this.core.now().toISOString()
    this.core.audited(audit, () => {
      const changed = this.q('UPDATE organizations SET status = ? WHERE id = ?').run(status, organizationId)
      if (changed.changes !== 1) throw new Error(`no organization ${organizationId}`)
      if (status !== 'active') {
        this.q(
          `UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ?
             WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE organization_id = ?)`
        ).run(now, `organization ${status}`, organizationId)
      }
    })
  }

  async createUser(user: NewUser, audit: AuditEvent, enrolment?: Omit<EnrolmentRow, 'userId'>): Promise<UserRow> {
    const id = randomUUID()
    return this.core.audited({ ...audit, target: audit.target ?? id }, () => this.insertUserInTx(id, user, enrolment))
  }

  /**
   * Inside the caller's transaction (an approval carries it out in its own). With an enrolment, the
   * account has no credentials until the person sets their own through it.
   */
  insertUserInTx(id: string, user: NewUser, enrolment?: Omit<EnrolmentRow, 'userId'>): UserRow {
    const at = this.core.now().toISOString()
    const row: UserRow = {
      id,
      ...user,
      ...(enrolment ? { passwordHash: '', totpSecretSealed: '' } : {}),
      totpLastStep: 0,
      status: 'active',
      enrolledAt: enrolment ? null : at,
      createdAt: at
    }
    this.q(
      `INSERT INTO users (id, username, display_name, organization_id, roles, password_hash, totp_secret_sealed,
           totp_last_step, status, enrolled_at, created_at)
         VALUES (@id, @username, @displayName, @organizationId, @roles, @passwordHash, @totpSecretSealed,
           @totpLastStep, @status, @enrolledAt, @createdAt)`
    ).run({ ...row, roles: JSON.stringify(row.roles) })
    if (enrolment) insertEnrolment(this.core, { ...enrolment, userId: id })
    return row
  }

  async getUserById(id: string): Promise<UserRow | null> {
    const r = this.q('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined
    return r ? toUser(r) : null
  }

  async getUserByUsername(username: string): Promise<UserRow | null> {
    const r = this.q('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined
    return r ? toUser(r) : null
  }

  async listUsers(): Promise<UserRow[]> {
    return (this.q('SELECT * FROM users ORDER BY username').all() as Row[]).map(toUser)
  }

  async setUserStatus(userId: string, status: UserStatus, audit: AuditEvent): Promise<void> {
    const now = this.core.now().toISOString()
    this.core.audited(audit, () => {
      const changed = this.q('UPDATE users SET status = ? WHERE id = ?').run(status, userId)
      if (changed.changes !== 1) throw new Error(`no user ${userId}`)
      if (status !== 'active') {
        this.q(
          'UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ? WHERE user_id = ? AND revoked_at IS NULL'
        ).run(now, `account ${status}`, userId)
      }
    })
  }

  async updateUser(userId: string, changes: UserChanges, audit: AuditEvent, expected?: string): Promise<UserRow> {
    this.core.audited(audit, () => {
      this.expectAccount(userId, expected)
      this.updateUserInTx(userId, changes)
    })
    return (await this.getUserById(userId))!
  }

  /** Inside a transaction: the account is still as a change to it was checked against, or nothing is written. */
  private expectAccount(userId: string, fingerprint: string | undefined): void {
    if (fingerprint === undefined) return
    const r = this.q('SELECT * FROM users WHERE id = ?').get(userId) as Row | undefined
    if (r === undefined || userFingerprint(toUser(r)) !== fingerprint) {
      throw new AccountChangedMeanwhile(`the account ${userId} changed meanwhile`)
    }
  }

  /** Inside the caller's transaction. */
  updateUserInTx(userId: string, changes: UserChanges): void {
    const changed = this.q(
      `UPDATE users SET display_name = coalesce(@displayName, display_name), roles = coalesce(@roles, roles),
         organization_id = CASE WHEN @setOrganization THEN @organizationId ELSE organization_id END
       WHERE id = @id`
    ).run({
      id: userId,
      displayName: changes.displayName ?? null,
      roles: changes.roles === undefined ? null : JSON.stringify(changes.roles),
      setOrganization: changes.organizationId === undefined ? 0 : 1,
      organizationId: changes.organizationId ?? null
    })
    if (changed.changes !== 1) throw new Error(`no user ${userId}`)
  }

  async resetUserCredentials(
    userId: string,
    enrolment: EnrolmentRow,
    audit: AuditEvent,
    expected?: string
  ): Promise<void> {
    this.core.audited(audit, () => {
      this.expectAccount(userId, expected)
      this.resetCredentialsInTx(userId, enrolment)
    })
  }

  /**
   * Inside the caller's transaction: no credentials until the person enrols again; their sign-ins
   * end and an older link stops working.
   */
  resetCredentialsInTx(userId: string, enrolment: EnrolmentRow): void {
    const now = this.core.now().toISOString()
    const changed = this.q(
      "UPDATE users SET password_hash = '', totp_secret_sealed = '', enrolled_at = NULL WHERE id = ?"
    ).run(userId)
    if (changed.changes !== 1) throw new Error(`no user ${userId}`)
    this.q('UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ? WHERE user_id = ? AND revoked_at IS NULL').run(
      now,
      'credentials reset',
      userId
    )
    this.q('UPDATE enrolments SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL').run(
      now,
      userId
    )
    insertEnrolment(this.core, enrolment)
  }

  async listOrganizationMembers(organizationId: string): Promise<UserRow[]> {
    return (this.q('SELECT * FROM users WHERE organization_id = ? ORDER BY username').all(organizationId) as Row[]).map(
      toUser
    )
  }
}
