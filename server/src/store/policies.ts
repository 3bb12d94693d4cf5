import type { AuditEvent } from '../audit/record.js'

/** The policy aggregate: every version of every named policy, and which projects work under which. */

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

export interface PolicyStore {
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
}
