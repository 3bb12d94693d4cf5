import type { AuditCheckpoint } from '../audit/checkpoint.js'
import type { AuditEvent, AuditRecord } from '../audit/record.js'
import type { CertificationStatus, OrganizationStatus, Role, UserStatus } from '../schemas/identity.js'
import type { AirlockExceptionRow, AirlockFileState, AirlockStore, ReviewRow, ReviewVoteRow } from './airlock.js'
import type { EnrolmentRow, EnrolmentStore } from './enrolments.js'
import type { PendingChangeStore } from './pending-changes.js'

export interface OrganizationRow {
  id: string
  name: string
  /** suspended by an administrator: its members may neither sign in nor work */
  status: OrganizationStatus
  createdAt: string
}

export interface CertificationRow {
  id: string
  organizationId: string
  number: string
  validFrom: string
  validTo: string
  status: CertificationStatus
}

export interface UserRow {
  id: string
  username: string
  displayName: string
  organizationId: string | null
  roles: Role[]
  /** empty until the person enrols (sets their own password through an enrolment link) */
  passwordHash: string
  /** sealed with the secrets key; never leaves the gateway; empty until the person enrols */
  totpSecretSealed: string
  /** the last TOTP time step accepted, so a code is never accepted twice */
  totpLastStep: number
  status: UserStatus
  /**
   * when the person set their own credentials (through a link, or signed in: POST /me/credentials);
   * null while a link is outstanding (no credentials: no sign-in), or for credentials an
   * administrator handed out before enrolment links (a reviewer or administrator so may sign in
   * but not act as one)
   */
  enrolledAt: string | null
  createdAt: string
}

export interface DatasetRow {
  id: string
  name: string
  description: string
  /** the DuckDB file, relative to the data directory; null until one is attached */
  file: string | null
}

export interface ProjectRow {
  id: string
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
  createdAt: string
}

export interface ProjectWithDatasets extends ProjectRow {
  datasets: DatasetRow[]
}

/** One sign-in: the refresh-token family and the access tokens minted from it. */
export interface AuthSessionRow {
  id: string
  userId: string
  createdAt: string
  expiresAt: string
  revokedAt: string | null
  revokeReason: string | null
  sourceIp: string | null
}

export interface RefreshTokenRow {
  tokenHash: string
  sessionId: string
  issuedAt: string
  expiresAt: string
  usedAt: string | null
}

export type SandboxSessionState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

export interface SandboxSessionRow {
  id: string
  userId: string
  projectId: string
  state: SandboxSessionState
  /** why it ended or failed, in a sentence */
  reason: string | null
  sandboxId: string | null
  runtime: string
  image: string
  /** the sandbox policy it was launched under */
  limits: Record<string, unknown>
  createdAt: string
  startedAt: string | null
  endedAt: string | null
}

export interface NewUser {
  username: string
  displayName: string
  organizationId: string | null
  roles: Role[]
  passwordHash: string
  totpSecretSealed: string
}

export interface NewProject {
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
  memberIds: string[]
  datasetIds: string[]
}

/** What an administrator may change of an account (the username never changes: the audit names it). */
export interface UserChanges {
  displayName?: string
  roles?: Role[]
  organizationId?: string | null
}

export type ProjectChanges = Partial<
  Pick<ProjectRow, 'title' | 'purpose' | 'approvalReference' | 'startDate' | 'endDate'>
>

export interface LoginCompletion {
  userId: string
  /** the password hash the sign-in was checked against: a reset or a change meanwhile refuses it */
  passwordHash: string
  totpStep: number
  session: AuthSessionRow
  refresh: RefreshTokenRow
}

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

/** One version of a named policy: the newest version of a name is the one in force. */
export interface PolicyVersionRow {
  name: string
  version: number
  /** the policy as written, comments and all */
  yaml: string
  /** the user id of who saved it, or 'system' for a version imported from a file */
  author: string
  createdAt: string
  comment: string | null
  /** a unified line diff of the YAML against the version before; empty for a first version */
  diff: string
  /** the file it was imported from, with its SHA-256; null for a version saved through the API */
  source: string | null
  sourceSha256: string | null
}

export type NewPolicyVersion = Omit<PolicyVersionRow, 'version' | 'createdAt'>

/** A project that works under a policy other than the default. */
export interface ProjectPolicyRow {
  projectId: string
  policyName: string
  assignedAt: string
}

