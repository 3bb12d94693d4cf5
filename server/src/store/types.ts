import type { AirlockRequestStore } from './airlock.js'
import type { AuditStore } from './audit-log.js'
import type { EnrolmentStore } from './enrolments.js'
import type { IdentityStore } from './identity.js'
import type { PendingChangeStore } from './pending-changes.js'
import type { PolicyStore } from './policies.js'
import type { ProjectStore } from './projects.js'
import type { SandboxSessionStore } from './sandbox-sessions.js'

export type {
  AirlockFileRow,
  AirlockRequestDetail,
  AirlockRequestRow,
  AirlockRequestStore,
  AirlockState,
  CellExportRow,
  CheckOutcome,
  ReviewDecision
} from './airlock.js'
export type { AuditFilter, AuditStore } from './audit-log.js'
export type {
  AccountStore,
  AuthSessionRow,
  CertificationRow,
  IdentityStore,
  LoginCompletion,
  NewUser,
  OrganizationRow,
  RefreshTokenRow,
  SignInStore,
  UserChanges,
  UserRow
} from './identity.js'
export type { NewPolicyVersion, PolicyStore, PolicyVersionRow, ProjectPolicyRow } from './policies.js'
export type {
  DatasetRow,
  NewProject,
  ProjectChanges,
  ProjectRow,
  ProjectStore,
  ProjectWithDatasets
} from './projects.js'
export type { SandboxSessionRow, SandboxSessionState, SandboxSessionStore } from './sandbox-sessions.js'

/**
 * The state store seam: one store per aggregate, each in its own module beside this one, and
 * together the store the gateway runs on. SQLite is the embedded default; PostgreSQL can implement
 * the same contract, aggregate by aggregate, when several gateways share state (the suites in
 * contract/ prove each aggregate).
 *
 * Every mutation takes the audit event that records it and writes both in one transaction: if the
 * audit record cannot be written, the mutation does not happen, and no caller can forget to audit.
 */
export interface Store
  extends IdentityStore, ProjectStore, SandboxSessionStore, AirlockRequestStore, PolicyStore, AuditStore {
  /** Changes one administrator asked for and a second approves. */
  approvals: PendingChangeStore
  /** Enrolment links: a person sets their own password and authenticator. */
  enrolments: EnrolmentStore

  close(): void
}
