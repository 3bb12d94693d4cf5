import { createHash } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import type { EnrolmentRow } from './enrolments.js'
import type { NewUser, UserChanges, UserRow } from './identity.js'
import type { NewPolicyVersion } from './policies.js'

/**
 * Changes one administrator asks for and a second approves (separation of duties): granting or
 * removing the reviewer or administrator role (creating such an account is a grant), resetting a
 * reviewer's or administrator's credentials, and a policy change, or a project's move to another
 * policy, that relaxes a safeguard (approvals/weakening.ts weighs each).
 */
export type PendingKind = 'user.create' | 'user.update' | 'user.credentials_reset' | 'policy.update' | 'project.policy'
export type PendingState = 'pending' | 'approved' | 'refused' | 'withdrawn'

export interface PendingChangeRow {
  id: string
  kind: PendingKind
  /** what it changes (`user:<id>`, `username:<name>`, `policy:<name>`, `project-policy:<id>`): one open request each */
  subject: string
  /** the user, policy or project it changes; null for an account not created yet */
  target: string | null
  /** what exactly, as it will be carried out */
  change: Record<string, unknown>
  /** the state it was asked against; an approval finds it unchanged or refuses */
  guard: Record<string, unknown>
  reason: string
  requestedBy: string
  requestedAt: string
  state: PendingState
  decidedBy: string | null
  decidedAt: string | null
  decisionReason: string | null
}

/**
 * What an approval carries out, in the transaction that records it. Each says what it expects to
 * find, checked inside the transaction: an account as it was asked about (its fingerprint), a
 * policy still at its base version, a project still under the policy it was asked about.
 */
export type ApprovedEffect =
  | { kind: 'user.create'; userId: string; user: NewUser; enrolment: Omit<EnrolmentRow, 'userId'> }
  /** with an enrolment: a role granted, so the account is enrolled again through a new split link */
  | { kind: 'user.update'; userId: string; fingerprint: string; changes: UserChanges; enrolment?: EnrolmentRow }
  | { kind: 'user.credentials_reset'; userId: string; fingerprint: string; enrolment: EnrolmentRow }
  | { kind: 'policy.update'; row: NewPolicyVersion; baseVersion: number }
  | {
      kind: 'project.policy'
      projectId: string
      /** the policy it works under now (null: the default), as asked */
      from: string | null
      to: string | null
      /** the policy `to` stands for (`default` for null), and its newest version when it was asked */
      toName: string
      toVersion: number
    }

export type ApprovalOutcome =
  | { kind: 'approved'; row: PendingChangeRow }
  /** it was approved, refused or withdrawn meanwhile: nothing written */
  | { kind: 'closed'; state: PendingState }
  /** what it was asked against moved on while it was being approved: nothing written */
  | { kind: 'stale'; reason: string }

export interface PendingChangeStore {
  /** Records the request; with another request open for the same subject, nothing is written and its id comes back. */
  create(row: PendingChangeRow, audit: AuditEvent): Promise<{ created: PendingChangeRow } | { conflict: string }>
  get(id: string): Promise<PendingChangeRow | null>
  /** Newest first. */
  list(filter: { states?: PendingState[]; limit: number }): Promise<PendingChangeRow[]>
  /** Refuses or withdraws an open request; false (nothing written) when it was not open any more. */
  close(
    id: string,
    to: { state: 'refused' | 'withdrawn'; by: string; at: string; reason: string | null },
    audit: AuditEvent
  ): Promise<boolean>
  /**
   * Approves an open request and carries it out in one transaction with both audit records: the
   * approval, and the change itself naming who asked and who approved.
   */
  approve(
    id: string,
    by: { userId: string; at: string },
    effect: ApprovedEffect,
    audits: readonly [AuditEvent, AuditEvent]
  ): Promise<ApprovalOutcome>
}

/**
 * What an account change is asked against: its name, organization, roles, status and credentials.
 * The credentials enter only as a digest; a reset or an enrolment meanwhile changes it.
 */
export function userFingerprint(
  u: Pick<
    UserRow,
    'displayName' | 'organizationId' | 'roles' | 'status' | 'passwordHash' | 'totpSecretSealed' | 'enrolledAt'
  >
): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        u.displayName,
        u.organizationId,
        [...u.roles].sort(),
        u.status,
        u.passwordHash,
        u.totpSecretSealed,
        u.enrolledAt
      ])
    )
    .digest('hex')
}

/**
 * An account is no longer as the change to it was checked against (its fingerprint): a write
 * that expects it refuses, writing nothing.
 */
export class AccountChangedMeanwhile extends Error {
  override name = 'AccountChangedMeanwhile'
}