/**
 * The state store seam. SQLite is the embedded default; PostgreSQL can implement the same
 * contract when several gateways share state.
 *
 * Every mutation takes the audit event that records it and writes both in one transaction: if the
 * audit record cannot be written, the mutation does not happen, and no caller can forget to audit.
 */
export interface Store {
  // organizations and certifications
  createOrganization(name: string, audit: AuditEvent): Promise<OrganizationRow>
  getOrganization(id: string): Promise<OrganizationRow | null>
  getOrganizationByName(name: string): Promise<OrganizationRow | null>
  listOrganizations(): Promise<OrganizationRow[]>
  setCertification(cert: Omit<CertificationRow, 'id'>, audit: AuditEvent): Promise<CertificationRow>
  getCertification(organizationId: string): Promise<CertificationRow | null>
  renameOrganization(organizationId: string, name: string, audit: AuditEvent): Promise<void>
  /** Suspending also revokes every sign-in of the organization's members in the same transaction. */
  setOrganizationStatus(organizationId: string, status: OrganizationStatus, audit: AuditEvent): Promise<void>

  // users
  /**
   * With `enrolment`, the account is created without credentials (those given are ignored) and
   * the person sets theirs through the link; without, it is enrolled with the credentials given.
   */
  createUser(user: NewUser, audit: AuditEvent, enrolment?: Omit<EnrolmentRow, 'userId'>): Promise<UserRow>
  getUserById(id: string): Promise<UserRow | null>
  getUserByUsername(username: string): Promise<UserRow | null>
  listUsers(): Promise<UserRow[]>
  /** Suspending also revokes every sign-in of the user in the same transaction. */
  setUserStatus(userId: string, status: UserStatus, audit: AuditEvent): Promise<void>
  /**
   * With `expected` (the account's userFingerprint as the change was checked against), refuses
   * with AccountChangedMeanwhile, writing nothing, when the account changed since.
   */
  updateUser(userId: string, changes: UserChanges, audit: AuditEvent, expected?: string): Promise<UserRow>
  /**
   * Takes the account's credentials away and issues `enrolment` in their place, in one transaction:
   * every sign-in of the user is revoked and an earlier link not used yet stops working. `expected`
   * as for updateUser.
   */
  resetUserCredentials(userId: string, enrolment: EnrolmentRow, audit: AuditEvent, expected?: string): Promise<void>
  listOrganizationMembers(organizationId: string): Promise<UserRow[]>

  // projects and datasets
  createDataset(name: string, description: string, audit: AuditEvent): Promise<DatasetRow>
  getDatasetByName(name: string): Promise<DatasetRow | null>
  createProject(project: NewProject, audit: AuditEvent): Promise<ProjectRow>
  getProjectByTitle(title: string): Promise<ProjectRow | null>
  listProjectsForUser(userId: string): Promise<ProjectWithDatasets[]>

  getProject(id: string): Promise<ProjectWithDatasets | null>
  listProjects(): Promise<ProjectRow[]>
  isProjectMember(projectId: string, userId: string): Promise<boolean>
  setDatasetFile(datasetId: string, file: string, audit: AuditEvent): Promise<void>
  listDatasets(): Promise<DatasetRow[]>
  /** The project a dataset is granted to (at most one: its pseudonyms are that project's), or null. */
  getDatasetProject(datasetId: string): Promise<ProjectRow | null>
  updateProject(projectId: string, changes: ProjectChanges, audit: AuditEvent): Promise<ProjectRow>
  /** Adds (`member`) or removes a member; false, with nothing written, when that was so already. */
  setProjectMember(projectId: string, userId: string, member: boolean, audit: AuditEvent): Promise<boolean>
  /** Grants or revokes a dataset; false, with nothing written, when that was so already. */
  setProjectDataset(projectId: string, datasetId: string, granted: boolean, audit: AuditEvent): Promise<boolean>
  listProjectMemberIds(projectId: string): Promise<string[]>

