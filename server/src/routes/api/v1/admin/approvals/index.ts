import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  ApprovalsQuery,
  ApprovedChange,
  PendingChangeList,
  PendingChangeView,
  RefuseBody
} from '../../../../../schemas/approvals.js'
import { IdParams } from '../../../../../schemas/admin-identity.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { actorOf } from '../actor.js'

/** Where people reach the gateway, for the links an approval issues: the configured address, else this request's. */
export const baseUrlOf = (app: FastifyInstance, request: FastifyRequest): string =>
  app.config.baseUrl ?? `${request.protocol}://${request.host}`

/**
 * Pending changes: listed for every administrator, approved or refused by one who did not ask for
 * them, withdrawn by the one who did (approvals/approval-console.ts, which audits each decision).
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get(
    '/approvals',
    { schema: { querystring: ApprovalsQuery, response: { 200: PendingChangeList, ...errorResponses } } },
    async (request) => app.approvalConsole.list(request.query.state ?? 'pending', request.principal!.user.id)
  )

  app.post(
    '/approvals/:id/approve',
    { schema: { params: IdParams, response: { 200: ApprovedChange, ...errorResponses } } },
    async (request, reply) => {
      const done = await app.approvalConsole.approve(request.params.id, actorOf(request), baseUrlOf(app, request))
      reply.header('cache-control', 'no-store')
      return done
    }
  )

  app.post(
    '/approvals/:id/refuse',
    { schema: { params: IdParams, body: RefuseBody, response: { 200: PendingChangeView, ...errorResponses } } },
    async (request) => app.approvalConsole.refuse(request.params.id, request.body.reason, actorOf(request))
  )

  app.post(
    '/approvals/:id/withdraw',
    { schema: { params: IdParams, response: { 200: PendingChangeView, ...errorResponses } } },
    async (request) => app.approvalConsole.withdraw(request.params.id, actorOf(request))
  )
}

export default routes
