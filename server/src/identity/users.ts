import { editNeedsApproval, holdsPrivilegedRole } from '../approvals/privileged.js'
import { type IssuedEnrolment, newEnrolment } from '../enrolment/links.js'
import type { Role } from '../schemas/identity.js'
import { AccountChangedMeanwhile, userFingerprint } from '../store/pending-changes.js'
import type { Store, UserChanges, UserRow } from '../store/types.js'
import { checkName, checkRoles, ConflictingInput, InvalidInput } from './accounts.js'
import { type Actor, existingOrganization, existingUser, reasonOf } from './administration.js'

/**
 * What administrators change of an account: its name, roles and organization, its suspension,
 * its credentials. An edit is planned first (checked, nothing written) so the caller can tell
 * whether it waits for a second administrator (approvals/); what one administrator makes alone is
 * written expecting the account as it was planned on, so a change that raced in meanwhile (a role
 * granted by an approval, say) refuses it rather than slipping past that check.
 */

/** The store refused a write because the account changed since it was checked: said in words. */
async function expecting<T>(u: UserRow, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (err instanceof AccountChangedMeanwhile) {
      throw new ConflictingInput(`${u.username}'s account changed meanwhile; look at it again, then retry`)
    }
    throw err
  }
}

/** Refuses a change that would leave no active administrator able to sign in. */
async function keepAnAdmin(store: Store, changing: UserRow, stillAdmin: boolean): Promise<void> {
  if (stillAdmin || !changing.roles.includes('admin') || changing.status !== 'active') return
  const others = (await store.listUsers()).filter(
    (u) => u.id !== changing.id && u.status === 'active' && u.roles.includes('admin')
  )
  if (others.length === 0) throw new ConflictingInput('this is the last active administrator; appoint another first')
}

export interface UserEdit {
  displayName?: string
  roles?: Role[]
  /** an organization id, or null for none */
  organizationId?: string | null
}

/** An edit checked against the rules and the account as it is: what would change, and the audit's account of it. */
export interface PlannedUserEdit {
  user: UserRow
  changes: UserChanges
  details: Record<string, unknown>
}

/** Checks an edit; null when it would change nothing. Writes nothing. */
export async function planUserEdit(
  store: Store,
  id: string,
  edit: UserEdit,
  by: Actor
): Promise<PlannedUserEdit | null> {
  const u = await existingUser(store, id)
  const changes: UserChanges = {}
  if (edit.displayName !== undefined) {
    const name = checkName('a display name', edit.displayName)
    if (name !== u.displayName) changes.displayName = name
  }
  if (edit.roles !== undefined) {
    const roles = checkRoles(edit.roles)
    if ([...roles].sort().join(',') !== [...u.roles].sort().join(',')) changes.roles = roles
  }
  let organizationName: string | null | undefined
  if (edit.organizationId !== undefined && edit.organizationId !== u.organizationId) {
    const org = edit.organizationId === null ? null : await existingOrganization(store, edit.organizationId)
    // its members' sign-ins ended when it was suspended: one moved in would keep theirs
    if (org !== null && org.status === 'suspended') {
      throw new ConflictingInput(`${org.name} is suspended; reinstate it before moving anyone into it`)
    }
    organizationName = org === null ? null : org.name
    changes.organizationId = edit.organizationId
  }
  if (Object.keys(changes).length === 0) return null
  const roles = changes.roles ?? u.roles
  const organizationId = changes.organizationId !== undefined ? changes.organizationId : u.organizationId
  if (roles.includes('researcher') && organizationId === null) {
    throw new InvalidInput(
      'a researcher must belong to an organization (its Type II certification is what lets them work)'
    )
  }
  if (by.userId === id && changes.roles !== undefined && !roles.includes('admin')) {
    throw new ConflictingInput('you cannot remove your own administrator role')
  }
  await keepAnAdmin(store, u, roles.includes('admin'))
  if (!roles.includes('researcher') && u.roles.includes('researcher')) {
    const memberOf = (await store.listProjectsForUser(id)).map((p) => p.title)
    if (memberOf.length > 0) {
      throw new ConflictingInput(
        `${u.username} is a member of ${memberOf.join(', ')}; remove them from those projects before taking the researcher role away`
      )
    }
  }
  return {
    user: u,
    changes,
    details: {
      username: u.username,
      ...(changes.displayName !== undefined ? { displayName: { from: u.displayName, to: changes.displayName } } : {}),
      ...(changes.roles !== undefined ? { roles: { from: u.roles, to: changes.roles } } : {}),
      ...(organizationName !== undefined
        ? { organization: { from: u.organizationId, to: changes.organizationId, name: organizationName } }
        : {})
    }
  }
}

