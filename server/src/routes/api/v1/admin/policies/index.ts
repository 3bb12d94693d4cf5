import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { PendingChangeView } from '../../../../../schemas/approvals.js'
import { errorResponses } from '../../../../../schemas/common.js'
import {
  AssignmentList,
  AssignmentParams,
  PolicyInvalidBody,
  PolicyParams,
  PolicyStaleBody,
  PolicySummaryList,
  PolicyVersionList,
  PolicyView,
  PutAssignmentBody,
  PutAssignmentResult,
  PutPolicyBody,
  PutPolicyResult
} from '../../../../../schemas/policies.js'
import { HeldForApproval } from '../../../../../schemas/approvals.js'
import { actorOf } from '../actor.js'

/** A change that now waits for a second administrator: 202 with the pending change. */
function held(reply: FastifyReply, pending: PendingChangeView) {
  reply.code(202)
  return {
    pending,
    message:
      'This change relaxes a safeguard (the airlock, the screen budget, monitoring, the sandbox or sign-in), so it needs a second administrator: it waits in the console until another administrator approves or refuses it.'
  }
}

/**
 * Administering policies: the named policies with their versions, a new version with optimistic
 * concurrency, and which project works under which policy (policy/policy-console.ts, which audits
 * every change and refusal). Administrators only.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get('/policies', { schema: { response: { 200: PolicySummaryList, ...errorResponses } } }, async () =>
    app.policyConsole.summaries()
  )

  app.get(
    '/policies/:name',
    { schema: { params: PolicyParams, response: { 200: PolicyView, ...errorResponses } } },
    async (request) => app.policyConsole.view(request.params.name)
  )

  app.get(
    '/policies/:name/versions',
    { schema: { params: PolicyParams, response: { 200: PolicyVersionList, ...errorResponses } } },
    async (request) => app.policyConsole.versions(request.params.name)
  )

  app.put(
    '/policies/:name',
    {
      schema: {
        params: PolicyParams,
        body: PutPolicyBody,
        response: {
          ...errorResponses,
          200: PutPolicyResult,
          202: HeldForApproval,
          400: PolicyInvalidBody,
          409: PolicyStaleBody
        }
      }
    },
    async (request, reply) => {
      const { name } = request.params
      const { yaml, policy, baseVersion, comment } = request.body
      const source = { ...(yaml !== undefined ? { yaml } : {}), ...(policy !== undefined ? { policy } : {}) }
      const outcome = await app.policyConsole.save(name, source, baseVersion, comment, actorOf(request))
      if (outcome.kind === 'held') return held(reply, outcome.pending)
      if (outcome.kind === 'invalid') {
        return reply.status(400).send({
          error: {
            code: 'VRE_ERR_POLICY_INVALID',
            message: `The policy was not saved: ${outcome.problems
              .map((p) => `${p.path || '(whole policy)'}: ${p.message}`)
              .join('; ')}.`,
            problems: outcome.problems
          }
        })
      }
      if (outcome.kind === 'stale') {
        return reply.status(409).send({
          error: {
            code: 'VRE_ERR_STALE_VERSION',
            message:
              outcome.currentVersion === 0
                ? `There is no policy named ${name} yet: save it from version 0.`
                : `The policy was changed since version ${baseVersion} (it is now at version ${outcome.currentVersion}); ` +
                  'nothing was saved. Reload it, make your change again and save.',
            currentVersion: outcome.currentVersion
          }
        })
      }
      return outcome.result
    }
  )

  app.get('/policy-assignments', { schema: { response: { 200: AssignmentList, ...errorResponses } } }, async () =>
    app.policyConsole.assignments()
  )

  app.put(
    '/policy-assignments/:projectId',
    {
      schema: {
        params: AssignmentParams,
        body: PutAssignmentBody,
        response: { 200: PutAssignmentResult, 202: HeldForApproval, ...errorResponses }
      }
    },
    async (request, reply) => {
      const { policy, reason } = request.body
      const outcome = await app.policyConsole.assign(request.params.projectId, policy, reason, actorOf(request))
      return 'held' in outcome ? held(reply, outcome.held) : outcome.assigned
    }
  )
}

export default routes
