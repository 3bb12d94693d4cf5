import type { Actor } from '../identity/administration.js'
import type { UserRow } from '../store/types.js'
import type { ApprovalDeps } from './approval-service.js'

/**
 * Who issued the link an account last enrolled with, and when it was used: shown to the approver
 * of a change to the account. A grant of the reviewer or administrator role no longer rests on it
 * (the account is enrolled again through a split link at approval), so it is for information.
 */
export async function enrolledThrough(deps: ApprovalDeps, user: UserRow, by: Actor) {
  const link = await deps.store.enrolments.lastUsed(user.id)
  return link === null ? null : { issuedBy: link.issuedBy, usedAt: link.usedAt, byAsker: link.issuedBy === by.actor }
}
