import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Readable } from 'node:stream'
import { Errors } from '../../../../errors.js'
import { ExportRequestList, ExportRequestView, ImportQuery, RequestParams } from '../../../../schemas/airlock.js'
import { errorResponses } from '../../../../schemas/common.js'
import { auditRefusal, exportRequestSummary, exportRequestView, submissionLimit } from '../exports/view.js'

/**
 * A researcher's imports: a script, code list, reference table or source archive, uploaded as the
 * request body (application/octet-stream), reviewed, then delivered into work/inbox; withdrawn by
 * its requester while not yet decided.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('researcher'))
  // the body is streamed into quarantine, which enforces the policy's size cap as it reads
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload))

  app.post(
    '/',
    {
      config: submissionLimit(app),
      schema: { querystring: ImportQuery, response: { 201: ExportRequestView, ...errorResponses } },
      preHandler: app.requireEligible('import.submit', { project: 'query.projectId' })
    },
    async (request, reply) => {
      const body = request.body as Readable | undefined
      if (body === undefined || typeof (body as Readable).pipe !== 'function') {
        throw new Errors.UnsupportedType(
          'Send the file itself as the body, with content-type application/octet-stream.'
        )
      }
      const { projectId, name, justification } = request.query
      const d = await auditRefusal(app, request, 'import.submit', { project: projectId, name }, () =>
        app.airlock.submitImport(
          request.principal!.user,
          { projectId, name, justification, content: body },
          { sourceIp: request.ip }
        )
      )
      return reply.status(201).send(await exportRequestView(app, d, 'requester'))
    }
  )

  app.get(
    '/',
    { schema: { response: { 200: ExportRequestList, ...errorResponses } } },
    async (request) =>
      Promise.all(
        (await app.airlock.listMyImports(request.principal!.user.id)).map((r) => exportRequestSummary(app, r))
      )
  )

  app.get(
    '/:id',
    { schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) =>
      exportRequestView(app, await app.airlock.getImport(request.params.id, request.principal!.user.id), 'requester')
  )

  /** The requester withdraws an import not yet decided, as an export; its file leaves quarantine. */
  app.post(
    '/:id/withdraw',
    {
      schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } },
      preHandler: app.requireEligible('import.withdraw', { request: 'params.id' })
    },
    async (request) => {
      const d = await app.airlock.withdraw(
        request.principal!.user,
        request.params.id,
        { sourceIp: request.ip },
        'import'
      )
      return exportRequestView(app, d, 'requester')
    }
  )
}

export default routes
