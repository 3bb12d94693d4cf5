import type { Actor } from '../identity/administration.js'
import type { PendingKind } from '../store/pending-changes.js'
import {
  type ApprovalDeps,
  approveChange as approve,
  type Preparer,
  refuseChange,
  requestChange,
  withdrawChange
} from './approval-service.js'
import { askPolicyVersion, askProjectPolicy, preparePolicyVersion, prepareProjectPolicy } from './policy-changes.js'
import { editNeedsApproval, holdsPrivilegedRole, privilegedRoleChanges } from './privileged.js'
import {
  askPrivilegedAccount,
  askPrivilegedEdit,
  askPrivilegedReset,
  prepareAccountCreation,
  prepareCredentialsReset,
  prepareRoleChange
} from './user-changes.js'
import { policyWeakenings } from './weakening.js'

/** How each kind of change is checked again and carried out when a second administrator approves it. */
const PREPARERS: Record<PendingKind, Preparer> = {
  'user.create': prepareAccountCreation,
  'user.update': prepareRoleChange,
  'user.credentials_reset': prepareCredentialsReset,
  'policy.update': preparePolicyVersion,
  'project.policy': prepareProjectPolicy
}

/** A second administrator approves a pending change; see approval-service.ts. */
export function approveChange(deps: ApprovalDeps, id: string, by: Actor, baseUrl: string) {
  return approve(deps, PREPARERS, id, by, baseUrl)
}

export {
  type ApprovalDeps,
  askPolicyVersion,
  askPrivilegedAccount,
  askPrivilegedEdit,
  askPrivilegedReset,
  askProjectPolicy,
  editNeedsApproval,
  holdsPrivilegedRole,
  policyWeakenings,
  privilegedRoleChanges,
  refuseChange,
  requestChange,
  withdrawChange
}
