import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  ExportRequestSummary,
  ExportRequestView,
  FileParams,
  RequestParams,
  ResubmitExportBody,
  SubmitExportBody
} from '../../../../schemas/airlock.js'
import { errorResponses } from '../../../../schemas/common.js'
import { sessionAccess } from '../sessions/access.js'
import { auditRefusal, exportRequestSummary, exportRequestView, fileHeaders, submissionLimit } from './view.js'

/**
 * A researcher's export requests: submit files from the outbox of a running session, follow their
 * review, send a returned one again, withdraw, and download once released.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('researcher'))
  const { running } = sessionAccess(app)
  const ctx = (ip: string) => ({ sourceIp: ip })

  app.post(
    '/',
    {
      config: submissionLimit(app),
      schema: { body: SubmitExportBody, response: { 201: ExportRequestView, ...errorResponses } }
    },
    async (request, reply) => {
      const user = request.principal!.user
      const { sessionId, files } = request.body
      const d = await auditRefusal(
        app,
        request,
        'export.submit',
        { session: sessionId, files: files.map((f) => f.path) },
        async () => app.airlock.submit(user, await running(sessionId, user.id), files, ctx(request.ip))
      )
      return reply.status(201).send(await exportRequestView(app, d, 'requester'))
    }
  )

  app.get(
    '/',
    { schema: { response: { 200: Type.Array(ExportRequestSummary), ...errorResponses } } },
    async (request) =>
      Promise.all((await app.airlock.listMine(request.principal!.user.id)).map((r) => exportRequestSummary(app, r)))
  )

  app.get(
    '/:id',
    { schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) =>
      exportRequestView(app, await app.airlock.get(request.params.id, request.principal!.user.id), 'requester')
  )

  app.post(
    '/:id/resubmit',
    {
      config: submissionLimit(app),
      schema: {
        params: RequestParams,
        body: ResubmitExportBody,
        response: { 200: ExportRequestView, ...errorResponses }
      }
    },
    async (request) => {
      const user = request.principal!.user
      const { sessionId, files } = request.body
      const d = await auditRefusal(
        app,
        request,
        'export.resubmit',
        { request: request.params.id, session: sessionId, files: files.map((f) => f.path) },
        async () =>
          app.airlock.resubmit(user, request.params.id, await running(sessionId, user.id), files, ctx(request.ip))
      )
      return exportRequestView(app, d, 'requester')
    }
  )

  app.post(
    '/:id/withdraw',
    { schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) => {
      const d = await app.airlock.withdraw(request.principal!.user, request.params.id, ctx(request.ip))
      return exportRequestView(app, d, 'requester')
    }
  )

  /** The released file's bytes, checked against the approved digest; the requester's only. */
  app.get(
    '/:id/files/:fileId/content',
    { schema: { params: FileParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (request, reply) => {
      const { id, fileId } = request.params
      const f = await app.airlock.download(request.principal!.user, id, fileId, ctx(request.ip))
      return reply.headers(fileHeaders(f.name)).send(f.bytes)
    }
  )
}

export default routes
