import {
  type ApprovalDeps,
  askPrivilegedAccount,
  askPrivilegedEdit,
  askPrivilegedReset,
  editNeedsApproval,
  holdsPrivilegedRole
} from '../approvals/index.js'
import { pendingView } from '../approvals/pending-view.js'
import type { IssuedEnrolment, IssuedHalf } from '../enrolment/links.js'
import type { AdminOrganization, AdminUser } from '../schemas/admin-identity.js'
import type { PendingChangeView } from '../schemas/approvals.js'
import type { Role } from '../schemas/identity.js'
import type { PendingChangeRow } from '../store/pending-changes.js'
import type { Store } from '../store/types.js'
import { createAccountToEnrol, createOrganization, InvalidInput, NotFoundInput } from './accounts.js'
import { administered, type EnforceNow } from './administered.js'
import {
  type Actor,
  type CertificationInput,
  existingOrganization,
  renameOrganization,
  setCertification,
  setOrganizationSuspended
} from './administration.js'
import { dayIn } from './calendar.js'
import { organizationView, pendingChanges, userView } from './people-views.js'
import { editUser, planUserEdit, resetCredentials, setUserSuspended, type UserEdit } from './users.js'

export interface PeopleDeps {
  store: Store
  approvals: ApprovalDeps
  now: () => Date
  timeZone: string
  enforceNow: EnforceNow
}

/**
 * A change that waits for a second administrator, as its asker sees it: the pending change, and
 * part 1 of the enrolment link it will make (a reviewer or administrator created or reset), shown
 * to the asker only now.
 */
export interface Held {
  pending: PendingChangeView
  enrolmentHalf?: IssuedHalf & { username: string }
}

/** An account made or reset here: the enrolment link, the only thing handed over. */
export interface Enrolled {
  user: AdminUser
  enrolment: IssuedEnrolment
}

export interface NewOrganizationInput {
  name: string
  certification: { number: string; validFrom: string; validTo: string }
}

export interface NewUserInput {
  username: string
  displayName: string
  roles: Role[]
  organizationId: string | null
}

/**
 * Organizations with their Type II certification, and accounts: what administrators create, change,
 * suspend and reinstate. Every change is audited with its store write and every refusal is audited
 * (identity/administered.ts); a change that takes away someone's right to work ends their live
 * sessions at once. An account that can review or administer is a grant: one administrator alone
 * never makes it, it waits for a second (approvals/).
 */
