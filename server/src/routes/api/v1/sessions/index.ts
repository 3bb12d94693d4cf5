import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Errors } from '../../../../errors.js'
import { requestContext } from '../../../../plugins/app/auth.js'
import type { SandboxPolicy } from '../../../../policy/schema.js'
import { errorResponses } from '../../../../schemas/common.js'
import { SessionParams, SessionView, StartSessionBody } from '../../../../schemas/sessions.js'
import type { SandboxSessionRow } from '../../../../store/types.js'

export function sessionView(s: SandboxSessionRow): SessionView {
  const limits = s.limits as Partial<SandboxPolicy>
  return {
    id: s.id,
    projectId: s.projectId,
    state: s.state,
    reason: s.reason,
    runtime: s.runtime,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    expiresAt:
      s.startedAt === null || limits.maxDurationMinutes === undefined
        ? null
        : new Date(Date.parse(s.startedAt) + limits.maxDurationMinutes * 60_000).toISOString(),
    idleMinutes: limits.idleMinutes ?? 0
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('researcher'))

  /** A session of someone else is reported as not found, so ids can't be probed. */
  const own = async (id: string, userId: string) => {
    const s = await app.sessions.get(id)
    if (s === null || s.userId !== userId) throw new Errors.NotFound('There is no such session.')
    return s
  }

  app.post(
    '/',
    { schema: { body: StartSessionBody, response: { 201: SessionView, ...errorResponses } } },
    async (request, reply) => {
      const s = await app.sessions.start(request.principal!.user, request.body.projectId, requestContext(request))
      return reply.status(201).send(sessionView(s))
    }
  )

  app.get('/', { schema: { response: { 200: Type.Array(SessionView), ...errorResponses } } }, async (request) =>
    (await app.sessions.list(request.principal!.user.id)).map(sessionView)
  )

  app.get(
    '/:id',
    { schema: { params: SessionParams, response: { 200: SessionView, ...errorResponses } } },
    async (request) => sessionView(await own(request.params.id, request.principal!.user.id))
  )

  app.delete(
    '/:id',
    { schema: { params: SessionParams, response: { 200: SessionView, ...errorResponses } } },
    async (request) => {
      const user = request.principal!.user
      await own(request.params.id, user.id)
      const s = await app.sessions.stop(request.params.id, 'ended by the researcher', {
        actor: user.id,
        sourceIp: request.ip
      })
      return sessionView(s)
    }
  )
}

export default routes
