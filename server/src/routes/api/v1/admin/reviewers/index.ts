import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { projectReviewers, setProjectReviewer } from '../../../../../airlock/reviewers.js'
import { Errors } from '../../../../../errors.js'
import { IdParams, MemberParams } from '../../../../../schemas/admin-identity.js'
import { errorResponses, Id, IsoDateTime } from '../../../../../schemas/common.js'
import { actorOf, administer, enforceNow } from '../refusal.js'

export const ProjectReviewer = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  organization: Type.Union([Type.String(), Type.Null()]),
  assignedBy: Type.String(),
  assignedAt: IsoDateTime,
  /** false when the reviewer is no longer independent of the project (then they see none of its requests) */
  independent: Type.Boolean(),
  why: Type.Union([Type.String(), Type.Null()])
})

async function listView(app: FastifyInstance, projectId: string) {
  const out = []
  for (const r of await projectReviewers(app.store, app.policyFor, projectId)) {
    const org = r.user?.organizationId ? await app.store.getOrganization(r.user.organizationId) : null
    const by = r.assignedBy === 'system' ? null : await app.store.getUserById(r.assignedBy)
    out.push({
      id: r.userId,
      username: r.user?.username ?? 'unknown',
      displayName: r.user?.displayName ?? '',
      organization: org?.name ?? null,
      assignedBy: by?.username ?? r.assignedBy,
      assignedAt: r.assignedAt,
      independent: r.problem === null,
      why: r.problem
    })
  }
  return out
}

/**
 * Reviewers assigned to a project: only they see its requests, and only while independent of it.
 * Assigning a non-reviewer, a member of the project, or (under a policy that excludes the
 * requester's organization) someone of a member's organization is refused; both ways audited.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get(
    '/projects/:id/reviewers',
    { schema: { params: IdParams, response: { 200: Type.Array(ProjectReviewer), ...errorResponses } } },
    async (request) => {
      if ((await app.store.getProject(request.params.id)) === null)
        throw new Errors.NotFound('There is no such project.')
      return listView(app, request.params.id)
    }
  )

  for (const [method, assigned] of [
    ['PUT', true],
    ['DELETE', false]
  ] as const) {
    app.route({
      method,
      url: '/projects/:id/reviewers/:userId',
      schema: { params: MemberParams, response: { 200: Type.Array(ProjectReviewer), ...errorResponses } },
      handler: async (request) => {
        const { id, userId } = request.params
        const { actor, sourceIp } = actorOf(request)
        await administer(app, request, assigned ? 'project.reviewer_assign' : 'project.reviewer_unassign', id, () =>
          setProjectReviewer(app.store, app.policyFor, id, userId, assigned, { actor, sourceIp })
        )
        // an unassigned reviewer's votes on the project's open requests stop counting
        if (!assigned) await enforceNow(app, actorOf(request))
        return listView(app, id)
      }
    })
  }
}

export default routes
