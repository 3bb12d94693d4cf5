import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  ExceptionBody,
  ExportRequestSummary,
  ExportRequestView,
  FileParams,
  RequestParams,
  ResubmitExportBody,
  SubmitExportBody,
  ExportRequestList
} from '../../../../schemas/airlock.js'
import { Bytes, errorResponses } from '../../../../schemas/common.js'
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
      schema: { body: SubmitExportBody, response: { 201: ExportRequestView, ...errorResponses } },
      preHandler: app.requireEligible('export.submit', { session: 'body.sessionId' })
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
    { schema: { response: { 200: ExportRequestList, ...errorResponses } } },
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
      },
      preHandler: app.requireEligible('export.resubmit', { request: 'params.id' })
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
    {
      schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } },
      preHandler: app.requireEligible('export.withdraw', { request: 'params.id' })
    },
    async (request) => {
      const d = await app.airlock.withdraw(request.principal!.user, request.params.id, ctx(request.ip))
      return exportRequestView(app, d, 'requester')
    }
  )

  /** The released file's bytes, checked against the approved digest; the requester's only. */
  app.get(
    '/:id/files/:fileId/content',
    {
      schema: { params: FileParams, response: { 200: Bytes, ...errorResponses } },
      preHandler: app.requireEligible('export.download', { request: 'params.id' })
    },
    async (request, reply) => {
      const { id, fileId } = request.params
      const f = await app.airlock.download(request.principal!.user, id, fileId, ctx(request.ip))
      return reply.headers(fileHeaders(f.name)).send(f.bytes)
    }
  )

  /**
   * An exception asked for one failing check of a file, with a reason, before reviewers begin on
   * it; only for a rule the project's policy allows excepting.
   */
  app.post(
    '/:id/files/:fileId/exceptions',
    {
      schema: { params: FileParams, body: ExceptionBody, response: { 201: ExportRequestView, ...errorResponses } },
      preHandler: app.requireEligible('export.submit', { request: 'params.id' })
    },
    async (request, reply) => {
      const { id, fileId } = request.params
      const { rule, reason } = request.body
      const d = await app.airlock.askException(request.principal!.user, id, fileId, rule, reason, ctx(request.ip))
      return reply.status(201).send(await exportRequestView(app, d, 'requester'))
    }
  )

  /**
   * The release package (.tar.gz): the released files read back and checked against their approved
   * digests, manifest.json and controls.json; the requester's only, audited.
   */
  app.get(
    '/:id/package',
    {
      schema: { params: RequestParams, response: { 200: Bytes, ...errorResponses } },
      preHandler: app.requireEligible('export.download', { request: 'params.id' })
    },
    async (request, reply) => {
      const pkg = await app.airlock.downloadPackage(request.principal!.user, request.params.id, ctx(request.ip))
      return reply.headers({ ...fileHeaders(pkg.name), 'content-type': 'application/gzip' }).send(pkg.bytes)
    }
  )
}

export default routes
