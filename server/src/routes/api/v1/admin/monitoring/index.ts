import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Errors } from '../../../../../errors.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { capacity, readHost } from '../../../../../sessions/admission.js'
import { LIVE_STATES } from '../../../../../sessions/transitions.js'
import {
  AlertList,
  CapacityView,
  EndedSession,
  EndSessionBody,
  EndSessionParams,
  LiveSessionList
} from '../../../../../schemas/monitoring.js'

/** Live monitoring for administrators: running sessions with what they use, alerts, and ending a session. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get('/sessions', { schema: { response: { 200: LiveSessionList, ...errorResponses } } }, async () =>
    app.monitor.live()
  )

  /** The host's room for more sandboxes, read now, and the dataset copies shared on it. */
  app.get('/capacity', { schema: { response: { 200: CapacityView, ...errorResponses } } }, async () => {
    const live = await app.store.listSandboxSessions({ states: LIVE_STATES })
    return {
      ...capacity(readHost(), app.config.admission),
      liveSessions: live.length,
      datasets: app.sessions.hostCopies.usage()
    }
  })

  app.get(
    '/alerts',
    { schema: { response: { 200: AlertList, ...errorResponses } } },
    async () => app.auditConsole.alerts()
  )

  /** Ends a session at once, saying why; its workspace is saved as at any end. */
  app.post(
    '/sessions/:id/end',
    {
      schema: {
        params: EndSessionParams,
        body: EndSessionBody,
        response: { 200: EndedSession, ...errorResponses }
      }
    },
    async (request) => {
      if (request.body.reason.trim() === '') throw new Errors.BadRequest('Say why the session is ended.')
      const session = await app.sessions.get(request.params.id)
      if (session === null) throw new Errors.NotFound('There is no such session.')
      const admin = request.principal!.user
      const ended = await app.sessions.stop(session.id, `ended by an administrator: ${request.body.reason.trim()}`, {
        actor: admin.id,
        sourceIp: request.ip
      })
      return { id: ended.id, state: ended.state, reason: ended.reason }
    }
  )
}

export default routes
