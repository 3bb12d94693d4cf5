import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams, MemberParams, ProjectReviewerList } from '../../../../../schemas/admin-identity.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { actorOf } from '../actor.js'

/**
 * Reviewers assigned to a project: only they see its requests, and only while independent of it
 * (projects/reviewer-service.ts, which audits assignments both ways and their refusals).
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get(
    '/projects/:id/reviewers',
    { schema: { params: IdParams, response: { 200: ProjectReviewerList, ...errorResponses } } },
    async (request) => app.reviewers.reviewers(request.params.id)
  )

  for (const [method, assigned] of [
    ['PUT', true],
    ['DELETE', false]
  ] as const) {
    app.route({
      method,
      url: '/projects/:id/reviewers/:userId',
      schema: { params: MemberParams, response: { 200: ProjectReviewerList, ...errorResponses } },
      handler: async (request) =>
        app.reviewers.setReviewer(request.params.id, request.params.userId, assigned, actorOf(request))
    })
  }
}

export default routes