export function createPeopleService(deps: PeopleDeps) {
  const { store } = deps
  const today = () => dayIn(deps.now(), deps.timeZone)
  const orgView = (org: Parameters<typeof organizationView>[2]) => organizationView(store, today(), org)
  const held = async (by: Actor, row: PendingChangeRow, half?: IssuedHalf): Promise<Held> => ({
    pending: await pendingView(store, row, by.actor),
    ...(half === undefined ? {} : { enrolmentHalf: { username: String(row.change.username), ...half } })
  })

  return {
    async organizations(): Promise<AdminOrganization[]> {
      return Promise.all((await store.listOrganizations()).map(orgView))
    },

    async createOrganization(input: NewOrganizationInput, by: Actor): Promise<AdminOrganization> {
      const { name, certification } = input
      const org = await administered(store, by, 'organization.create', null, () =>
        createOrganization(
          store,
          {
            name,
            certificationNumber: certification.number,
            validFrom: certification.validFrom,
            validTo: certification.validTo
          },
          { actor: by.actor, sourceIp: by.sourceIp }
        )
      )
      return orgView(org)
    },

    async renameOrganization(id: string, name: string, by: Actor): Promise<AdminOrganization> {
      const org = await administered(store, by, 'organization.rename', id, () =>
        renameOrganization(store, id, name, by)
      )
      return orgView(org)
    },

    async setOrganizationSuspended(
      id: string,
      suspended: boolean,
      reason: string | undefined,
      by: Actor
    ): Promise<AdminOrganization> {
      const action = suspended ? 'organization.suspend' : 'organization.reinstate'
      const org = await administered(store, by, action, id, () =>
        setOrganizationSuspended(store, id, suspended, reason, by)
      )
      if (suspended) await deps.enforceNow()
      return orgView(org)
    },

    async setCertification(
      id: string,
      cert: CertificationInput,
      reason: string | undefined,
      by: Actor
    ): Promise<AdminOrganization> {
      await administered(store, by, 'certification.set', id, () => setCertification(store, id, cert, reason, by))
      await deps.enforceNow()
      return orgView(await existingOrganization(store, id))
    },

    async users(): Promise<AdminUser[]> {
      const pending = await pendingChanges(store)
      return Promise.all((await store.listUsers()).map((u) => userView(store, u, pending)))
    },

    async createUser(
      input: NewUserInput,
      reason: string | undefined,
      by: Actor,
      baseUrl: string
    ): Promise<{ held: Held } | { enrolled: Enrolled }> {
      if (holdsPrivilegedRole(input.roles)) {
        const asked = await administered(store, by, 'user.create', null, () =>
          askPrivilegedAccount(deps.approvals, input, reason, by, baseUrl)
        )
        return { held: await held(by, asked.pending, asked.half) }
      }
      const created = await administered(store, by, 'user.create', null, async () => {
        const org = input.organizationId === null ? null : await store.getOrganization(input.organizationId)
        if (input.organizationId !== null && org === null) throw new InvalidInput('there is no such organization')
        return createAccountToEnrol(
          store,
          {
            username: input.username,
            displayName: input.displayName,
            organization: org?.name ?? null,
            roles: input.roles
          },
          { at: deps.now(), baseUrl },
          { actor: by.actor, sourceIp: by.sourceIp }
        )
      })
      return { enrolled: { user: await userView(store, created.user), enrolment: created.enrolment } }
    },

    async editUser(
      id: string,
      edit: UserEdit,
      reason: string | undefined,
      by: Actor,
      baseUrl: string
    ): Promise<{ held: Held } | { user: AdminUser }> {
      const outcome = await administered(store, by, 'user.update', id, async () => {
        const plan = await planUserEdit(store, id, edit, by)
        if (plan === null) return { user: (await store.getUserById(id))! }
        // a privileged role granted or removed, or its holder moved: one administrator alone never makes it
        if (editNeedsApproval(plan.user, plan.changes)) {
          return askPrivilegedEdit(deps.approvals, plan, edit, reason, by, baseUrl)
        }
        return { user: await editUser(store, plan, by) }
      })
      if ('pending' in outcome) return { held: await held(by, outcome.pending, outcome.half ?? undefined) }
      await deps.enforceNow(by)
      return { user: await userView(store, outcome.user) }
    },

    async setUserSuspended(id: string, suspended: boolean, reason: string | undefined, by: Actor): Promise<AdminUser> {
      const user = await administered(store, by, suspended ? 'user.suspend' : 'user.reinstate', id, () =>
        setUserSuspended(store, id, suspended, reason, by)
      )
      if (suspended) await deps.enforceNow()
      return userView(store, user)
    },

    async resetCredentials(
      id: string,
      reason: string | undefined,
      by: Actor,
      baseUrl: string
    ): Promise<{ held: Held } | { enrolled: Enrolled }> {
      const outcome = await administered(store, by, 'user.credentials_reset', id, async () => {
        const user = await store.getUserById(id)
        if (user === null) throw new NotFoundInput('there is no such user')
        // whoever resets a reviewer or administrator would hold the link that enrols them: a second administrator does
        if (holdsPrivilegedRole(user.roles)) return askPrivilegedReset(deps.approvals, user, reason, by, baseUrl)
        return resetCredentials(store, user, by, { at: deps.now(), baseUrl })
      })
      if ('pending' in outcome) return { held: await held(by, outcome.pending, outcome.half) }
      return { enrolled: { user: await userView(store, outcome.user), enrolment: outcome.enrolment } }
    }
  }
}

export type PeopleService = ReturnType<typeof createPeopleService>
