import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Errors } from '../../../../errors.js'
import {
  DecisionBody,
  ExportRequestSummary,
  ExportRequestView,
  FileParams,
  RequestParams
} from '../../../../schemas/airlock.js'
import { errorResponses } from '../../../../schemas/common.js'
import { exportRequestSummary, exportRequestView, fileHeaders } from '../exports/view.js'

/**
 * The reviewers' side of the airlock: the queue of other people's requests, a request with its
 * files, checks and history, the files themselves for a preview, and decisions.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('reviewer'))
  const ctx = (ip: string) => ({ sourceIp: ip })

  app.get(
    '/',
    { schema: { response: { 200: Type.Array(ExportRequestSummary), ...errorResponses } } },
    async (request) =>
      Promise.all((await app.airlock.queue(request.principal!.user)).map((r) => exportRequestSummary(app, r)))
  )

  /** Opening a submitted request starts its review. */
  app.get(
    '/:id',
    { schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) =>
      exportRequestView(
        app,
        await app.airlock.review(request.principal!.user, request.params.id, ctx(request.ip)),
        'reviewer'
      )
  )

  /**
   * A file's bytes for the reviewer's preview (checked against its digest), only while the request
   * is in review (every round of it, so a resubmission can be compared); audited.
   */
  app.get(
    '/:id/files/:fileId/content',
    { schema: { params: FileParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (request, reply) => {
      const { id, fileId } = request.params
      const reviewer = request.principal!.user
      const d = await app.airlock.review(reviewer, id, ctx(request.ip))
      const file = d.files.find((f) => f.id === fileId)
      if (file === undefined) throw new Errors.NotFound('There is no such file in this request.')
      // a preview is for deciding: once decided, the bytes leave only by release, to the requester
      if (d.request.state !== 'in_review') {
        throw new Errors.Forbidden(`The request is ${d.request.state}; its files are shown only while it is in review.`)
      }
      const bytes = await app.airlock.previewBytes(file.sha256)
      await app.store.appendAudit({
        actor: reviewer.id,
        action: 'review.preview',
        sourceIp: request.ip,
        target: id,
        outcome: 'success',
        details: { file: file.id, name: file.name, sha256: file.sha256 }
      })
      return reply.headers(fileHeaders(file.name)).send(bytes)
    }
  )

  app.post(
    '/:id/decisions',
    { schema: { params: RequestParams, body: DecisionBody, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) => {
      const { decision, comment, round, sha256s } = request.body
      const d = await app.airlock.decide(
        request.principal!.user,
        request.params.id,
        decision,
        comment ?? null,
        { round, sha256s },
        ctx(request.ip)
      )
      return exportRequestView(app, d, 'reviewer')
    }
  )
}

export default routes
