import { randomUUID } from 'node:crypto'
import { type IssuedHalf, newLinkHalf, newSecondHalf } from '../enrolment/links.js'
import { checkNewAccount, InvalidInput } from '../identity/accounts.js'
import type { Actor } from '../identity/administration.js'
import { type PlannedUserEdit, planUserEdit, type UserEdit } from '../identity/users.js'
import type { Role } from '../schemas/identity.js'
import { type PendingChangeRow, userFingerprint } from '../store/pending-changes.js'
import type { UserRow } from '../store/types.js'
import { guardOf, requesterOf, unchangedAccount } from './account-guard.js'
import { type ApprovalDeps, LINK_HALF_HASH, type Preparer, requestChange } from './approval-service.js'
import { enrolledThrough } from './enrolled.js'
import { privilegedRoleChanges } from './privileged.js'

/**
 * Account changes a second administrator approves: an account created with the reviewer or
 * administrator role, such a role granted or removed, a holder of one moved to another
 * organization, such an account's credentials reset. Whoever holds an account's credentials holds
 * its roles, so an account given the reviewer or administrator role, whether created so or granted
 * it, is enrolled through a link split in two (split knowledge): the asking administrator is shown
 * part 1 when they ask, the approving one part 2 when they approve, so no one administrator ever
 * holds it. A grant takes the account's credentials away at approval (its sign-ins end, every
 * earlier link stops working): whoever enrolled it before, or holds a link for it, has nothing.
 */

export interface NewPrivilegedAccount {
  username: string
  displayName: string
  organizationId: string | null
  roles: Role[]
}

async function organizationName(deps: ApprovalDeps, id: string | null): Promise<string | null> {
  if (id === null) return null
  const org = await deps.store.getOrganization(id)
  if (org === null) throw new InvalidInput('the organization asked for no longer exists')
  return org.name
}

/** A request that comes with part 1 of the enrolment link its approval makes: for the asker alone, shown once. */
export interface AskedWithHalf {
  pending: PendingChangeRow
  half: IssuedHalf
}

/** Asks for an account with the reviewer or administrator role; checked now, and again at approval. */
export async function askPrivilegedAccount(
  deps: ApprovalDeps,
  input: NewPrivilegedAccount,
  reason: string | undefined,
  by: Actor,
  baseUrl: string
): Promise<AskedWithHalf> {
  const organization = await organizationName(deps, input.organizationId)
  const checked = await checkNewAccount(deps.store, { ...input, organization })
  const half = newLinkHalf(baseUrl)
  const pending = await requestChange(
    deps,
    {
      kind: 'user.create',
      subject: `username:${input.username}`,
      target: null,
      change: {
        username: input.username,
        displayName: checked.displayName,
        organizationId: input.organizationId,
        organization,
        roles: checked.roles,
        [LINK_HALF_HASH]: half.hash
      },
      guard: {},
      reason
    },
    by
  )
  return { pending, half: half.issued }
}

/**
 * Asks for an edit that grants or removes a privileged role, or moves a holder of one to another
 * organization (the whole edit waits). A grant comes with part 1 of the link the account is
 * enrolled through again at approval; null for an edit that grants nothing.
 */
export async function askPrivilegedEdit(
  deps: ApprovalDeps,
  plan: PlannedUserEdit,
  edit: UserEdit,
  reason: string | undefined,
  by: Actor,
  baseUrl: string
): Promise<{ pending: PendingChangeRow; half: IssuedHalf | null }> {
  const { username: _u, ...changes } = plan.details
  const moves = privilegedRoleChanges(plan.user.roles, plan.changes.roles ?? plan.user.roles)
  const half = moves.granted.length > 0 ? newLinkHalf(baseUrl) : null
  const pending = await requestChange(
    deps,
    {
      kind: 'user.update',
      subject: `user:${plan.user.id}`,
      target: plan.user.id,
      change: {
        userId: plan.user.id,
        username: plan.user.username,
        edit,
        ...changes,
        ...moves,
        // a grant enrols the account again: its present credentials, whoever set them, stop working
        reenrol: half !== null,
        enrolledThrough: await enrolledThrough(deps, plan.user, by),
        ...(half === null ? {} : { [LINK_HALF_HASH]: half.hash })
      },
      guard: guardOf(plan.user),
      reason
    },
    by
  )
  return { pending, half: half?.issued ?? null }
}

