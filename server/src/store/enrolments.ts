import type { AuditEvent } from '../audit/record.js'

/** Why a link was issued: a new account, or a reset of someone's credentials. */
export type EnrolmentPurpose = 'account' | 'reset'

/**
 * A single-use enrolment link, by the SHA-256 of its token (the token itself is never stored):
 * the person opens it, is shown a fresh authenticator seed, sets their own password and confirms
 * the seed with a code. Until then the account has no credentials and cannot sign in.
 */
export interface EnrolmentRow {
  tokenHash: string
  userId: string
  purpose: EnrolmentPurpose
  /** who issued it: an administrator's id, `cli:<name>` */
  issuedBy: string
  createdAt: string
  expiresAt: string
  /** the seed shown when the link was last opened, sealed; null until it is opened */
  totpSecretSealed: string | null
  usedAt: string | null
  /** replaced by a newer link for the same person */
  revokedAt: string | null
}

/** What the person chose: their password (hashed) and the seed they confirmed, with the code's time step. */
export interface EnrolledCredentials {
  passwordHash: string
  totpSecretSealed: string
  totpStep: number
}

export interface EnrolmentStore {
  get(tokenHash: string): Promise<EnrolmentRow | null>
  /** The link the person last enrolled with, if any: who issued it tells an approver whom the account answers to. */
  lastUsed(userId: string): Promise<EnrolmentRow | null>
  /**
   * Keeps the seed shown at this opening of the link; a later opening replaces it, so only the
   * seed shown last can be confirmed. False (nothing written) when the link is no longer usable.
   */
  open(tokenHash: string, totpSecretSealed: string, at: string, audit: AuditEvent): Promise<boolean>
  /**
   * Gives the account the person's own credentials and uses the link up, in one transaction.
   * False (nothing written) when the link was used, replaced or expired meanwhile.
   */
  complete(tokenHash: string, credentials: EnrolledCredentials, at: string, audit: AuditEvent): Promise<boolean>
  /**
   * A signed-in person replaces their own credentials, in one transaction: only if they are still
   * those checked (`expected`) and the current code's step is still unused; the account counts as
   * enrolled from `at`; every other sign-in of theirs ends and every link not used yet stops
   * working. False (nothing written) when the credentials or the step moved meanwhile.
   */
  changeOwn(change: OwnCredentialsChange, at: string, audit: AuditEvent): Promise<{ signInsEnded: number } | null>
}

/** What a person's change of their own credentials writes, and what it expects to find. */
export interface OwnCredentialsChange {
  userId: string
  /** the password hash their current password was checked against */
  expected: string
  /** the step of the current code they proved themselves with: it must still be unused */
  currentStep: number
  /** the sign-in they made the change from, which stays */
  keepSession: string
  credentials: EnrolledCredentials
}
