import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { dayIn, eligibility, projectState } from '../../../../identity/index.js'
import { MeResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/common.js'
import type { UserRow } from '../../../../store/types.js'
import credentialRoutes from './credentials.js'

/** The signed-in user's identity, projects and whether they can work today. */
export async function meView(app: FastifyInstance, user: UserRow): Promise<MeResponse> {
  const today = dayIn(app.now(), app.config.timeZone)
  const view = await app.auth.userView(user)
  const projects = await app.store.listProjectsForUser(user.id)
  const cert = user.organizationId === null ? null : await app.store.getCertification(user.organizationId)
  return {
    user: view,
    projects: projects.map((p) => ({
      id: p.id,
      title: p.title,
      purpose: p.purpose,
      approvalReference: p.approvalReference,
      startDate: p.startDate,
      endDate: p.endDate,
      state: projectState(p, today),
      datasets: p.datasets
    })),
    eligibility: eligibility({
      user,
      organizationName: view.organization?.name ?? null,
      certification: cert,
      projects,
      today
    })
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  await app.register(credentialRoutes)

  app.get('/', { schema: { response: { 200: MeResponse, ...errorResponses } } }, async (request) =>
    meView(app, request.principal!.user)
  )
}

export default routes
