import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { approveChange, type ApprovalDeps, refuseChange, withdrawChange } from '../../../../../approvals/index.js'
import { ApprovalsQuery, ApprovedChange, PendingChangeView, RefuseBody } from '../../../../../schemas/approvals.js'
import { IdParams } from '../../../../../schemas/admin-identity.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { actorOf, administer, enforceNow } from '../refusal.js'
import { pendingView } from './view.js'

export const approvalDeps = (app: FastifyInstance): ApprovalDeps => ({
  store: app.store,
  policies: app.policies,
  now: app.now
})

/** Where people reach the gateway, for the links an approval issues: the configured address, else this request's. */
export const baseUrlOf = (app: FastifyInstance, request: FastifyRequest): string =>
  app.config.baseUrl ?? `${request.protocol}://${request.host}`

/**
 * Pending changes: listed for every administrator, approved or refused by one who did not ask for
 * them, withdrawn by the one who did. An approval carries the change out (a policy change reaches
 * running sessions as a saved one does; an account change takes effect on live sessions at once)
 * and hands the approver part 2 of the enrolment link of an account it created or reset.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))
  const deps = approvalDeps(app)

  app.get(
    '/approvals',
    { schema: { querystring: ApprovalsQuery, response: { 200: Type.Array(PendingChangeView), ...errorResponses } } },
    async (request) => {
      const state = request.query.state ?? 'pending'
      const rows = await app.store.approvals.list({ ...(state === 'all' ? {} : { states: [state] }), limit: 200 })
      return Promise.all(rows.map((r) => pendingView(app, r, request.principal!.user.id)))
    }
  )

  app.post(
    '/approvals/:id/approve',
    { schema: { params: IdParams, response: { 200: ApprovedChange, ...errorResponses } } },
    async (request, reply) => {
      const id = request.params.id
      const done = await administer(app, request, 'approval.approve', id, () =>
        approveChange(deps, id, actorOf(request), baseUrlOf(app, request))
      )
      if (done.row.kind === 'policy.update' || done.row.kind === 'project.policy') {
        await app.sessions.applyPolicy({ actor: request.principal!.user.id, sourceIp: request.ip })
      } else {
        await enforceNow(app, actorOf(request))
      }
      reply.header('cache-control', 'no-store')
      return {
        change: await pendingView(app, done.row, request.principal!.user.id),
        // part 2 of the link of an account created or reset: for the approver alone, shown only now
        enrolment: done.enrolment === null ? null : { username: String(done.row.change.username), ...done.enrolment }
      }
    }
  )

  app.post(
    '/approvals/:id/refuse',
    { schema: { params: IdParams, body: RefuseBody, response: { 200: PendingChangeView, ...errorResponses } } },
    async (request) => {
      const row = await administer(app, request, 'approval.refuse', request.params.id, () =>
        refuseChange(deps, request.params.id, request.body.reason, actorOf(request))
      )
      return pendingView(app, row, request.principal!.user.id)
    }
  )

  app.post(
    '/approvals/:id/withdraw',
    { schema: { params: IdParams, response: { 200: PendingChangeView, ...errorResponses } } },
    async (request) => {
      const row = await administer(app, request, 'approval.withdraw', request.params.id, () =>
        withdrawChange(deps, request.params.id, actorOf(request))
      )
      return pendingView(app, row, request.principal!.user.id)
    }
  )
}

export default routes
