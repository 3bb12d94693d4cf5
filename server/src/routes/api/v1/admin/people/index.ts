import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import {
  askPrivilegedAccount,
  askPrivilegedEdit,
  askPrivilegedReset,
  editNeedsApproval,
  holdsPrivilegedRole
} from '../../../../../approvals/index.js'
import {
  createAccountToEnrol,
  createOrganization,
  InvalidInput,
  NotFoundInput
} from '../../../../../identity/accounts.js'
import {
  renameOrganization,
  setCertification,
  setOrganizationSuspended
} from '../../../../../identity/administration.js'
import { editUser, planUserEdit, resetCredentials, setUserSuspended } from '../../../../../identity/users.js'
import { certificationView, dayIn } from '../../../../../identity/index.js'
import {
  AdminOrganization,
  AdminUser,
  CreateOrganizationBody,
  CreateUserBody,
  EditOrganizationBody,
  EditUserBody,
  IdParams,
  IssuedEnrolmentFor,
  ReasonBody,
  ResetBody,
  SetCertificationBody
} from '../../../../../schemas/admin-identity.js'
import { HeldForApproval } from '../../../../../schemas/approvals.js'
import { errorResponses } from '../../../../../schemas/common.js'
import type { IssuedHalf } from '../../../../../enrolment/links.js'
import { LIVE_STATES } from '../../../../../sessions/transitions.js'
import type { PendingChangeRow } from '../../../../../store/pending-changes.js'
import type { OrganizationRow, UserRow } from '../../../../../store/types.js'
import { approvalDeps, baseUrlOf } from '../approvals/index.js'
import { pendingView } from '../approvals/view.js'
import { actorOf, administer, enforceNow } from '../refusal.js'

async function organizationView(app: FastifyInstance, org: OrganizationRow): Promise<AdminOrganization> {
  const cert = await app.store.getCertification(org.id)
  return {
    id: org.id,
    name: org.name,
    status: org.status,
    certification: cert === null ? null : certificationView(cert, dayIn(app.now(), app.config.timeZone)),
    members: (await app.store.listOrganizationMembers(org.id)).length,
    createdAt: org.createdAt
  }
}

async function userView(app: FastifyInstance, user: UserRow, pending?: PendingChangeRow[]): Promise<AdminUser> {
  const org = user.organizationId === null ? null : await app.store.getOrganization(user.organizationId)
  const waiting = (pending ?? (await app.store.approvals.list({ states: ['pending'], limit: 200 }))).find(
    (p) => p.subject === `user:${user.id}`
  )
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    status: user.status,
    organization: org === null ? null : { id: org.id, name: org.name, status: org.status },
    enrolledAt: user.enrolledAt,
    pendingChange: waiting === undefined ? null : { id: waiting.id, kind: waiting.kind },
    liveSessions: (await app.store.listSandboxSessions({ userId: user.id, states: LIVE_STATES })).length,
    createdAt: user.createdAt
  }
}

