import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { dayIn, eligibility, projectState } from '../../../../identity/index.js'
import { MeResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/common.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get('/', { schema: { response: { 200: MeResponse, ...errorResponses } } }, async (request) => {
    const { user } = request.principal!
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
  })
}

export default routes
