import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Reader } from '../../../../../audit/console.js'
import {
  AuditPage,
  AuditQuery,
  ChainStatus,
  DataOperationParams,
  ExportQuery,
  RecordingParams,
  RecordingPartList
} from '../../../../../schemas/audit.js'
import { Bytes, errorResponses } from '../../../../../schemas/common.js'

const readerOf = (request: FastifyRequest): Reader => {
  const user = request.principal!.user
  return { id: user.id, username: user.username, sourceIp: request.ip }
}

/**
 * The audit console: search the log, check the chain, export a range signed for an auditor, play
 * back a session's terminal and read its data-operation log. Administrators only; every export,
 * playback and reading is itself audited (audit/console.ts).
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  app.get(
    '/',
    { schema: { querystring: AuditQuery, response: { 200: AuditPage, ...errorResponses } } },
    async (request) => app.auditConsole.search(request.query, readerOf(request))
  )

  /** Walks the whole chain against the signed checkpoints, as `vre audit verify` does. */
  app.get('/verify', { schema: { response: { 200: ChainStatus, ...errorResponses } } }, async (request) =>
    app.auditConsole.verify(readerOf(request))
  )

  /** A time range as JSON lines, the last line a seal signed with the audit key (see audit/export.ts). */
  app.get(
    '/export',
    { schema: { querystring: ExportQuery, response: { 200: Bytes, ...errorResponses } } },
    async (request, reply) => {
      const { filename, lines } = await app.auditConsole.export(request.query, readerOf(request))
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(Readable.from(lines))
    }
  )

  app.get(
    '/recordings/:session',
    { schema: { params: RecordingParams, response: { 200: RecordingPartList, ...errorResponses } } },
    async (request) => app.auditConsole.recordings(request.params.session)
  )

  /** One recording as asciicast v2 text, for the console's player. */
  app.get(
    '/recordings/:session/:part',
    { schema: { params: RecordingParams, response: { 200: Bytes, ...errorResponses } } },
    async (request, reply) => {
      const { session, part } = request.params
      const { text, complete } = await app.auditConsole.recording(session, Number(part), readerOf(request))
      // a part the gateway could not close plays what authenticates, and says so here and in its last event
      return reply
        .header('content-type', 'application/x-asciicast; charset=utf-8')
        .header('x-recording-complete', String(complete))
        .send(text)
    }
  )

  /**
   * A session's data-operation log: every cell source run or exported, in full, one JSON line each
   * (`at`, `actor`, `action`, `session`, `language`, `sha256`, `source`, and an export's `name`).
   * The audit records of those cells keep the same `sourceSha256`, so a line edited since is caught.
   */
  app.get(
    '/data-operations/:session',
    { schema: { params: DataOperationParams, response: { 200: Bytes, ...errorResponses } } },
    async (request, reply) => {
      const { text } = await app.auditConsole.dataOperations(request.params.session, readerOf(request))
      reply.header('content-type', 'application/x-ndjson; charset=utf-8')
      return reply.send(text.length === 0 ? '' : text)
    }
  )
}

export default routes
