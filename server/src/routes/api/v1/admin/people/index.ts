import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { totpUri } from '../../../../../auth/totp.js'
import { createAccount, createOrganization, InvalidInput, NotFoundInput } from '../../../../../identity/accounts.js'
import {
  editUser,
  renameOrganization,
  resetCredentials,
  setCertification,
  setOrganizationSuspended,
  setUserSuspended
} from '../../../../../identity/administration.js'
import { certificationView, dayIn } from '../../../../../identity/index.js'
import {
  AdminOrganization,
  AdminUser,
  CreateOrganizationBody,
  CreateUserBody,
  EditOrganizationBody,
  EditUserBody,
  IdParams,
  IssuedCredentials,
  ReasonBody,
  SetCertificationBody
} from '../../../../../schemas/admin-identity.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { LIVE_STATES } from '../../../../../sessions/transitions.js'
import type { OrganizationRow, UserRow } from '../../../../../store/types.js'
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

async function userView(app: FastifyInstance, user: UserRow): Promise<AdminUser> {
  const org = user.organizationId === null ? null : await app.store.getOrganization(user.organizationId)
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    status: user.status,
    organization: org === null ? null : { id: org.id, name: org.name, status: org.status },
    lockedUntil: user.lockedUntil,
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
    { schema: { params: IdParams, body: EditOrganizationBody, response: { 200: AdminOrganization, ...errorResponses } } },
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

  app.get('/users', { schema: { response: { 200: Type.Array(AdminUser), ...errorResponses } } }, async () =>
    Promise.all((await app.store.listUsers()).map((u) => userView(app, u)))
  )

  app.post(
    '/users',
    { schema: { body: CreateUserBody, response: { 201: IssuedCredentials, ...errorResponses } } },
    async (request, reply) => {
      const body = request.body
      const created = await administer(app, request, 'user.create', null, async () => {
        const org = body.organizationId === null ? null : await app.store.getOrganization(body.organizationId)
        if (body.organizationId !== null && org === null) throw new InvalidInput('there is no such organization')
        return createAccount(
          app.store,
          app.keys,
          {
            username: body.username,
            displayName: body.displayName,
            organization: org?.name ?? null,
            roles: body.roles
          },
          { actor: actorOf(request).actor, sourceIp: request.ip ?? null }
        )
      })
      reply.code(201).header('cache-control', 'no-store')
      return {
        user: await userView(app, created.user),
        password: created.password,
        totpSecret: created.totpSecret,
        totpUri: totpUri(created.totpSecret, created.user.username)
      }
    }
  )

  app.patch(
    '/users/:id',
    { schema: { params: IdParams, body: EditUserBody, response: { 200: AdminUser, ...errorResponses } } },
    async (request) => {
      const user = await administer(app, request, 'user.update', request.params.id, () =>
        editUser(app.store, request.params.id, request.body, actorOf(request))
      )
      await enforceNow(app)
      return userView(app, user)
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
    { schema: { params: IdParams, response: { 200: IssuedCredentials, ...errorResponses } } },
    async (request, reply) => {
      const reset = await administer(app, request, 'user.credentials_reset', request.params.id, () =>
        resetCredentials(app.store, app.keys, request.params.id, actorOf(request))
      )
      reply.header('cache-control', 'no-store')
      const user = (await app.store.getUserById(reset.user.id))!
      return {
        user: await userView(app, user),
        password: reset.password,
        totpSecret: reset.totpSecret,
        totpUri: totpUri(reset.totpSecret, user.username)
      }
    }
  )
}

export default routes
