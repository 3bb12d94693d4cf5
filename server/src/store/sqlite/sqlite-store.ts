import { randomUUID, type KeyObject } from 'node:crypto'
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { type AuditCheckpoint, signCheckpoint } from '../../audit/checkpoint.js'
import { type AuditEvent, type AuditRecord, AuditWriteFailed, chainRecord } from '../../audit/record.js'
import type { OrganizationStatus, Role, UserStatus } from '../../schemas/identity.js'
import type {
  CellExportRow,
  AirlockFileRow,
  AirlockRequestDetail,
  AirlockRequestRow,
  AirlockState,
  AuditFilter,
  AuthSessionRow,
  CertificationRow,
  DatasetRow,
  LoginCompletion,
  NewPolicyVersion,
  NewProject,
  NewUser,
  OrganizationRow,
  PolicyVersionRow,
  ProjectChanges,
  ProjectPolicyRow,
  ProjectRow,
  ProjectWithDatasets,
  RefreshTokenRow,
  SandboxSessionRow,
  SandboxSessionState,
  Store,
  UserChanges,
  UserRow
} from '../types.js'
import type { EnrolmentRow } from '../enrolments.js'
import { AccountChangedMeanwhile, userFingerprint } from '../pending-changes.js'
import { SqliteAirlockStore, toAirlockFile, toAirlockRequest } from './airlock-store.js'
import { insertEnrolment, SqliteEnrolmentStore } from './enrolment-store.js'
import { SqlitePendingChangeStore } from './pending-change-store.js'
import { MIGRATIONS } from './migrations.js'

/** Every this-many records a checkpoint is kept for good, so a rewritten chain can be located. */
export const CHECKPOINT_EVERY = 256

export interface SqliteStoreOptions {
  path: string
  /** null opens the store read-only (the audit verifier needs no private key and writes nothing) */
  auditSigningKey: KeyObject | null
  now?: () => Date
}

type Row = Record<string, unknown>

const str = (v: unknown): string => v as string
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string))

function toUser(r: Row): UserRow {
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

function toProject(r: Row): ProjectRow {
  return {
    id: str(r.id),
    title: str(r.title),
    purpose: str(r.purpose),
    approvalReference: str(r.approval_reference),
    startDate: str(r.start_date),
    endDate: str(r.end_date),
    createdAt: str(r.created_at)
  }
}

function toDataset(r: Row): DatasetRow {
  return { id: str(r.id), name: str(r.name), description: str(r.description), file: strOrNull(r.file) }
}

function toSandboxSession(r: Row): SandboxSessionRow {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    projectId: str(r.project_id),
    state: str(r.state) as SandboxSessionState,
    reason: strOrNull(r.reason),
    sandboxId: strOrNull(r.sandbox_id),
    runtime: str(r.runtime),
    image: str(r.image),
    limits: JSON.parse(str(r.limits)) as Record<string, unknown>,
    createdAt: str(r.created_at),
    startedAt: strOrNull(r.started_at),
    endedAt: strOrNull(r.ended_at)
  }
}

function toPolicyVersion(r: Row): PolicyVersionRow {
  return {
    name: str(r.name),
    version: Number(r.version),
    yaml: str(r.yaml),
    author: str(r.author),
    createdAt: str(r.created_at),
    comment: strOrNull(r.comment),
    diff: str(r.diff),
    source: strOrNull(r.source),
    sourceSha256: strOrNull(r.source_sha256)
  }
}

/** Thrown inside a transaction to undo it: the policy moved on since the version an edit began from. */
class StalePolicyVersion extends Error {
  constructor(readonly current: number) {
    super(`the policy is at version ${current}`)
  }
}

/** Audit records read per query when walking the log. */
const AUDIT_PAGE = 1000

function toAudit(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    ts: str(r.ts),
    actor: str(r.actor),
    action: str(r.action),
    sourceIp: strOrNull(r.source_ip),
    target: strOrNull(r.target),
    outcome: str(r.outcome) as AuditRecord['outcome'],
    details: JSON.parse(str(r.details)) as Record<string, unknown>,
    prevHash: str(r.prev_hash),
    hash: str(r.hash)
  }
}

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

