import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, errorResponses } from '../../../../schemas/common.js'
import {
  CompleteEnrolmentBody,
  CompletedEnrolment,
  OpenedEnrolment,
  OpenEnrolmentBody
} from '../../../../schemas/enrolment.js'

/**
 * Enrolment from a link, before the person can sign in: the link's token is the credential. Both
 * calls are limited per address like sign-in, and answer with no-store: the secret is shown once.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const limit = { rateLimit: { max: () => app.policy().auth.requestsPerMinute, timeWindow: 60_000 } }

  app.post(
    '/open',
    {
      config: limit,
      schema: { body: OpenEnrolmentBody, response: { 200: OpenedEnrolment, ...errorResponses, 410: ErrorBody } }
    },
    async (request, reply) => {
      const opened = await app.enrolment.open(request.body.token, { sourceIp: request.ip ?? null })
      reply.header('cache-control', 'no-store')
      return opened
    }
  )

  app.post(
    '/complete',
    {
      config: limit,
      schema: { body: CompleteEnrolmentBody, response: { 200: CompletedEnrolment, ...errorResponses, 410: ErrorBody } }
    },
    async (request) => app.enrolment.complete(request.body, { sourceIp: request.ip ?? null })
  )
}

export default routes
