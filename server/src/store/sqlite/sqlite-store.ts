import type Database from 'better-sqlite3'
import type { Store } from '../types.js'
import { SqliteAirlockRequestStore } from './airlock-request-store.js'
import type { SqliteAirlockStore } from './airlock-store.js'
import { SqliteAuditStore } from './audit-store.js'
import { SqliteCore, type SqliteStoreOptions } from './core.js'
import { SqliteEnrolmentStore } from './enrolment-store.js'
import { SqliteAccountStore } from './identity-store.js'
import { SqlitePendingChangeStore } from './pending-change-store.js'
import { SqlitePolicyStore } from './policy-store.js'
import { SqliteProjectStore } from './project-store.js'
import { SqliteSandboxSessionStore } from './session-store.js'
import { SqliteSignInStore } from './sign-in-store.js'

export { CHECKPOINT_EVERY, type SqliteStoreOptions } from './core.js'
export { CredentialsWithdrawn, TotpReplayError } from '../identity.js'

/**
 * The state store on SQLite (better-sqlite3, WAL): one store per aggregate, each in its own module
 * here, over one database and one `audited()` transaction (core.ts), so a change that touches two
 * aggregates (an approval that creates an account) still commits with its audit records or not at
 * all. The store answers for every aggregate by handing each call to the aggregate's store.
 */
export class SqliteStore implements Store {
  readonly db: Database.Database
  readonly airlock: SqliteAirlockStore
  readonly approvals: SqlitePendingChangeStore
  readonly enrolments: SqliteEnrolmentStore
  private readonly core: SqliteCore
  private readonly accounts: SqliteAccountStore
  private readonly signIns: SqliteSignInStore
  private readonly projects: SqliteProjectStore
  private readonly sessions: SqliteSandboxSessionStore
  private readonly requests: SqliteAirlockRequestStore
  private readonly policies: SqlitePolicyStore
  private readonly audit: SqliteAuditStore

  constructor(options: SqliteStoreOptions) {
    this.core = new SqliteCore(options)
    this.db = this.core.db
    this.accounts = new SqliteAccountStore(this.core)
    this.signIns = new SqliteSignInStore(this.core)
    this.projects = new SqliteProjectStore(this.core)
    this.sessions = new SqliteSandboxSessionStore(this.core)
    this.requests = new SqliteAirlockRequestStore(this.core)
    this.airlock = this.requests.airlock
    this.policies = new SqlitePolicyStore(this.core)
    this.audit = new SqliteAuditStore(this.core)
    this.enrolments = new SqliteEnrolmentStore(this.core)
    // an approval carries out the change it approves in its own transaction, with these writes
    this.approvals = new SqlitePendingChangeStore(this.core, {
      insertUser: (id, user, enrolment) => this.accounts.insertUserInTx(id, user, enrolment),
      updateUser: (userId, changes) => this.accounts.updateUserInTx(userId, changes),
      resetCredentials: (userId, enrolment) => this.accounts.resetCredentialsInTx(userId, enrolment),
      insertPolicyVersion: (row, baseVersion) => this.policies.insertPolicyVersionInTx(row, baseVersion),
      setProjectPolicy: (projectId, policyName) => this.policies.setProjectPolicyInTx(projectId, policyName)
    })
  }

  // identity: organizations, certifications, accounts (identity-store.ts)
  readonly createOrganization: Store['createOrganization'] = (...a) => this.accounts.createOrganization(...a)
  readonly getOrganization: Store['getOrganization'] = (...a) => this.accounts.getOrganization(...a)
  readonly getOrganizationByName: Store['getOrganizationByName'] = (...a) => this.accounts.getOrganizationByName(...a)
  readonly listOrganizations: Store['listOrganizations'] = (...a) => this.accounts.listOrganizations(...a)
  readonly setCertification: Store['setCertification'] = (...a) => this.accounts.setCertification(...a)
  readonly getCertification: Store['getCertification'] = (...a) => this.accounts.getCertification(...a)
  readonly renameOrganization: Store['renameOrganization'] = (...a) => this.accounts.renameOrganization(...a)
  readonly setOrganizationStatus: Store['setOrganizationStatus'] = (...a) => this.accounts.setOrganizationStatus(...a)
  readonly createUser: Store['createUser'] = (...a) => this.accounts.createUser(...a)
  readonly getUserById: Store['getUserById'] = (...a) => this.accounts.getUserById(...a)
  readonly getUserByUsername: Store['getUserByUsername'] = (...a) => this.accounts.getUserByUsername(...a)
  readonly listUsers: Store['listUsers'] = (...a) => this.accounts.listUsers(...a)
  readonly setUserStatus: Store['setUserStatus'] = (...a) => this.accounts.setUserStatus(...a)
  readonly updateUser: Store['updateUser'] = (...a) => this.accounts.updateUser(...a)
  readonly resetUserCredentials: Store['resetUserCredentials'] = (...a) => this.accounts.resetUserCredentials(...a)
  readonly listOrganizationMembers: Store['listOrganizationMembers'] = (...a) =>
    this.accounts.listOrganizationMembers(...a)

