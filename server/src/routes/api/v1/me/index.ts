import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MeResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/common.js'
import credentialRoutes from './credentials.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  await app.register(credentialRoutes)

  app.get('/', { schema: { response: { 200: MeResponse, ...errorResponses } } }, async (request) =>
    app.self.me(request.principal!.user)
  )
}

export default routes
