import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Errors } from '../../../../../errors.js'
import { AuditRecordView } from '../../../../../schemas/audit.js'
import { errorResponses, IsoDateTime } from '../../../../../schemas/common.js'

const LiveSessionView = Type.Object({
  id: Type.String(),
  state: Type.String(),
  userId: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  projectId: Type.String(),
  projectTitle: Type.Union([Type.String(), Type.Null()]),
  runtime: Type.String(),
  startedAt: Type.Union([IsoDateTime, Type.Null()]),
  stats: Type.Union([
    Type.Object({
      memoryBytes: Type.Number(),
      cpuPercent: Type.Number(),
      pids: Type.Number(),
      pidsLimit: Type.Union([Type.Number(), Type.Null()])
    }),
    Type.Null()
  ]),
  outputBytesPerMinute: Type.Number(),
  /** what reached the researcher's screen against the display budget; null before anything did */
  display: Type.Union([
    Type.Object({
      available: Type.Number(),
      shown: Type.Number(),
      shownLastMinute: Type.Number(),
      pacedSince: Type.Union([IsoDateTime, Type.Null()]),
      ceilingMinutes: Type.Number(),
      encodedPerMinute: Type.Number(),
      datasetMatches: Type.Number()
    }),
    Type.Null()
  ])
})

const EndBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false })

/** Live monitoring for administrators: running sessions with what they use, alerts, and ending a session. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get('/sessions', { schema: { response: { 200: Type.Array(LiveSessionView), ...errorResponses } } }, async () =>
    app.monitor.live()
  )

  app.get(
    '/alerts',
    { schema: { response: { 200: Type.Array(Type.Omit(AuditRecordView, ['actorName'])), ...errorResponses } } },
    async () => app.store.searchAudit({ action: 'alert.raised', limit: 200 })
  )

  /** Ends a session at once, saying why; its workspace is saved as at any end. */
  app.post(
    '/sessions/:id/end',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: EndBody,
        response: {
          200: Type.Object({
            id: Type.String(),
            state: Type.String(),
            reason: Type.Union([Type.String(), Type.Null()])
          }),
          ...errorResponses
        }
      }
    },
    async (request) => {
      if (request.body.reason.trim() === '') throw new Errors.BadRequest('Say why the session is ended.')
      const session = await app.store.getSandboxSession(request.params.id)
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