  // identity: sign-ins (sign-in-store.ts)
  readonly loginFailures: Store['loginFailures'] = (...a) => this.signIns.loginFailures(...a)
  readonly hasSignedInFrom: Store['hasSignedInFrom'] = (...a) => this.signIns.hasSignedInFrom(...a)
  readonly recordLoginFailure: Store['recordLoginFailure'] = (...a) => this.signIns.recordLoginFailure(...a)
  readonly completeLogin: Store['completeLogin'] = (...a) => this.signIns.completeLogin(...a)
  readonly getAuthSession: Store['getAuthSession'] = (...a) => this.signIns.getAuthSession(...a)
  readonly getAuthSessionWithUser: Store['getAuthSessionWithUser'] = (...a) => this.signIns.getAuthSessionWithUser(...a)
  readonly getRefreshToken: Store['getRefreshToken'] = (...a) => this.signIns.getRefreshToken(...a)
  readonly rotateRefreshToken: Store['rotateRefreshToken'] = (...a) => this.signIns.rotateRefreshToken(...a)
  readonly revokeAuthSession: Store['revokeAuthSession'] = (...a) => this.signIns.revokeAuthSession(...a)

  // projects and datasets (project-store.ts)
  readonly createDataset: Store['createDataset'] = (...a) => this.projects.createDataset(...a)
  readonly getDatasetByName: Store['getDatasetByName'] = (...a) => this.projects.getDatasetByName(...a)
  readonly setDatasetFile: Store['setDatasetFile'] = (...a) => this.projects.setDatasetFile(...a)
  readonly listDatasets: Store['listDatasets'] = (...a) => this.projects.listDatasets(...a)
  readonly getDatasetProject: Store['getDatasetProject'] = (...a) => this.projects.getDatasetProject(...a)
  readonly createProject: Store['createProject'] = (...a) => this.projects.createProject(...a)
  readonly getProjectByTitle: Store['getProjectByTitle'] = (...a) => this.projects.getProjectByTitle(...a)
  readonly listProjectsForUser: Store['listProjectsForUser'] = (...a) => this.projects.listProjectsForUser(...a)
  readonly getProject: Store['getProject'] = (...a) => this.projects.getProject(...a)
  readonly listProjects: Store['listProjects'] = (...a) => this.projects.listProjects(...a)
  readonly isProjectMember: Store['isProjectMember'] = (...a) => this.projects.isProjectMember(...a)
  readonly updateProject: Store['updateProject'] = (...a) => this.projects.updateProject(...a)
  readonly setProjectMember: Store['setProjectMember'] = (...a) => this.projects.setProjectMember(...a)
  readonly setProjectDataset: Store['setProjectDataset'] = (...a) => this.projects.setProjectDataset(...a)
  readonly listProjectMemberIds: Store['listProjectMemberIds'] = (...a) => this.projects.listProjectMemberIds(...a)

  // sandbox sessions (session-store.ts)
  readonly gatewayId: Store['gatewayId'] = (...a) => this.sessions.gatewayId(...a)
  readonly createSandboxSession: Store['createSandboxSession'] = (...a) => this.sessions.createSandboxSession(...a)
  readonly transitionSandboxSession: Store['transitionSandboxSession'] = (...a) =>
    this.sessions.transitionSandboxSession(...a)
  readonly getSandboxSession: Store['getSandboxSession'] = (...a) => this.sessions.getSandboxSession(...a)
  readonly listSandboxSessions: Store['listSandboxSessions'] = (...a) => this.sessions.listSandboxSessions(...a)
  readonly updateSandboxSessionLimits: Store['updateSandboxSessionLimits'] = (...a) =>
    this.sessions.updateSandboxSessionLimits(...a)

  // airlock requests and cell exports (airlock-request-store.ts; the review moves are `airlock`)
  readonly recordCellExport: Store['recordCellExport'] = (...a) => this.requests.recordCellExport(...a)
  readonly findCellExport: Store['findCellExport'] = (...a) => this.requests.findCellExport(...a)
  readonly cellExportSourceBytes: Store['cellExportSourceBytes'] = (...a) => this.requests.cellExportSourceBytes(...a)
  readonly getAirlockRequest: Store['getAirlockRequest'] = (...a) => this.requests.getAirlockRequest(...a)
  readonly listAirlockRequests: Store['listAirlockRequests'] = (...a) => this.requests.listAirlockRequests(...a)
  readonly isDigestReferenced: Store['isDigestReferenced'] = (...a) => this.requests.isDigestReferenced(...a)
  readonly quarantineHoldings: Store['quarantineHoldings'] = (...a) => this.requests.quarantineHoldings(...a)
  readonly listReleasedFiles: Store['listReleasedFiles'] = (...a) => this.requests.listReleasedFiles(...a)

  // policies (policy-store.ts)
  readonly listPolicies: Store['listPolicies'] = (...a) => this.policies.listPolicies(...a)
  readonly getPolicyVersion: Store['getPolicyVersion'] = (...a) => this.policies.getPolicyVersion(...a)
  readonly listPolicyVersions: Store['listPolicyVersions'] = (...a) => this.policies.listPolicyVersions(...a)
  readonly addPolicyVersion: Store['addPolicyVersion'] = (...a) => this.policies.addPolicyVersion(...a)
  readonly listProjectPolicies: Store['listProjectPolicies'] = (...a) => this.policies.listProjectPolicies(...a)
  readonly setProjectPolicy: Store['setProjectPolicy'] = (...a) => this.policies.setProjectPolicy(...a)

  // the audit log (audit-store.ts)
  readonly appendAudit: Store['appendAudit'] = (...a) => this.audit.appendAudit(...a)
  readonly auditRecords: Store['auditRecords'] = (...a) => this.audit.auditRecords(...a)
  readonly auditCheckpoints: Store['auditCheckpoints'] = (...a) => this.audit.auditCheckpoints(...a)
  readonly recentAudit: Store['recentAudit'] = (...a) => this.audit.recentAudit(...a)
  readonly searchAudit: Store['searchAudit'] = (...a) => this.audit.searchAudit(...a)
  readonly auditRange: Store['auditRange'] = (...a) => this.audit.auditRange(...a)

  close(): void {
    this.core.close()
  }
}