/** Asks for a reset of a reviewer's or administrator's credentials. */
export async function askPrivilegedReset(
  deps: ApprovalDeps,
  user: UserRow,
  reason: string | undefined,
  by: Actor,
  baseUrl: string
): Promise<AskedWithHalf> {
  const half = newLinkHalf(baseUrl)
  const pending = await requestChange(
    deps,
    {
      kind: 'user.credentials_reset',
      subject: `user:${user.id}`,
      target: user.id,
      change: {
        userId: user.id,
        username: user.username,
        roles: user.roles,
        enrolledThrough: await enrolledThrough(deps, user, by),
        [LINK_HALF_HASH]: half.hash
      },
      guard: guardOf(user),
      reason
    },
    by
  )
  return { pending, half: half.issued }
}

/** The hash of part 1 of the link, kept with the request; an approval needs it to make part 2. */
function firstHalfHash(row: PendingChangeRow): string {
  const hash = row.change[LINK_HALF_HASH]
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new InvalidInput('it was asked for before enrolment links were split in two; ask again')
  }
  return hash
}

export const prepareAccountCreation: Preparer = async (deps, row, by, { baseUrl, approval }) => {
  const c = row.change as unknown as NewPrivilegedAccount & { organization: string | null }
  const organization = await organizationName(deps, c.organizationId)
  const checked = await checkNewAccount(deps.store, { ...c, organization })
  const userId = randomUUID()
  const { row: enrolment, issued } = newSecondHalf(firstHalfHash(row), userId, 'account', by.actor, deps.now(), baseUrl)
  return {
    effect: {
      kind: 'user.create',
      userId,
      user: {
        username: c.username,
        displayName: checked.displayName,
        organizationId: c.organizationId,
        roles: checked.roles,
        passwordHash: '',
        totpSecretSealed: ''
      },
      enrolment
    },
    audit: {
      actor: by.actor,
      action: 'user.create',
      sourceIp: by.sourceIp,
      target: userId,
      outcome: 'success',
      details: {
        username: c.username,
        roles: checked.roles,
        organization,
        enrolmentExpiresAt: issued.expiresAt,
        enrolmentSplit: true,
        approval
      }
    },
    enrolment: issued
  }
}

export const prepareRoleChange: Preparer = async (deps, row, by, { baseUrl, approval }) => {
  const user = await unchangedAccount(deps, row)
  // the rules are asked again as they stand now (roles that exclude each other, the last administrator, projects)
  const plan = await planUserEdit(deps.store, user.id, row.change.edit as UserEdit, requesterOf(row))
  if (plan === null) throw new InvalidInput(`it would change nothing of ${user.username} now`)
  const granted = privilegedRoleChanges(user.roles, plan.changes.roles ?? user.roles).granted.length > 0
  // a grant: the account is enrolled again, through a link whose part 1 the asker holds and part 2 the approver
  const link = granted ? newSecondHalf(firstHalfHash(row), user.id, 'reset', by.actor, deps.now(), baseUrl) : null
  return {
    effect: {
      kind: 'user.update',
      userId: user.id,
      fingerprint: userFingerprint(user),
      changes: plan.changes,
      ...(link === null ? {} : { enrolment: link.row })
    },
    audit: {
      actor: by.actor,
      action: 'user.update',
      sourceIp: by.sourceIp,
      target: user.id,
      outcome: 'success',
      details: {
        ...plan.details,
        ...(link === null
          ? {}
          : { reenrolment: { signInsEnded: true, enrolmentExpiresAt: link.issued.expiresAt, enrolmentSplit: true } }),
        approval
      }
    },
    enrolment: link?.issued ?? null
  }
}

export const prepareCredentialsReset: Preparer = async (deps, row, by, { baseUrl, approval }) => {
  const user = await unchangedAccount(deps, row)
  const { row: enrolment, issued } = newSecondHalf(firstHalfHash(row), user.id, 'reset', by.actor, deps.now(), baseUrl)
  return {
    effect: { kind: 'user.credentials_reset', userId: user.id, fingerprint: userFingerprint(user), enrolment },
    audit: {
      actor: by.actor,
      action: 'user.credentials_reset',
      sourceIp: by.sourceIp,
      target: user.id,
      outcome: 'success',
      details: {
        username: user.username,
        signInsEnded: true,
        enrolmentExpiresAt: issued.expiresAt,
        enrolmentSplit: true,
        approval
      }
    },
    enrolment: issued
  }
}
