import type { AdminOrganization, AdminUser } from '../schemas/admin-identity.js'
import { LIVE_STATES } from '../sessions/transitions.js'
import type { PendingChangeRow } from '../store/pending-changes.js'
import type { OrganizationRow, Store, UserRow } from '../store/types.js'
import { certificationView } from './eligibility.js'

/** An organization as the console shows it: its certification as of today, and how many belong to it. */
export async function organizationView(store: Store, today: string, org: OrganizationRow): Promise<AdminOrganization> {
  const cert = await store.getCertification(org.id)
  return {
    id: org.id,
    name: org.name,
    status: org.status,
    certification: cert === null ? null : certificationView(cert, today),
    members: (await store.listOrganizationMembers(org.id)).length,
    createdAt: org.createdAt
  }
}

/** The pending changes an account view looks in for one waiting on it; one read serves a whole list. */
export const pendingChanges = (store: Store) => store.approvals.list({ states: ['pending'], limit: 200 })

/** An account as the console shows it: its organization, a change waiting on it, its live sessions. */
export async function userView(store: Store, user: UserRow, pending?: PendingChangeRow[]): Promise<AdminUser> {
  const org = user.organizationId === null ? null : await store.getOrganization(user.organizationId)
  const waiting = (pending ?? (await pendingChanges(store))).find((p) => p.subject === `user:${user.id}`)
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    status: user.status,
    organization: org === null ? null : { id: org.id, name: org.name, status: org.status },
    enrolledAt: user.enrolledAt,
    pendingChange: waiting === undefined ? null : { id: waiting.id, kind: waiting.kind },
    liveSessions: (await store.listSandboxSessions({ userId: user.id, states: LIVE_STATES })).length,
    createdAt: user.createdAt
  }
}
