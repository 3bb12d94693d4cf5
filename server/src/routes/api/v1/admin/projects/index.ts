import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  AdminProject,
  AdminProjectList,
  AdminDatasetList,
  CreateProjectBody,
  DatasetParams,
  EditProjectBody,
  IdParams,
  MemberParams
} from '../../../../../schemas/admin-identity.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { actorOf } from '../actor.js'

/**
 * Research projects: their dates and approval, members and granted datasets (projects/project-service.ts,
 * which audits every change and refusal and ends the live sessions a change takes the right to).
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get('/projects', { schema: { response: { 200: AdminProjectList, ...errorResponses } } }, async () =>
    app.projects.projects()
  )

  app.post(
    '/projects',
    { schema: { body: CreateProjectBody, response: { 201: AdminProject, ...errorResponses } } },
    async (request, reply) => {
      const b = request.body
      const project = await app.projects.create(
        {
          title: b.title,
          purpose: b.purpose,
          approvalReference: b.approvalReference,
          startDate: b.startDate,
          endDate: b.endDate,
          members: b.members ?? [],
          datasets: b.datasets ?? []
        },
        actorOf(request)
      )
      reply.code(201)
      return project
    }
  )

  app.patch(
    '/projects/:id',
    { schema: { params: IdParams, body: EditProjectBody, response: { 200: AdminProject, ...errorResponses } } },
    async (request) => app.projects.edit(request.params.id, request.body, actorOf(request))
  )

  for (const [method, member] of [
    ['PUT', true],
    ['DELETE', false]
  ] as const) {
    app.route({
      method,
      url: '/projects/:id/members/:userId',
      schema: { params: MemberParams, response: { 200: AdminProject, ...errorResponses } },
      handler: async (request) =>
        app.projects.setMember(request.params.id, request.params.userId, member, actorOf(request))
    })
  }

  for (const [method, granted] of [
    ['PUT', true],
    ['DELETE', false]
  ] as const) {
    app.route({
      method,
      url: '/projects/:id/datasets/:datasetId',
      schema: { params: DatasetParams, response: { 200: AdminProject, ...errorResponses } },
      handler: async (request) =>
        app.projects.setDataset(request.params.id, request.params.datasetId, granted, actorOf(request))
    })
  }

  app.get('/datasets', { schema: { response: { 200: AdminDatasetList, ...errorResponses } } }, async () =>
    app.projects.datasets()
  )
}

export default routes