/**
 * Makes a planned edit that needs no second administrator; one that does is refused (ask for it
 * through approvals/). Written only if the account is still as it was planned on.
 */
export async function editUser(store: Store, plan: PlannedUserEdit, by: Actor): Promise<UserRow> {
  if (editNeedsApproval(plan.user, plan.changes)) {
    throw new ConflictingInput(`this change of ${plan.user.username} needs a second administrator's approval`)
  }
  return expecting(plan.user, () =>
    store.updateUser(
      plan.user.id,
      plan.changes,
      {
        actor: by.actor,
        sourceIp: by.sourceIp,
        action: 'user.update',
        target: plan.user.id,
        outcome: 'success',
        details: plan.details
      },
      userFingerprint(plan.user)
    )
  )
}

/** Suspends (revoking every sign-in in the same transaction) or reinstates an account. */
export async function setUserSuspended(
  store: Store,
  id: string,
  suspended: boolean,
  reason: string | undefined,
  by: Actor
): Promise<UserRow> {
  const u = await existingUser(store, id)
  const why = reasonOf(reason)
  const status = suspended ? 'suspended' : 'active'
  if (u.status === status) {
    throw new ConflictingInput(`${u.username} is ${suspended ? 'already suspended' : 'not suspended'}`)
  }
  if (suspended && by.userId === id) throw new ConflictingInput('you cannot suspend your own account')
  if (suspended) await keepAnAdmin(store, u, false)
  await store.setUserStatus(id, status, {
    actor: by.actor,
    sourceIp: by.sourceIp,
    action: suspended ? 'user.suspend' : 'user.reinstate',
    target: id,
    outcome: 'success',
    details: { username: u.username, roles: u.roles, reason: why }
  })
  return { ...u, status }
}

/**
 * For a person who lost their password or authenticator: their credentials are taken away (every
 * sign-in ends at once) and a single-use enrolment link is issued with which they set new ones.
 * Nobody but the person learns them. The link goes to whoever may hand it on: so a reviewer's or
 * administrator's reset is refused here (it waits for a second administrator, approvals/), and the
 * reset is written only if the account is still `u` as checked.
 */
export async function resetCredentials(
  store: Store,
  u: UserRow,
  by: Actor,
  issue: { at: Date; baseUrl: string }
): Promise<{ user: UserRow; enrolment: IssuedEnrolment }> {
  if (holdsPrivilegedRole(u.roles)) {
    throw new ConflictingInput(`resetting ${u.username}'s credentials needs a second administrator's approval`)
  }
  const { row, link } = newEnrolment(u.id, 'reset', by.actor, issue.at, issue.baseUrl)
  await expecting(u, () =>
    store.resetUserCredentials(
      u.id,
      row,
      {
        actor: by.actor,
        sourceIp: by.sourceIp,
        action: 'user.credentials_reset',
        target: u.id,
        outcome: 'success',
        details: { username: u.username, signInsEnded: true, enrolmentExpiresAt: link.expiresAt }
      },
      userFingerprint(u)
    )
  )
  return { user: (await store.getUserById(u.id))!, enrolment: link }
}
