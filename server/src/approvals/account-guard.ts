import { InvalidInput } from '../identity/accounts.js'
import type { Actor } from '../identity/administration.js'
import type { Role } from '../schemas/identity.js'
import { type PendingChangeRow, userFingerprint } from '../store/pending-changes.js'
import type { UserRow } from '../store/types.js'
import type { ApprovalDeps } from './approval-service.js'

/**
 * The account as a change to it was asked against: an approval finds it so (its roles, status,
 * organization, name and credentials), or refuses the change with the reason.
 */
export interface UserGuard extends Record<string, unknown> {
  fingerprint: string
  displayName: string
  organizationId: string | null
  roles: Role[]
  status: string
  enrolled: boolean
}

export const guardOf = (u: UserRow): UserGuard => ({
  fingerprint: userFingerprint(u),
  displayName: u.displayName,
  organizationId: u.organizationId,
  roles: [...u.roles].sort(),
  status: u.status,
  enrolled: u.enrolledAt !== null
})

/** Why the account is not as it was when the change was asked, in words; null when it is. */
function moved(username: string, guard: UserGuard, now: UserRow | null): string | null {
  if (now === null) return `the account ${username} no longer exists`
  const roles = [...now.roles].sort()
  if (roles.join(',') !== guard.roles.join(',')) return `${username}'s roles changed since (now: ${roles.join(', ')})`
  if (now.status !== guard.status) return `${username} was ${now.status === 'active' ? 'reinstated' : now.status} since`
  if (now.organizationId !== guard.organizationId) return `${username} moved to another organization since`
  if (now.displayName !== guard.displayName) return `${username}'s display name changed since`
  if (userFingerprint(now) !== guard.fingerprint)
    return `${username}'s credentials changed since (a reset or an enrolment)`
  return null
}

/** The account a request is about, as it was asked against; InvalidInput with why it no longer is. */
export async function unchangedAccount(deps: ApprovalDeps, row: PendingChangeRow): Promise<UserRow> {
  const username = String(row.change.username)
  const now = await deps.store.getUserById(String(row.change.userId))
  const why = moved(username, row.guard as UserGuard, now)
  if (why !== null) throw new InvalidInput(why)
  return now!
}

/** The administrator who asked, as the identity rules weigh an edit (one can't take away one's own role). */
export const requesterOf = (row: PendingChangeRow): Actor => ({
  actor: row.requestedBy,
  sourceIp: null,
  userId: row.requestedBy
})
