import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  ExportRequestSummary,
  ExportRequestView,
  FileParams,
  RequestParams,
  ReviewBody,
  ReviewExcerpt,
  VoteBody,
  ExportRequestList
} from '../../../../schemas/airlock.js'
import { Bytes, errorResponses } from '../../../../schemas/common.js'
import { exportRequestSummary, exportRequestView, fileHeaders } from '../exports/view.js'

/**
 * The reviewers' side of the airlock: the queue of requests of the projects a reviewer is assigned
 * to and independent of, a request with its files, checks and history, the files themselves for a
 * preview (within a daily volume), a vote on each file, and the review that makes the votes count.
 * A request a reviewer may not see answers 404, as if there were none; every refusal is audited.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('reviewer'))
  const ctx = (ip: string) => ({ sourceIp: ip })

  app.get(
    '/',
    { schema: { response: { 200: ExportRequestList, ...errorResponses } } },
    async (request) => {
      const reviewer = request.principal!.user
      return Promise.all((await app.airlock.queue(reviewer)).map((r) => exportRequestSummary(app, r, reviewer)))
    }
  )

  /** Opening a submitted request starts its review. */
  app.get(
    '/:id',
    { schema: { params: RequestParams, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) => {
      const { d, s } = await app.airlock.review(request.principal!.user, request.params.id, ctx(request.ip))
      return exportRequestView(app, d, 'reviewer', s)
    }
  )

  /**
   * A file's bytes for the reviewer's preview (checked against its digest), only while the request
   * is in review (every round of it, so a resubmission can be compared), never of an export that
   * may hold individual records (its excerpt is read instead); audited, and counted against the
   * reviewer's daily preview volume.
   */
  app.get(
    '/:id/files/:fileId/content',
    { schema: { params: FileParams, response: { 200: Bytes, ...errorResponses } } },
    async (request, reply) => {
      const { id, fileId } = request.params
      const f = await app.airlock.preview(request.principal!.user, id, fileId, ctx(request.ip))
      return reply.headers(fileHeaders(f.name)).send(f.bytes)
    }
  )

  /**
   * What a reviewer reads of a table or text in place of its bytes (its header, first rows and row
   * count): the only preview of an export that may hold individual records. Audited and counted
   * against the daily preview volume by its own size.
   */
  app.get(
    '/:id/files/:fileId/excerpt',
    { schema: { params: FileParams, response: { 200: ReviewExcerpt, ...errorResponses } } },
    async (request, reply) => {
      const { id, fileId } = request.params
      const excerpt = await app.airlock.excerpt(request.principal!.user, id, fileId, ctx(request.ip))
      reply.header('cache-control', 'no-store')
      return excerpt
    }
  )

  /** The reviewer's vote on one file of the round: a draft they may change until they submit their review. */
  app.put(
    '/:id/files/:fileId/vote',
    { schema: { params: FileParams, body: VoteBody, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) => {
      const b = request.body
      const comment = b.comment?.trim() ?? ''
      const { d, s } = await app.airlock.vote(
        request.principal!.user,
        request.params.id,
        {
          fileId: request.params.fileId,
          round: b.round,
          sha256: b.sha256,
          vote: b.vote,
          comment: comment === '' ? null : comment,
          commentVisibility: b.commentVisibility ?? 'researcher',
          acknowledgements: (b.acknowledgements ?? []).map((a) => ({
            rule: a.rule,
            kind: a.kind,
            comment: a.comment?.trim() || null
          }))
        },
        ctx(request.ip)
      )
      return exportRequestView(app, d, 'reviewer', s)
    }
  )

  /** Submits the reviewer's review of the round they looked at, or settles the files its reviews disagree on. */
  app.post(
    '/:id/review',
    { schema: { params: RequestParams, body: ReviewBody, response: { 200: ExportRequestView, ...errorResponses } } },
    async (request) => {
      const { round, sha256s } = request.body
      const { d, s } = await app.airlock.submitReview(
        request.principal!.user,
        request.params.id,
        { round, sha256s },
        ctx(request.ip)
      )
      return exportRequestView(app, d, 'reviewer', s)
    }
  )
}

export default routes