/**
 * SQLite state store (better-sqlite3, WAL). Writes are synchronous inside IMMEDIATE transactions,
 * so the audit sequence is consistent even when the CLI writes while the gateway runs.
 */
export class SqliteStore implements Store {
  readonly db: Database.Database
  readonly airlock: SqliteAirlockStore
  readonly approvals: SqlitePendingChangeStore
  readonly enrolments: SqliteEnrolmentStore
  private readonly signingKey: KeyObject | null
  private readonly now: () => Date

  constructor(options: SqliteStoreOptions) {
    const readonly = options.auditSigningKey === null
    if (readonly) {
      this.db = new Database(options.path, { readonly: true, fileMustExist: true })
    } else {
      mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 })
      this.db = new Database(options.path)
      // Owner-only before WAL is switched on: SQLite gives the -wal and -shm files the database's mode.
      chmodSync(options.path, 0o600)
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = FULL')
    }
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
    this.signingKey = options.auditSigningKey
    this.now = options.now ?? (() => new Date())
    if (!readonly) this.migrate()
    this.airlock = new SqliteAirlockStore(this.db, (audit, change) => this.audited(audit, change), this.now)
    this.enrolments = new SqliteEnrolmentStore(this.db, (audit, change) => this.audited(audit, change))
    // an approval carries out the change it approves in its own transaction, with these writes
    this.approvals = new SqlitePendingChangeStore(this.db, (audit, change) => this.audited(audit, change), {
      insertUser: (id, user, enrolment) => this.insertUserInTx(id, user, enrolment),
      updateUser: (userId, changes) => this.updateUserInTx(userId, changes),
      resetCredentials: (userId, enrolment) => this.resetCredentialsInTx(userId, enrolment),
      insertPolicyVersion: (row, baseVersion) => this.insertPolicyVersionInTx(row, baseVersion),
      setProjectPolicy: (projectId, policyName) => this.setProjectPolicyInTx(projectId, policyName)
    })
  }

  private readonly statements = new Map<string, Database.Statement>()

  /** A prepared statement, compiled once per SQL text: preparing is slower than running. */
  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      this.statements.set(sql, st)
    }
    return st
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)'
    )
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version)
    )
    // by version, whatever order they were written in
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      this.db
        .transaction(() => {
          this.db.exec(m.sql)
          this.db
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(m.version, m.name, this.now().toISOString())
        })
        .immediate()
    }
  }

  /** Runs `change` and appends `audit` (one event or several) in one IMMEDIATE transaction: all happen or none does. */
  private audited<T>(audit: AuditEvent | readonly AuditEvent[], change: () => T): T {
    return this.db
      .transaction(() => {
        const result = change()
        for (const event of Array.isArray(audit) ? audit : [audit as AuditEvent]) this.appendInTx(event)
        return result
      })
      .immediate()
  }

  private appendInTx(event: AuditEvent): AuditRecord {
    try {
      return this.appendChained(event)
    } catch (err) {
      throw new AuditWriteFailed(`audit write failed: ${(err as Error).message}`, { cause: err })
    }
  }

  private appendChained(event: AuditEvent): AuditRecord {
    const prev = this.q('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined
    const now = this.now()
    const record = chainRecord(event, prev ?? null, now)
    this.q(
      `INSERT INTO audit_log (seq, ts, actor, action, source_ip, target, outcome, details, prev_hash, hash)
         VALUES (@seq, @ts, @actor, @action, @sourceIp, @target, @outcome, @details, @prevHash, @hash)`
    ).run({ ...record, details: JSON.stringify(record.details) })
    if (this.signingKey === null) throw new Error('the store is open read-only')
    const checkpoint = signCheckpoint(record.seq, record.hash, now, this.signingKey)
    this.q(
      `INSERT INTO audit_head (id, seq, hash, signed_at, signature) VALUES (1, @seq, @hash, @signedAt, @signature)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
           signed_at = excluded.signed_at, signature = excluded.signature`
    ).run(checkpoint)
    if (record.seq % CHECKPOINT_EVERY === 0)
      this.q(
        'INSERT INTO audit_checkpoints (seq, hash, signed_at, signature) VALUES (@seq, @hash, @signedAt, @signature)'
      ).run(checkpoint)
    return record
  }

  // organizations and certifications

  async createOrganization(name: string, audit: AuditEvent): Promise<OrganizationRow> {
    const row: OrganizationRow = { id: randomUUID(), name, status: 'active', createdAt: this.now().toISOString() }
    this.audited(audit, () =>
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
    this.audited(audit, () =>
      this.q(
        `INSERT INTO certifications (id, organization_id, number, valid_from, valid_to, status, updated_at)
           VALUES (@id, @organizationId, @number, @validFrom, @validTo, @status, @updatedAt)
           ON CONFLICT (organization_id) DO UPDATE SET number = excluded.number, valid_from = excluded.valid_from,
             valid_to = excluded.valid_to, status = excluded.status, updated_at = excluded.updated_at`
      ).run({ ...row, updatedAt: this.now().toISOString() })
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
    this.audited(audit, () => {
      const changed = this.q('UPDATE organizations SET name = ? WHERE id = ?').run(name, organizationId)
      if (changed.changes !== 1) throw new Error(`no organization ${organizationId}`)
    })
  }

  async setOrganizationStatus(organizationId: string, status: OrganizationStatus, audit: AuditEvent): Promise<void> {
    const now = this.now().toISOString()
    this.audited(audit, () => {
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

  // users

  async createUser(user: NewUser, audit: AuditEvent, enrolment?: Omit<EnrolmentRow, 'userId'>): Promise<UserRow> {
    const id = randomUUID()
    return this.audited({ ...audit, target: audit.target ?? id }, () => this.insertUserInTx(id, user, enrolment))
  }

  /** With an enrolment, the account has no credentials until the person sets their own through it. */
  private insertUserInTx(id: string, user: NewUser, enrolment?: Omit<EnrolmentRow, 'userId'>): UserRow {
    const at = this.now().toISOString()
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
    if (enrolment) insertEnrolment(this.db, { ...enrolment, userId: id })
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
    const now = this.now().toISOString()
    this.audited(audit, () => {
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
    this.audited(audit, () => {
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

  private updateUserInTx(userId: string, changes: UserChanges): void {
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
    this.audited(audit, () => {
      this.expectAccount(userId, expected)
      this.resetCredentialsInTx(userId, enrolment)
    })
  }

  /** No credentials until the person enrols again; their sign-ins end and an older link stops working. */
  private resetCredentialsInTx(userId: string, enrolment: EnrolmentRow): void {
    const now = this.now().toISOString()
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
    insertEnrolment(this.db, enrolment)
  }

  async listOrganizationMembers(organizationId: string): Promise<UserRow[]> {
    return (this.q('SELECT * FROM users WHERE organization_id = ? ORDER BY username').all(organizationId) as Row[]).map(
      toUser
    )
  }

  // projects and datasets

  async createDataset(name: string, description: string, audit: AuditEvent): Promise<DatasetRow> {
    const row = { id: randomUUID(), name, description, file: null }
    this.audited(audit, () =>
      this.q('INSERT INTO datasets (id, name, description, created_at) VALUES (?, ?, ?, ?)').run(
        row.id,
        name,
        description,
        this.now().toISOString()
      )
    )
    return row
  }

  async getDatasetByName(name: string): Promise<DatasetRow | null> {
    const r = this.q('SELECT id, name, description, file FROM datasets WHERE name = ?').get(name) as Row | undefined
    return r ? toDataset(r) : null
  }

  async setDatasetFile(datasetId: string, file: string, audit: AuditEvent): Promise<void> {
    this.audited(audit, () => {
      const changed = this.q('UPDATE datasets SET file = ? WHERE id = ?').run(file, datasetId)
      if (changed.changes !== 1) throw new Error(`no dataset ${datasetId}`)
    })
  }

  async listDatasets(): Promise<DatasetRow[]> {
    return (this.q('SELECT id, name, description, file FROM datasets ORDER BY name').all() as Row[]).map(toDataset)
  }

  async getDatasetProject(datasetId: string): Promise<ProjectRow | null> {
    const r = this.q(
      'SELECT p.* FROM projects p JOIN project_datasets pd ON pd.project_id = p.id WHERE pd.dataset_id = ?'
    ).get(datasetId) as Row | undefined
    return r ? toProject(r) : null
  }

  async updateProject(projectId: string, changes: ProjectChanges, audit: AuditEvent): Promise<ProjectRow> {
    this.audited(audit, () => {
      const changed = this.q(
        `UPDATE projects SET title = coalesce(@title, title), purpose = coalesce(@purpose, purpose),
           approval_reference = coalesce(@approvalReference, approval_reference),
           start_date = coalesce(@startDate, start_date), end_date = coalesce(@endDate, end_date)
         WHERE id = @id`
      ).run({
        id: projectId,
        title: changes.title ?? null,
        purpose: changes.purpose ?? null,
        approvalReference: changes.approvalReference ?? null,
        startDate: changes.startDate ?? null,
        endDate: changes.endDate ?? null
      })
      if (changed.changes !== 1) throw new Error(`no project ${projectId}`)
    })
    return toProject(this.q('SELECT * FROM projects WHERE id = ?').get(projectId) as Row)
  }

  async setProjectMember(projectId: string, userId: string, member: boolean, audit: AuditEvent): Promise<boolean> {
    return this.setLink('project_members', 'user_id', projectId, userId, member, audit)
  }

  async setProjectDataset(projectId: string, datasetId: string, granted: boolean, audit: AuditEvent): Promise<boolean> {
    return this.setLink('project_datasets', 'dataset_id', projectId, datasetId, granted, audit)
  }

  private setLink(
    table: 'project_members' | 'project_datasets',
    column: 'user_id' | 'dataset_id',
    projectId: string,
    id: string,
    present: boolean,
    audit: AuditEvent
  ): boolean {
    try {
      this.audited(audit, () => {
        const changed = present
          ? // an existing link is no change; any other constraint (a dataset of another project) is an error
            this.q(
              `INSERT INTO ${table} (project_id, ${column}) VALUES (?, ?) ON CONFLICT (project_id, ${column}) DO NOTHING`
            ).run(projectId, id)
          : this.q(`DELETE FROM ${table} WHERE project_id = ? AND ${column} = ?`).run(projectId, id)
        if (changed.changes !== 1) throw new TransitionLost()
      })
      return true
    } catch (err) {
      if (err instanceof TransitionLost) return false
      throw err
    }
  }

  async listProjectMemberIds(projectId: string): Promise<string[]> {
    return (
      this.q('SELECT user_id FROM project_members WHERE project_id = ? ORDER BY user_id').all(projectId) as Row[]
    ).map((r) => str(r.user_id))
  }

  async createProject(project: NewProject, audit: AuditEvent): Promise<ProjectRow> {
    const row: ProjectRow = {
      id: randomUUID(),
      title: project.title,
      purpose: project.purpose,
      approvalReference: project.approvalReference,
      startDate: project.startDate,
      endDate: project.endDate,
      createdAt: this.now().toISOString()
    }
    this.audited({ ...audit, target: audit.target ?? row.id }, () => {
      this.q(
        `INSERT INTO projects (id, title, purpose, approval_reference, start_date, end_date, created_at)
           VALUES (@id, @title, @purpose, @approvalReference, @startDate, @endDate, @createdAt)`
      ).run(row)
      const member = this.q('INSERT INTO project_members (project_id, user_id) VALUES (?, ?)')
      for (const id of project.memberIds) member.run(row.id, id)
      const dataset = this.q('INSERT INTO project_datasets (project_id, dataset_id) VALUES (?, ?)')
      for (const id of project.datasetIds) dataset.run(row.id, id)
    })
    return row
  }

  async getProjectByTitle(title: string): Promise<ProjectRow | null> {
    const r = this.q('SELECT * FROM projects WHERE title = ?').get(title) as Row | undefined
    return r ? toProject(r) : null
  }

  async listProjectsForUser(userId: string): Promise<ProjectWithDatasets[]> {
    const projects = (
      this.q(
        `SELECT p.* FROM projects p JOIN project_members m ON m.project_id = p.id
           WHERE m.user_id = ? ORDER BY p.start_date, p.title`
      ).all(userId) as Row[]
    ).map(toProject)
    return projects.map((p) => ({ ...p, datasets: this.projectDatasets(p.id) }))
  }

  private projectDatasets(projectId: string): DatasetRow[] {
    return (
      this.q(
        `SELECT d.id, d.name, d.description, d.file FROM datasets d JOIN project_datasets pd ON pd.dataset_id = d.id
         WHERE pd.project_id = ? ORDER BY d.name`
      ).all(projectId) as Row[]
    ).map(toDataset)
  }

  async getProject(id: string): Promise<ProjectWithDatasets | null> {
    const r = this.q('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined
    return r ? { ...toProject(r), datasets: this.projectDatasets(id) } : null
  }

  async listProjects(): Promise<ProjectRow[]> {
    return (this.q('SELECT * FROM projects ORDER BY start_date, title').all() as Row[]).map(toProject)
  }

  async isProjectMember(projectId: string, userId: string): Promise<boolean> {
    return (
      this.q('SELECT 1 FROM project_members WHERE project_id = ? AND user_id = ?').get(projectId, userId) !== undefined
    )
  }

  // sandbox sessions

  async gatewayId(): Promise<string> {
    return str((this.q("SELECT value FROM settings WHERE key = 'gateway_id'").get() as Row).value)
  }

  async createSandboxSession(row: SandboxSessionRow, audit: AuditEvent): Promise<void> {
    this.audited(audit, () =>
      this.q(
        `INSERT INTO sandbox_sessions (id, user_id, project_id, state, reason, sandbox_id, runtime, image, limits,
           created_at, started_at, ended_at)
         VALUES (@id, @userId, @projectId, @state, @reason, @sandboxId, @runtime, @image, @limits,
           @createdAt, @startedAt, @endedAt)`
      ).run({ ...row, limits: JSON.stringify(row.limits) })
    )
  }

  async transitionSandboxSession(
    id: string,
    from: SandboxSessionState[],
    to: Partial<Omit<SandboxSessionRow, 'id' | 'userId' | 'projectId'>> & { state: SandboxSessionState },
    audit: AuditEvent
  ): Promise<boolean> {
    const columns: Record<string, string> = {
      state: 'state',
      reason: 'reason',
      sandboxId: 'sandbox_id',
      runtime: 'runtime',
      image: 'image',
      startedAt: 'started_at',
      endedAt: 'ended_at'
    }
    const sets: string[] = []
    const params: Record<string, unknown> = { id }
    for (const [key, value] of Object.entries(to)) {
      const column = columns[key]
      if (column === undefined) throw new Error(`cannot set ${key} on a session`)
      sets.push(`${column} = @${key}`)
      params[key] = value
    }
    const placeholders = from.map((_, i) => `@from${i}`)
    from.forEach((f, i) => (params[`from${i}`] = f))
    try {
      this.audited(audit, () => {
        const changed = this.q(
          `UPDATE sandbox_sessions SET ${sets.join(', ')} WHERE id = @id AND state IN (${placeholders.join(', ')})`
        ).run(params)
        if (changed.changes !== 1) throw new TransitionLost()
      })
      return true
    } catch (err) {
      if (err instanceof TransitionLost) return false
      throw err
    }
  }

  async getSandboxSession(id: string): Promise<SandboxSessionRow | null> {
    const r = this.q('SELECT * FROM sandbox_sessions WHERE id = ?').get(id) as Row | undefined
    return r ? toSandboxSession(r) : null
  }

  async listSandboxSessions(filter: { userId?: string; states?: SandboxSessionState[] }): Promise<SandboxSessionRow[]> {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.userId !== undefined) {
      where.push('user_id = ?')
      params.push(filter.userId)
    }
    if (filter.states !== undefined) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`)
      params.push(...filter.states)
    }
    const sql = `SELECT * FROM sandbox_sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC`
    return (this.q(sql).all(...params) as Row[]).map(toSandboxSession)
  }

  async updateSandboxSessionLimits(id: string, limits: Record<string, unknown>, audit: AuditEvent): Promise<void> {
    this.audited(audit, () => {
      const changed = this.q('UPDATE sandbox_sessions SET limits = ? WHERE id = ?').run(JSON.stringify(limits), id)
      if (changed.changes !== 1) throw new Error(`there is no session ${id}`)
    })
  }

  // policies

  async listPolicies(): Promise<PolicyVersionRow[]> {
    return (
      this.q(
        `SELECT p.* FROM policy_versions p
           JOIN (SELECT name, max(version) AS version FROM policy_versions GROUP BY name) newest
             ON newest.name = p.name AND newest.version = p.version
         ORDER BY p.name`
      ).all() as Row[]
    ).map(toPolicyVersion)
  }

  async getPolicyVersion(name: string, version?: number): Promise<PolicyVersionRow | null> {
    const r = (
      version === undefined
        ? this.q('SELECT * FROM policy_versions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
        : this.q('SELECT * FROM policy_versions WHERE name = ? AND version = ?').get(name, version)
    ) as Row | undefined
    return r ? toPolicyVersion(r) : null
  }

  async listPolicyVersions(name: string): Promise<PolicyVersionRow[]> {
    return (this.q('SELECT * FROM policy_versions WHERE name = ? ORDER BY version DESC').all(name) as Row[]).map(
      toPolicyVersion
    )
  }

  async addPolicyVersion(
    row: NewPolicyVersion,
    baseVersion: number,
    audit: AuditEvent
  ): Promise<{ saved: PolicyVersionRow } | { conflict: number }> {
    try {
      const saved = this.audited(audit, () => {
        const result = this.insertPolicyVersionInTx(row, baseVersion)
        if ('conflict' in result) throw new StalePolicyVersion(result.conflict)
        return result
      })
      return { saved }
    } catch (err) {
      if (err instanceof StalePolicyVersion) return { conflict: err.current }
      throw err
    }
  }

  private insertPolicyVersionInTx(row: NewPolicyVersion, baseVersion: number): PolicyVersionRow | { conflict: number } {
    // read inside the IMMEDIATE transaction: two saves from the same base can't both pass
    const current = Number(
      (this.q('SELECT coalesce(max(version), 0) AS v FROM policy_versions WHERE name = ?').get(row.name) as Row).v
    )
    if (current !== baseVersion) return { conflict: current }
    const full: PolicyVersionRow = { ...row, version: current + 1, createdAt: this.now().toISOString() }
    this.q(
      `INSERT INTO policy_versions (name, version, yaml, author, created_at, comment, diff, source, source_sha256)
         VALUES (@name, @version, @yaml, @author, @createdAt, @comment, @diff, @source, @sourceSha256)`
    ).run(full)
    return full
  }

  async listProjectPolicies(): Promise<ProjectPolicyRow[]> {
    return (this.q('SELECT * FROM project_policies ORDER BY project_id').all() as Row[]).map((r) => ({
      projectId: str(r.project_id),
      policyName: str(r.policy_name),
      assignedAt: str(r.assigned_at)
    }))
  }

  async setProjectPolicy(projectId: string, policyName: string | null, audit: AuditEvent): Promise<void> {
    this.audited(audit, () => this.setProjectPolicyInTx(projectId, policyName))
  }

  private setProjectPolicyInTx(projectId: string, policyName: string | null): void {
    if (policyName === null) {
      this.q('DELETE FROM project_policies WHERE project_id = ?').run(projectId)
      return
    }
    if (this.q('SELECT 1 FROM policy_versions WHERE name = ? LIMIT 1').get(policyName) === undefined) {
      throw new Error(`there is no policy ${policyName}`)
    }
    this.q(
      `INSERT INTO project_policies (project_id, policy_name, assigned_at) VALUES (?, ?, ?)
         ON CONFLICT (project_id) DO UPDATE SET policy_name = excluded.policy_name, assigned_at = excluded.assigned_at`
    ).run(projectId, policyName, this.now().toISOString())
  }

  // airlock: export requests

  async recordCellExport(row: CellExportRow, audit: AuditEvent): Promise<void> {
    this.audited(audit, () =>
      this.q(
        `INSERT INTO cell_exports (sha256, session_id, user_id, name, language, source, rows, created_at, residual_df)
         VALUES (@sha256, @sessionId, @userId, @name, @language, @source, @rows, @createdAt, @residualDf)`
      ).run({ ...row, residualDf: row.residualDf ?? null })
    )
  }

  async findCellExport(file: {
    sha256: string
    userId: string
    name: string
    projectId: string
  }): Promise<CellExportRow | null> {
    const r = this.q(
      `SELECT e.* FROM cell_exports e JOIN sandbox_sessions s ON s.id = e.session_id
         WHERE e.sha256 = @sha256 AND e.user_id = @userId AND e.name = @name AND s.project_id = @projectId
         ORDER BY e.created_at DESC, e.rowid DESC LIMIT 1`
    ).get(file) as Row | undefined
    if (r === undefined) return null
    return {
      sha256: str(r.sha256),
      sessionId: str(r.session_id),
      userId: str(r.user_id),
      name: str(r.name),
      language: str(r.language) as CellExportRow['language'],
      source: str(r.source),
      rows: Number(r.rows),
      createdAt: str(r.created_at),
      residualDf: r.residual_df === null || r.residual_df === undefined ? null : Number(r.residual_df)
    }
  }

  async cellExportSourceBytes(sessionId: string): Promise<number> {
    const r = this.q(
      'SELECT coalesce(sum(length(CAST(source AS BLOB))), 0) AS n FROM cell_exports WHERE session_id = ?'
    ).get(sessionId) as Row
    return Number(r.n)
  }

  async getAirlockRequest(id: string): Promise<AirlockRequestDetail | null> {
    return this.airlock.detail(id)
  }

  async listAirlockRequests(filter: {
    direction?: 'export' | 'import'
    requesterId?: string
    projectId?: string
    states?: AirlockState[]
  }): Promise<AirlockRequestRow[]> {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.direction !== undefined) {
      where.push('direction = ?')
      params.push(filter.direction)
    }
    if (filter.requesterId !== undefined) {
      where.push('requester_id = ?')
      params.push(filter.requesterId)
    }
    if (filter.projectId !== undefined) {
      where.push('project_id = ?')
      params.push(filter.projectId)
    }
    if (filter.states !== undefined) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`)
      params.push(...filter.states)
    }
    const sql = `SELECT * FROM airlock_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id`
    return (this.q(sql).all(...params) as Row[]).map(toAirlockRequest)
  }

  async isDigestReferenced(sha256: string): Promise<boolean> {
    return (
      this.q(
        `SELECT 1 FROM airlock_files f JOIN airlock_requests r ON r.id = f.request_id
         WHERE f.sha256 = ? AND r.state NOT IN ('withdrawn', 'rejected') LIMIT 1`
      ).get(sha256) !== undefined
    )
  }

  async quarantineHoldings(projectId: string): Promise<{ sha256: string; size: number }[]> {
    return (
      this.q(
        `SELECT f.sha256, max(f.size) AS size FROM airlock_files f JOIN airlock_requests r ON r.id = f.request_id
         WHERE r.project_id = ? AND r.state NOT IN ('withdrawn', 'rejected') GROUP BY f.sha256`
      ).all(projectId) as Row[]
    ).map((r) => ({ sha256: str(r.sha256), size: Number(r.size) }))
  }

  async listReleasedFiles(projectId: string): Promise<AirlockFileRow[]> {
    return (
      this.q(
        `SELECT f.* FROM airlock_files f JOIN airlock_requests r ON r.id = f.request_id AND r.round = f.round
         WHERE r.project_id = ? AND r.direction = 'export' AND r.state = 'released' ORDER BY r.released_at, f.name`
      ).all(projectId) as Row[]
    ).map(toAirlockFile)
  }

  // sign-in

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
    this.audited(audit, () => {
      this.q('INSERT INTO login_failures (username, source_ip, at) VALUES (?, ?, ?)').run(
        failure.username,
        failure.sourceIp,
        this.now().toISOString()
      )
    })
  }

  async completeLogin(login: LoginCompletion, audit: AuditEvent): Promise<void> {
    this.audited(audit, () => {
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
    this.db
      .prepare(
        `INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at, used_at)
         VALUES (@tokenHash, @sessionId, @issuedAt, @expiresAt, @usedAt)`
      )
      .run(t)
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
      this.audited(audit, () => {
        const used = this.q('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(
          this.now().toISOString(),
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
    this.audited(audit, () =>
      this.q('UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL').run(
        this.now().toISOString(),
        reason,
        sessionId
      )
    )
  }

  // audit

  async appendAudit(event: AuditEvent): Promise<AuditRecord> {
    return this.db.transaction(() => this.appendInTx(event)).immediate()
  }

  /**
   * Reads the log a page at a time: an open cursor would hold the connection while the caller
   * (an export streamed to a slow client) waits between records, and every write would fail.
   */
  private async *auditPages(where: string, params: unknown[]): AsyncIterable<AuditRecord> {
    let after = -1
    for (;;) {
      const rows = this.q(`SELECT * FROM audit_log WHERE rowid > ? ${where} ORDER BY rowid LIMIT ${AUDIT_PAGE}`).all(
        after,
        ...params
      ) as Row[]
      for (const r of rows) yield toAudit(r)
      if (rows.length < AUDIT_PAGE) return
      after = Number(rows.at(-1)!.seq)
    }
  }

  auditRecords(): AsyncIterable<AuditRecord> {
    return this.auditPages('', [])
  }

  async auditCheckpoints(): Promise<AuditCheckpoint[]> {
    const kept = this.db
      .prepare('SELECT seq, hash, signed_at, signature FROM audit_checkpoints ORDER BY seq')
      .all() as Row[]
    const head = this.q('SELECT seq, hash, signed_at, signature FROM audit_head WHERE id = 1').get() as Row | undefined
    const toCheckpoint = (r: Row): AuditCheckpoint => ({
      seq: Number(r.seq),
      hash: str(r.hash),
      signedAt: str(r.signed_at),
      signature: str(r.signature)
    })
    const all = kept.map(toCheckpoint)
    if (head !== undefined && !all.some((c) => c.seq === Number(head.seq))) all.push(toCheckpoint(head))
    return all
  }

  async recentAudit(limit: number): Promise<AuditRecord[]> {
    return (this.q('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as Row[]).map(toAudit)
  }

  async searchAudit(f: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    if (f.actor !== undefined) {
      where.push('actor = ?')
      params.push(f.actor)
    }
    if (f.action !== undefined) {
      where.push("(action = ? OR substr(action, 1, length(?) + 1) = ? || '.')")
      params.push(f.action, f.action, f.action)
    }
    if (f.outcome !== undefined) {
      where.push('outcome = ?')
      params.push(f.outcome)
    }
    for (const [key, value] of [
      ['project', f.project],
      ['session', f.session]
    ] as const) {
      if (value === undefined) continue
      where.push(`(target = ? OR json_extract(details, '$.${key}') = ?)`)
      params.push(value, value)
    }
    if (f.from !== undefined) {
      where.push('ts >= ?')
      params.push(f.from)
    }
    if (f.to !== undefined) {
      where.push('ts < ?')
      params.push(f.to)
    }
    if (f.beforeSeq !== undefined) {
      where.push('seq < ?')
      params.push(f.beforeSeq)
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`
    return (this.q(sql).all(...params, f.limit) as Row[]).map(toAudit)
  }

  auditRange(from: string, to: string): AsyncIterable<AuditRecord> {
    return this.auditPages('AND ts >= ? AND ts < ?', [from, to])
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

/** Two sign-ins raced with the same TOTP code; the loser is refused. */
export class TotpReplayError extends Error {
  override name = 'TotpReplayError'
}

/** The account's credentials were reset while a sign-in with the old ones was being completed. */
export class CredentialsWithdrawn extends Error {
  override name = 'CredentialsWithdrawn'
}

class RefreshRaceLost extends Error {}

class TransitionLost extends Error {}
