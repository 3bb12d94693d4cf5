import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Asker } from '../../../../enrolment/own-credentials.js'
import {
  ChangedOwnCredentials,
  ChangeOwnCredentialsBody,
  NewOwnSecret,
  SignInDelayedBody
} from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/common.js'
import { sendDelayed } from '../auth/index.js'

/**
 * A signed-in person sets their own password and authenticator (see enrolment/own-credentials.ts):
 * first a new secret to add, then the change, proved with the current password and code and a
 * code from the new secret. Limited per address like sign-in; answers are not stored by caches.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const limit = { rateLimit: { max: () => app.policy().auth.requestsPerMinute, timeWindow: 60_000 } }
  const asker = (request: FastifyRequest): Asker => ({
    user: request.principal!.user,
    sessionId: request.principal!.claims.sid,
    sourceIp: request.ip ?? null
  })

  app.post(
    '/credentials/secret',
    { config: limit, schema: { response: { 200: NewOwnSecret, ...errorResponses } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return app.self.newSecret(asker(request))
    }
  )

  app.post(
    '/credentials',
    {
      config: limit,
      schema: {
        body: ChangeOwnCredentialsBody,
        response: { 200: ChangedOwnCredentials, ...errorResponses, 429: SignInDelayedBody }
      }
    },
    async (request, reply) => {
      try {
        const user = await app.self.changeCredentials(asker(request), request.body)
        return { user: await app.auth.userView(user) }
      } catch (err) {
        return sendDelayed(reply, err)
      }
    }
  )
}

export default routes