/**
 * Organizations with their Type II certification, and accounts: what administrators create, change,
 * suspend and reinstate. Every change is audited with the store write; every refusal is audited and
 * says why. A change that takes away someone's right to work ends their live sessions at once.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  const organizationOr404 = async (id: string) => {
    const org = await app.store.getOrganization(id)
    if (org === null) throw new NotFoundInput('there is no such organization')
    return org
  }

  app.get(
    '/organizations',
    { schema: { response: { 200: Type.Array(AdminOrganization), ...errorResponses } } },
    async () => Promise.all((await app.store.listOrganizations()).map((o) => organizationView(app, o)))
  )

  app.post(
    '/organizations',
    { schema: { body: CreateOrganizationBody, response: { 201: AdminOrganization, ...errorResponses } } },
    async (request, reply) => {
      const { name, certification } = request.body
      const org = await administer(app, request, 'organization.create', null, () =>
        createOrganization(
          app.store,
          {
            name,
            certificationNumber: certification.number,
            validFrom: certification.validFrom,
            validTo: certification.validTo
          },
          { actor: actorOf(request).actor, sourceIp: request.ip ?? null }
        )
      )
      reply.code(201)
      return organizationView(app, org)
    }
  )

  app.patch(
    '/organizations/:id',
    {
      schema: { params: IdParams, body: EditOrganizationBody, response: { 200: AdminOrganization, ...errorResponses } }
    },
    async (request) => {
      const org = await administer(app, request, 'organization.rename', request.params.id, () =>
        renameOrganization(app.store, request.params.id, request.body.name, actorOf(request))
      )
      return organizationView(app, org)
    }
  )

  for (const [path, suspended] of [
    ['suspend', true],
    ['reinstate', false]
  ] as const) {
    app.post(
      `/organizations/:id/${path}`,
      { schema: { params: IdParams, body: ReasonBody, response: { 200: AdminOrganization, ...errorResponses } } },
      async (request) => {
        const org = await administer(app, request, `organization.${path}`, request.params.id, () =>
          setOrganizationSuspended(app.store, request.params.id, suspended, request.body.reason, actorOf(request))
        )
        if (suspended) await enforceNow(app)
        return organizationView(app, org)
      }
    )
  }

  app.put(
    '/organizations/:id/certification',
    {
      schema: {
        params: IdParams,
        body: SetCertificationBody,
        response: { 200: AdminOrganization, ...errorResponses }
      }
    },
    async (request) => {
      const { reason, ...cert } = request.body
      await administer(app, request, 'certification.set', request.params.id, () =>
        setCertification(app.store, request.params.id, cert, reason, actorOf(request))
      )
      await enforceNow(app)
      return organizationView(app, await organizationOr404(request.params.id))
    }
  )

  app.get('/users', { schema: { response: { 200: Type.Array(AdminUser), ...errorResponses } } }, async () => {
    const pending = await app.store.approvals.list({ states: ['pending'], limit: 200 })
    return Promise.all((await app.store.listUsers()).map((u) => userView(app, u, pending)))
  })

  /**
   * A change that now waits for a second administrator: 202 with the pending change, and part 1
   * of the enrolment link it will make (a reviewer or administrator created or reset), for the
   * asker alone: shown only now.
   */
  const held = async (request: FastifyRequest, reply: FastifyReply, row: PendingChangeRow, half?: IssuedHalf) => {
    reply.code(202)
    if (half !== undefined) reply.header('cache-control', 'no-store')
    return {
      pending: await pendingView(app, row, request.principal!.user.id),
      message:
        'This change needs a second administrator: it waits in the console until another administrator approves or refuses it.',
      ...(half === undefined ? {} : { enrolmentHalf: { username: String(row.change.username), ...half } })
    }
  }

  app.post(
    '/users',
    {
      schema: {
        body: CreateUserBody,
        response: { 201: IssuedEnrolmentFor, 202: HeldForApproval, ...errorResponses }
      }
    },
    async (request, reply) => {
      const { reason, ...body } = request.body
      if (holdsPrivilegedRole(body.roles)) {
        // an account that can review or administer is a grant: one administrator alone never makes it
        const asked = await administer(app, request, 'user.create', null, () =>
          askPrivilegedAccount(approvalDeps(app), body, reason, actorOf(request), baseUrlOf(app, request))
        )
        return held(request, reply, asked.pending, asked.half)
      }
      const created = await administer(app, request, 'user.create', null, async () => {
        const org = body.organizationId === null ? null : await app.store.getOrganization(body.organizationId)
        if (body.organizationId !== null && org === null) throw new InvalidInput('there is no such organization')
        return createAccountToEnrol(
          app.store,
          {
            username: body.username,
            displayName: body.displayName,
            organization: org?.name ?? null,
            roles: body.roles
          },
          { at: app.now(), baseUrl: baseUrlOf(app, request) },
          { actor: actorOf(request).actor, sourceIp: request.ip ?? null }
        )
      })
      reply.code(201).header('cache-control', 'no-store')
      return { user: await userView(app, created.user), enrolment: created.enrolment }
    }
  )

  app.patch(
    '/users/:id',
    {
      schema: {
        params: IdParams,
        body: EditUserBody,
        response: { 200: AdminUser, 202: HeldForApproval, ...errorResponses }
      }
    },
    async (request, reply) => {
      const { reason, ...edit } = request.body
      const id = request.params.id
      const outcome = await administer<{ pending: PendingChangeRow; half: IssuedHalf | null } | { user: UserRow }>(
        app,
        request,
        'user.update',
        id,
        async () => {
          const plan = await planUserEdit(app.store, id, edit, actorOf(request))
          if (plan === null) return { user: (await app.store.getUserById(id))! }
          // a privileged role granted or removed, or its holder moved: one administrator alone never makes it
          if (editNeedsApproval(plan.user, plan.changes)) {
            const by = actorOf(request)
            return askPrivilegedEdit(approvalDeps(app), plan, edit, reason, by, baseUrlOf(app, request))
          }
          return { user: await editUser(app.store, plan, actorOf(request)) }
        }
      )
      if ('pending' in outcome) return held(request, reply, outcome.pending, outcome.half ?? undefined)
      await enforceNow(app, actorOf(request))
      return userView(app, outcome.user)
    }
  )

  for (const [path, suspended] of [
    ['suspend', true],
    ['reinstate', false]
  ] as const) {
    app.post(
      `/users/:id/${path}`,
      { schema: { params: IdParams, body: ReasonBody, response: { 200: AdminUser, ...errorResponses } } },
      async (request) => {
        const user = await administer(app, request, `user.${path}`, request.params.id, () =>
          setUserSuspended(app.store, request.params.id, suspended, request.body.reason, actorOf(request))
        )
        if (suspended) await enforceNow(app)
        return userView(app, user)
      }
    )
  }

  app.post(
    '/users/:id/credentials',
    {
      schema: {
        params: IdParams,
        body: ResetBody,
        response: { 200: IssuedEnrolmentFor, 202: HeldForApproval, ...errorResponses }
      }
    },
    async (request, reply) => {
      const id = request.params.id
      const reason = request.body?.reason
      const outcome = await administer(app, request, 'user.credentials_reset', id, async () => {
        const user = await app.store.getUserById(id)
        if (user === null) throw new NotFoundInput('there is no such user')
        // whoever resets a reviewer or administrator would hold the link that enrols them: a second administrator does
        if (holdsPrivilegedRole(user.roles)) {
          return askPrivilegedReset(approvalDeps(app), user, reason, actorOf(request), baseUrlOf(app, request))
        }
        return resetCredentials(app.store, user, actorOf(request), { at: app.now(), baseUrl: baseUrlOf(app, request) })
      })
      if ('pending' in outcome) return held(request, reply, outcome.pending, outcome.half)
      reply.header('cache-control', 'no-store')
      return { user: await userView(app, outcome.user), enrolment: outcome.enrolment }
    }
  )
}

export default routes
