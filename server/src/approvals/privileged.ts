import type { Role } from '../schemas/identity.js'
import type { UserChanges } from '../store/types.js'

/**
 * Roles whose holders can release data (reviewers) or appoint those who can (administrators):
 * granting or removing one, moving a holder to another organization, and resetting a holder's
 * credentials, needs a second administrator.
 */
export const PRIVILEGED_ROLES: readonly Role[] = ['reviewer', 'admin']

export const holdsPrivilegedRole = (roles: readonly Role[]): boolean => roles.some((r) => PRIVILEGED_ROLES.includes(r))

/** The privileged roles a change of roles grants and removes; both empty: one administrator may make it. */
export function privilegedRoleChanges(
  from: readonly Role[],
  to: readonly Role[]
): { granted: Role[]; removed: Role[] } {
  return {
    granted: PRIVILEGED_ROLES.filter((r) => to.includes(r) && !from.includes(r)),
    removed: PRIVILEGED_ROLES.filter((r) => from.includes(r) && !to.includes(r))
  }
}

/**
 * Whether an edit of an account waits for a second administrator: it grants or removes the
 * reviewer or administrator role, or moves a holder of either to another organization (whose
 * members' requests a reviewer may then vote on, or no longer).
 */
export function editNeedsApproval(from: { roles: readonly Role[] }, changes: UserChanges): boolean {
  const to = changes.roles ?? from.roles
  const { granted, removed } = privilegedRoleChanges(from.roles, to)
  if (granted.length + removed.length > 0) return true
  return changes.organizationId !== undefined && (holdsPrivilegedRole(from.roles) || holdsPrivilegedRole(to))
}

/**
 * A reviewer or administrator who has not set their own credentials: theirs were handed out by
 * an administrator before enrolment links (who knows them). They may sign in, but not review or
 * administer, until they change them (POST /api/v1/me/credentials).
 */
export const mustChangeCredentials = (user: { roles: readonly Role[]; enrolledAt: string | null }): boolean =>
  holdsPrivilegedRole(user.roles) && user.enrolledAt === null