  // sandbox sessions
  /** identifies this gateway's sandboxes on a shared engine; stable across restarts */
  gatewayId(): Promise<string>
  createSandboxSession(row: SandboxSessionRow, audit: AuditEvent): Promise<void>
  /**
   * Moves a session from one of `from` to a new state (and sets the other fields given); false when
   * the session was not in one of `from` any more, so two racing transitions can't both win.
   */
  transitionSandboxSession(
    id: string,
    from: SandboxSessionState[],
    to: Partial<Omit<SandboxSessionRow, 'id' | 'userId' | 'projectId'>> & { state: SandboxSessionState },
    audit: AuditEvent
  ): Promise<boolean>
  getSandboxSession(id: string): Promise<SandboxSessionRow | null>
  listSandboxSessions(filter: { userId?: string; states?: SandboxSessionState[] }): Promise<SandboxSessionRow[]>
  /** Replaces the limits recorded for a session (a policy change applied to it while it runs). */
  updateSandboxSessionLimits(id: string, limits: Record<string, unknown>, audit: AuditEvent): Promise<void>

  // policies
  /** The newest version of every named policy, by name. */
  listPolicies(): Promise<PolicyVersionRow[]>
  /** The newest version of a policy, or the one asked for; null when there is none. */
  getPolicyVersion(name: string, version?: number): Promise<PolicyVersionRow | null>
  /** Every version of a policy, newest first. */
  listPolicyVersions(name: string): Promise<PolicyVersionRow[]>
  /**
   * Adds the next version of a policy if its newest version is still `baseVersion` (0: the policy
   * must not exist yet). Otherwise nothing is written and the newest version's number comes back,
   * so two administrators editing at once can't overwrite each other unawares.
   */
  addPolicyVersion(
    row: NewPolicyVersion,
    baseVersion: number,
    audit: AuditEvent
  ): Promise<{ saved: PolicyVersionRow } | { conflict: number }>
  listProjectPolicies(): Promise<ProjectPolicyRow[]>
  /** Names the policy a project works under; null returns it to the default. */
  setProjectPolicy(projectId: string, policyName: string | null, audit: AuditEvent): Promise<void>

  // airlock: export requests
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
  /** Changes one administrator asked for and a second approves. */
  approvals: PendingChangeStore
  /** Enrolment links: a person sets their own password and authenticator. */
  enrolments: EnrolmentStore
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

  // sign-in
  /**
   * Failed sign-ins since `since` for a username (known or not) from one address, or from an
   * address across usernames: how many, and the last one's time.
   */
  loginFailures(
    by: { username: string; sourceIp: string | null } | { sourceIp: string },
    since: Date
  ): Promise<{ count: number; lastAt: string | null }>
  /** Whether the user signed in from this address since `since`. */
  hasSignedInFrom(userId: string, sourceIp: string, since: Date): Promise<boolean>
  recordLoginFailure(failure: { username: string; sourceIp: string | null }, audit: AuditEvent): Promise<void>
  completeLogin(login: LoginCompletion, audit: AuditEvent): Promise<void>
  getAuthSession(id: string): Promise<AuthSessionRow | null>
  /** A sign-in with its user, in one read: this runs on every authenticated request. */
  getAuthSessionWithUser(id: string): Promise<{ session: AuthSessionRow; user: UserRow } | null>
  getRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null>
  /** Marks the old token used and stores its successor; false if it was already used (a race lost). */
  rotateRefreshToken(oldHash: string, next: RefreshTokenRow, audit: AuditEvent): Promise<boolean>
  revokeAuthSession(sessionId: string, reason: string, audit: AuditEvent): Promise<void>

  // audit
  /** An audit record that goes with no other change (a refused request, a failed check). */
  appendAudit(event: AuditEvent): Promise<AuditRecord>
  auditRecords(): AsyncIterable<AuditRecord>
  auditCheckpoints(): Promise<AuditCheckpoint[]>
  /** Newest first, for tests and the audit console. */
  recentAudit(limit: number): Promise<AuditRecord[]>
  /** The audit console's search: newest first, `limit` at most, older than `beforeSeq` when paging. */
  searchAudit(filter: AuditFilter): Promise<AuditRecord[]>
  /** Records with `from <= ts < to`, in chain order: an auditor's export. */
  auditRange(from: string, to: string): AsyncIterable<AuditRecord>

  close(): void
}

/** What the audit console searches by; every field narrows, none is required. */
export interface AuditFilter {
  /** the acting user's id (or `system`, `cli:<name>`) */
  actor?: string
  /** an action (`export.submit`) or a family of them (`export`) */
  action?: string
  outcome?: AuditRecord['outcome']
  /** records about this project: as their target or naming it in their details */
  project?: string
  /** records about this analysis session: as their target or naming it in their details */
  session?: string
  /** ISO times: from inclusive, to exclusive */
  from?: string
  to?: string
  beforeSeq?: number
  limit: number
}
