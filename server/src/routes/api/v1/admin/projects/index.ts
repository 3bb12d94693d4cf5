import { existsSync, readdirSync } from 'node:fs'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { createProject } from '../../../../../identity/accounts.js'
import { editProject, setProjectDataset, setProjectMember } from '../../../../../identity/administration.js'
import { dayIn, projectState } from '../../../../../identity/index.js'
import {
  AdminDataset,
  AdminProject,
  CreateProjectBody,
  DatasetParams,
  EditProjectBody,
  IdParams,
  MemberParams
} from '../../../../../schemas/admin-identity.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { DEFAULT_RETENTION_DAYS } from '../../../../../sessions/session-service.js'
import { projectWorkspaces } from '../../../../../sessions/workspace.js'
import type { ProjectRow } from '../../../../../store/types.js'
import { actorOf, administer, enforceNow } from '../refusal.js'

const addDays = (day: string, days: number) => {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

async function projectView(app: FastifyInstance, row: ProjectRow): Promise<AdminProject> {
  const project = (await app.store.getProject(row.id))!
  const members = []
  for (const id of await app.store.listProjectMemberIds(row.id)) {
    const u = await app.store.getUserById(id)
    if (u !== null) members.push({ id: u.id, username: u.username, displayName: u.displayName, status: u.status })
  }
  const retention = app.policy().sandbox.workspaceRetentionDays ?? DEFAULT_RETENTION_DAYS
  const dir = projectWorkspaces(app.config.dataDir, row.id)
  return {
    id: project.id,
    title: project.title,
    purpose: project.purpose,
    approvalReference: project.approvalReference,
    startDate: project.startDate,
    endDate: project.endDate,
    state: projectState(project, dayIn(app.now(), app.config.timeZone)),
    members: members.sort((a, b) => a.username.localeCompare(b.username)),
    datasets: project.datasets.map((d) => ({ id: d.id, name: d.name })),
    workspacesDeletedOn: addDays(project.endDate, retention + 1),
    hasWorkspaces: existsSync(dir) && readdirSync(dir).length > 0,
    createdAt: project.createdAt
  }
}

/**
 * Research projects: their dates and approval, members and granted datasets. A change that ends
 * someone's right to work (dates, membership) ends their live sessions at once; a dataset revoked
 * ends the project's live sessions, whose sandboxes hold a copy of it.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get('/projects', { schema: { response: { 200: Type.Array(AdminProject), ...errorResponses } } }, async () =>
    Promise.all((await app.store.listProjects()).map((p) => projectView(app, p)))
  )

  app.post(
    '/projects',
    { schema: { body: CreateProjectBody, response: { 201: AdminProject, ...errorResponses } } },
    async (request, reply) => {
      const b = request.body
      const project = await administer(app, request, 'project.create', null, () =>
        createProject(
          app.store,
          {
            title: b.title,
            purpose: b.purpose,
            approvalReference: b.approvalReference,
            startDate: b.startDate,
            endDate: b.endDate,
            members: b.members ?? [],
            datasets: b.datasets ?? []
          },
          { actor: actorOf(request).actor, sourceIp: request.ip ?? null }
        )
      )
      reply.code(201)
      return projectView(app, project)
    }
  )

  app.patch(
    '/projects/:id',
    { schema: { params: IdParams, body: EditProjectBody, response: { 200: AdminProject, ...errorResponses } } },
    async (request) => {
      const project = await administer(app, request, 'project.update', request.params.id, () =>
        editProject(app.store, request.params.id, request.body, actorOf(request))
      )
      await enforceNow(app)
      return projectView(app, project)
    }
  )

  for (const [method, member] of [
    ['PUT', true],
    ['DELETE', false]
  ] as const) {
    app.route({
      method,
      url: '/projects/:id/members/:userId',
      schema: { params: MemberParams, response: { 200: AdminProject, ...errorResponses } },
      handler: async (request) => {
        const { id, userId } = request.params
        await administer(app, request, member ? 'project.member_add' : 'project.member_remove', id, () =>
          setProjectMember(app.store, id, userId, member, actorOf(request))
        )
        // a member removed stops working; a reviewer made a member stops counting
        await enforceNow(app, actorOf(request))
        return projectView(app, (await app.store.getProject(id))!)
      }
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
      handler: async (request) => {
        const { id, datasetId } = request.params
        await administer(app, request, granted ? 'project.dataset_grant' : 'project.dataset_revoke', id, () =>
          setProjectDataset(app.store, id, datasetId, granted, actorOf(request))
        )
        if (!granted) {
          // the project's running sandboxes hold a copy of the dataset
          const name = (await app.store.listDatasets()).find((d) => d.id === datasetId)?.name ?? datasetId
          await app.sessions.endProjectSessions(id, `the dataset ${name} was revoked from the project`, {
            actor: request.principal!.user.id,
            sourceIp: request.ip ?? null
          })
        }
        return projectView(app, (await app.store.getProject(id))!)
      }
    })
  }

  app.get('/datasets', { schema: { response: { 200: Type.Array(AdminDataset), ...errorResponses } } }, async () => {
    const grantedTo = new Map<string, string>()
    for (const p of await app.store.listProjects()) {
      for (const d of (await app.store.getProject(p.id))?.datasets ?? []) grantedTo.set(d.id, p.id)
    }
    return (await app.store.listDatasets()).map((d) => ({
      id: d.id,
      name: d.name,
      description: d.description,
      available: d.file !== null,
      projectId: grantedTo.get(d.id) ?? null
    }))
  })
}

export default routes
