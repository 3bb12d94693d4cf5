import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { exportLines } from '../../../../../audit/export.js'
import type { AuditRecord } from '../../../../../audit/record.js'
import { verifyChain } from '../../../../../audit/verify.js'
import { Errors } from '../../../../../errors.js'
import {
  AuditPage,
  AuditQuery,
  ChainStatus,
  DataOperationParams,
  ExportQuery,
  RecordingParams,
  RecordingPart
} from '../../../../../schemas/audit.js'
import { errorResponses } from '../../../../../schemas/common.js'
import { recordingParts } from '../../../../../terminal/recording.js'

/** A time from the query string; one the schema lets through but no clock has (23:59:60) is refused. */
function instant(text: string, name: string): Date {
  const at = new Date(text)
  if (Number.isNaN(at.getTime()))
    throw new Errors.BadRequest(`"${name}" is not a time we can read: ${text.slice(0, 40)}`)
  return at
}

/** Longest range one export covers: a year, so an export stays a file an auditor can open. */
const MAX_EXPORT_DAYS = 366

/**
 * The audit console: search the log, check the chain, export a range signed for an auditor, play
 * back a session's terminal and read its data-operation log. Administrators only; every export,
 * playback and reading is itself audited.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  // the response schema leaves out what a record holds besides (its link to the one before)
  const usernames = async (records: AuditRecord[]) => {
    const byId = new Map((await app.store.listUsers()).map((u) => [u.id, u.username]))
    return records.map((r) => ({ ...r, actorName: byId.get(r.actor) ?? null }))
  }

  app.get(
    '/',
    { schema: { querystring: AuditQuery, response: { 200: AuditPage, ...errorResponses } } },
    async (request) => {
      const q = request.query
      const from = q.from === undefined ? undefined : instant(q.from, 'from')
      const to = q.to === undefined ? undefined : instant(q.to, 'to')
      if (from !== undefined && to !== undefined && from >= to) {
        throw new Errors.BadRequest('"from" must be before "to".')
      }
      // a username is what an administrator knows; the log records user ids
      const actor = q.actor === undefined ? undefined : ((await app.store.getUserByUsername(q.actor))?.id ?? q.actor)
      const limit = Math.min(Number(q.limit ?? 100), 500)
      // who read what of the log is itself on record
      await app.store.appendAudit({
        actor: request.principal!.user.id,
        action: 'audit.search',
        sourceIp: request.ip,
        target: null,
        outcome: 'success',
        details: { filter: { ...q } }
      })
      const records = await app.store.searchAudit({
        actor,
        action: q.action,
        outcome: q.outcome,
        project: q.project,
        session: q.session,
        from: from?.toISOString(),
        to: to?.toISOString(),
        beforeSeq: q.before === undefined ? undefined : Number(q.before),
        limit
      })
      const last = records.at(-1)
      return {
        records: await usernames(records),
        next: records.length === limit && last !== undefined && last.seq > 1 ? String(last.seq) : null
      }
    }
  )

  /** Walks the whole chain against the signed checkpoints, as `vre audit verify` does. */
  app.get('/verify', { schema: { response: { 200: ChainStatus, ...errorResponses } } }, async (request) => {
    const result = await verifyChain(
      app.store.auditRecords(),
      await app.store.auditCheckpoints(),
      app.keys.auditPublicKey
    )
    await app.store.appendAudit({
      actor: request.principal!.user.id,
      action: 'audit.verify',
      sourceIp: request.ip,
      target: null,
      outcome: 'success',
      details: result.ok
        ? { intact: true, records: result.records }
        : { intact: false, firstBrokenSeq: result.firstBrokenSeq, reason: result.reason }
    })
    return {
      ok: result.ok,
      records: result.records,
      headSeq: result.ok ? result.headSeq : null,
      firstBrokenSeq: result.ok ? null : result.firstBrokenSeq,
      reason: result.ok ? null : result.reason,
      checkedAt: app.now().toISOString()
    }
  })

  /** A time range as JSON lines, the last line a seal signed with the audit key (see audit/export.ts). */
  app.get(
    '/export',
    { schema: { querystring: ExportQuery, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (request, reply) => {
      const from = instant(request.query.from, 'from')
      const to = instant(request.query.to, 'to')
      if (from >= to) throw new Errors.BadRequest('"from" must be before "to".')
      if (to.getTime() - from.getTime() > MAX_EXPORT_DAYS * 86_400_000) {
        throw new Errors.BadRequest(`An export covers at most ${MAX_EXPORT_DAYS} days; export longer periods in parts.`)
      }
      const user = request.principal!.user
      await app.store.appendAudit({
        actor: user.id,
        action: 'audit.export',
        sourceIp: request.ip,
        target: null,
        outcome: 'success',
        details: { from: from.toISOString(), to: to.toISOString() }
      })
      const name = `vre-audit-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.jsonl`
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(
          Readable.from(
            exportLines(
              app.store.auditRange(from.toISOString(), to.toISOString()),
              { from: from.toISOString(), to: to.toISOString(), exportedAt: app.now(), exportedBy: user.username },
              app.keys.auditPrivateKey
            )
          )
        )
    }
  )

  app.get(
    '/recordings/:session',
    { schema: { params: RecordingParams, response: { 200: Type.Array(RecordingPart), ...errorResponses } } },
    async (request) => {
      const { session } = request.params
      if ((await app.store.getSandboxSession(session)) === null) throw new Errors.NotFound('There is no such session.')
      return recordingParts(app.config.dataDir, session).map(({ part, bytes, modifiedAt }) => ({
        part,
        bytes,
        modifiedAt
      }))
    }
  )

  /** One recording as asciicast v2 text, for the console's player. */
  app.get(
    '/recordings/:session/:part',
    { schema: { params: RecordingParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (request, reply) => {
      const { session, part } = request.params
      const found = recordingParts(app.config.dataDir, session).find((p) => p.part === Number(part))
      if (found === undefined) throw new Errors.NotFound('There is no such recording.')
      await app.store.appendAudit({
        actor: request.principal!.user.id,
        action: 'recording.view',
        sourceIp: request.ip,
        target: session,
        outcome: 'success',
        details: { session, part: found.part, bytes: found.bytes }
      })
      return reply.header('content-type', 'application/x-asciicast; charset=utf-8').send(createReadStream(found.file))
    }
  )

  /**
   * A session's data-operation log: every cell source run or exported, in full, one JSON line each
   * (`at`, `actor`, `action`, `session`, `language`, `sha256`, `source`, and an export's `name`).
   * The audit records of those cells keep the same `sourceSha256`, so a line edited since is caught.
   */
  app.get(
    '/data-operations/:session',
    { schema: { params: DataOperationParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (request, reply) => {
      const { session } = request.params
      if ((await app.store.getSandboxSession(session)) === null) throw new Errors.NotFound('There is no such session.')
      const bytes = app.dataOperations.bytes(session)
      await app.store.appendAudit({
        actor: request.principal!.user.id,
        action: 'data-operations.view',
        sourceIp: request.ip,
        target: session,
        outcome: 'success',
        details: { session, bytes }
      })
      reply.header('content-type', 'application/x-ndjson; charset=utf-8')
      return reply.send(bytes === 0 ? '' : createReadStream(app.dataOperations.file(session), { end: bytes - 1 }))
    }
  )
}

export default routes
