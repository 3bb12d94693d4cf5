import type { AuditEvent } from '../audit/record.js'
import type { CertificationStatus, OrganizationStatus, Role, UserStatus } from '../schemas/identity.js'
import type { EnrolmentRow } from './enrolments.js'

/**
 * The identity aggregate: organizations and their certifications, user accounts, and sign-ins
 * (auth sessions, refresh tokens, failed attempts).
 */

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

export interface NewUser {
  username: string
  displayName: string
  organizationId: string | null
  roles: Role[]
  passwordHash: string
  totpSecretSealed: string
}

/** What an administrator may change of an account (the username never changes: the audit names it). */
export interface UserChanges {
  displayName?: string
  roles?: Role[]
  organizationId?: string | null
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

export interface LoginCompletion {
  userId: string
  /** the password hash the sign-in was checked against: a reset or a change meanwhile refuses it */
  passwordHash: string
  totpStep: number
  session: AuthSessionRow
  refresh: RefreshTokenRow
}

/** Organizations, their certifications and the accounts of their members. */
export interface AccountStore {
  createOrganization(name: string, audit: AuditEvent): Promise<OrganizationRow>
  getOrganization(id: string): Promise<OrganizationRow | null>
  getOrganizationByName(name: string): Promise<OrganizationRow | null>
  listOrganizations(): Promise<OrganizationRow[]>
  setCertification(cert: Omit<CertificationRow, 'id'>, audit: AuditEvent): Promise<CertificationRow>
  getCertification(organizationId: string): Promise<CertificationRow | null>
  renameOrganization(organizationId: string, name: string, audit: AuditEvent): Promise<void>
  /** Suspending also revokes every sign-in of the organization's members in the same transaction. */
  setOrganizationStatus(organizationId: string, status: OrganizationStatus, audit: AuditEvent): Promise<void>

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
}

/** Sign-ins: failed attempts, auth sessions and their refresh tokens. */
export interface SignInStore {
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
  /**
   * Refuses with TotpReplayError when the code's step was used meanwhile, and with
   * CredentialsWithdrawn when the credentials were replaced meanwhile: nothing is written.
   */
  completeLogin(login: LoginCompletion, audit: AuditEvent): Promise<void>
  getAuthSession(id: string): Promise<AuthSessionRow | null>
  /** A sign-in with its user, in one read: this runs on every authenticated request. */
  getAuthSessionWithUser(id: string): Promise<{ session: AuthSessionRow; user: UserRow } | null>
  getRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null>
  /** Marks the old token used and stores its successor; false if it was already used (a race lost). */
  rotateRefreshToken(oldHash: string, next: RefreshTokenRow, audit: AuditEvent): Promise<boolean>
  revokeAuthSession(sessionId: string, reason: string, audit: AuditEvent): Promise<void>
}

export interface IdentityStore extends AccountStore, SignInStore {}

/** Two sign-ins raced with the same TOTP code; the loser is refused. */
export class TotpReplayError extends Error {
  override name = 'TotpReplayError'
}

/** The account's credentials were reset while a sign-in with the old ones was being completed. */
export class CredentialsWithdrawn extends Error {
  override name = 'CredentialsWithdrawn'
}
