import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { Held } from '../../../../../identity/people-service.js'
import {
  AdminOrganization,
  AdminOrganizationList,
  AdminUser,
  AdminUserList,
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
import { baseUrlOf } from '../approvals/index.js'
import { actorOf } from '../actor.js'

/**
 * A change that now waits for a second administrator: 202 with the pending change, and part 1 of
 * the enrolment link it will make, for the asker alone: shown only now, so never cached.
 */
function held(reply: FastifyReply, outcome: Held) {
  reply.code(202)
  if (outcome.enrolmentHalf !== undefined) reply.header('cache-control', 'no-store')
  return {
    pending: outcome.pending,
    message:
      'This change needs a second administrator: it waits in the console until another administrator approves or refuses it.',
    ...(outcome.enrolmentHalf === undefined ? {} : { enrolmentHalf: outcome.enrolmentHalf })
  }
}

/**
 * Organizations with their Type II certification, and accounts: what administrators create, change,
 * suspend and reinstate (identity/people-service.ts, which audits every change and refusal).
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get('/organizations', { schema: { response: { 200: AdminOrganizationList, ...errorResponses } } }, async () =>
    app.people.organizations()
  )

  app.post(
    '/organizations',
    { schema: { body: CreateOrganizationBody, response: { 201: AdminOrganization, ...errorResponses } } },
    async (request, reply) => {
      const org = await app.people.createOrganization(request.body, actorOf(request))
      reply.code(201)
      return org
    }
  )

  app.patch(
    '/organizations/:id',
    {
      schema: { params: IdParams, body: EditOrganizationBody, response: { 200: AdminOrganization, ...errorResponses } }
    },
    async (request) => app.people.renameOrganization(request.params.id, request.body.name, actorOf(request))
  )

  for (const [path, suspended] of [
    ['suspend', true],
    ['reinstate', false]
  ] as const) {
    app.post(
      `/organizations/:id/${path}`,
      { schema: { params: IdParams, body: ReasonBody, response: { 200: AdminOrganization, ...errorResponses } } },
      async (request) =>
        app.people.setOrganizationSuspended(request.params.id, suspended, request.body.reason, actorOf(request))
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
      return app.people.setCertification(request.params.id, cert, reason, actorOf(request))
    }
  )

  app.get('/users', { schema: { response: { 200: AdminUserList, ...errorResponses } } }, async () => app.people.users())

  app.post(
    '/users',
    {
      schema: {
        body: CreateUserBody,
        response: { 201: IssuedEnrolmentFor, 202: HeldForApproval, ...errorResponses }
      }
    },
    async (request, reply) => {
      const { reason, ...input } = request.body
      const outcome = await app.people.createUser(input, reason, actorOf(request), baseUrlOf(app, request))
      if ('held' in outcome) return held(reply, outcome.held)
      reply.code(201).header('cache-control', 'no-store')
      return outcome.enrolled
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
      const outcome = await app.people.editUser(
        request.params.id,
        edit,
        reason,
        actorOf(request),
        baseUrlOf(app, request)
      )
      return 'held' in outcome ? held(reply, outcome.held) : outcome.user
    }
  )

  for (const [path, suspended] of [
    ['suspend', true],
    ['reinstate', false]
  ] as const) {
    app.post(
      `/users/:id/${path}`,
      { schema: { params: IdParams, body: ReasonBody, response: { 200: AdminUser, ...errorResponses } } },
      async (request) =>
        app.people.setUserSuspended(request.params.id, suspended, request.body.reason, actorOf(request))
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
      const outcome = await app.people.resetCredentials(
        request.params.id,
        request.body?.reason,
        actorOf(request),
        baseUrlOf(app, request)
      )
      if ('held' in outcome) return held(reply, outcome.held)
      reply.header('cache-control', 'no-store')
      return outcome.enrolled
    }
  )
}

export default routes
