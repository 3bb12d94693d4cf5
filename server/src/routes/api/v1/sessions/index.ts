import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { quoteSandboxText, showCellOutputs, viewerOf } from '../../../../display/screen.js'
import { Errors } from '../../../../errors.js'
import { requestContext } from '../../../../plugins/app/auth.js'
import type { SandboxPolicy } from '../../../../policy/schema.js'
import { errorResponses } from '../../../../schemas/common.js'
import {
  CellResult,
  RunCellBody,
  SessionParams,
  SessionView,
  StartSessionBody,
  TerminalTicketView
} from '../../../../schemas/sessions.js'
import type { SandboxSessionRow } from '../../../../store/types.js'
import { OUTBOX_DIR } from '../../../../notebook/kernel-service.js'
import { ExportCellBody, ExportCellView, type FileEntry } from '../../../../schemas/files.js'
import { WORK_DIR } from '../../../../sessions/workspace.js'
import { sessionAccess } from './access.js'
import { bounded, dataOperations, outputKinds } from './data-operations.js'
import files from './files.js'

/** A cell's source may be 100,000 characters of any script: room for that as UTF-8 JSON. */
const CELL_BODY_LIMIT = 512 * 1024

/** A file the kernel says it wrote into the outbox, as the Files view lists it; null if it is not one. */
function exportedFile(f: unknown): FileEntry | null {
  if (typeof f !== 'object' || f === null) return null
  const { path, size, modifiedAt } = f as Record<string, unknown>
  if (typeof path !== 'string' || !path.startsWith(`${OUTBOX_DIR}/`) || typeof size !== 'number') return null
  if (typeof modifiedAt !== 'string') return null
  const rel = path.slice(WORK_DIR.length + 1)
  return { path: rel, name: rel.slice(rel.lastIndexOf('/') + 1), type: 'file', size, modifiedAt }
}

function digestOf(f: unknown): string | null {
  const d = typeof f === 'object' && f !== null ? (f as Record<string, unknown>).sha256 : undefined
  return typeof d === 'string' && /^[0-9a-f]{64}$/.test(d) ? d : null
}

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
    // counted from the request, as the reaper and the sandbox's own deadline count it
    expiresAt:
      s.startedAt === null || limits.maxDurationMinutes === undefined
        ? null
        : new Date(Date.parse(s.createdAt) + limits.maxDurationMinutes * 60_000).toISOString(),
    idleMinutes: limits.idleMinutes ?? 0
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('researcher'))

  const { own, running } = sessionAccess(app)
  const dataOps = dataOperations(app)
  await app.register(files)

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

  /**
   * The session's state as Server-Sent Events: a `session` event with the session now and after each
   * change, `progress` events while it starts (sandbox, data with bytes, workspace). Ends once the
   * session has stopped or failed, or when the client goes away. Read with fetch (it needs the
   * Authorization header, which EventSource cannot send).
   */
  app.get('/:id/events', { schema: { params: SessionParams, response: errorResponses } }, async (request, reply) => {
    const userId = request.principal!.user.id
    await own(request.params.id, userId)
    const id = request.params.id
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive'
    })
    let closed = false
    const send = (event: string, data: unknown) => {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    }
    // one read at a time, so events leave in the order the changes happened
    let queue = Promise.resolve()
    const sendSession = () => {
      queue = queue.then(async () => {
        const s = await app.sessions.get(id)
        if (s === null || closed) return
        send('session', sessionView(s))
        if (s.state === 'stopped' || s.state === 'failed') finish()
      })
      queue = queue.catch((err: unknown) => {
        request.log.error({ err }, 'session events: reading the session failed')
        finish()
      })
    }
    const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), 15_000)
    // the session as it is now goes first; changes from here on follow it in order
    sendSession()
    const unsubscribe = app.sessions.subscribe(id, (change) => {
      if (change.kind === 'state') sendSession()
      else {
        const { kind: _, ...step } = change
        queue = queue.then(() => send('progress', step))
      }
    })
    function finish() {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      unsubscribe()
      res.end()
    }
    res.on('close', finish)
  })

  /**
   * Runs a notebook cell in the session's kernel: SQL on DuckDB with the dataset attached, Python
   * on the sandbox's ipykernel. Every source run is audited (the data-operation log).
   */
  app.post(
    '/:id/cells',
    {
      bodyLimit: CELL_BODY_LIMIT,
      schema: { params: SessionParams, body: RunCellBody, response: { 200: CellResult, ...errorResponses } },
      preHandler: app.requireEligible('cell.run', { session: 'params.id' })
    },
    async (request) => {
      const user = request.principal!.user
      const s = await running(request.params.id, user.id)
      const { language, source } = request.body
      app.sessions.touch(s.id)
      // the whole source is on record before the cell runs; its audit records keep a digest and an excerpt
      const logged = await dataOps.record(request, s, { action: 'cell.run', language, source })
      const started = Date.now()
      let reply: Awaited<ReturnType<typeof app.kernels.run>>
      try {
        reply = await app.kernels.run(s.id, s.sandboxId, { language, source })
      } catch (err) {
        await app.store.appendAudit({
          actor: user.id,
          action: 'cell.run',
          sourceIp: request.ip,
          target: s.id,
          outcome: 'error',
          details: { language, ...logged, reason: bounded((err as Error).message) }
        })
        const why = quoteSandboxText(app.display, viewerOf(s), (err as Error).message)
        throw new Errors.Conflict(`The cell could not be run: ${why}.`)
      }
      app.sessions.touch(s.id)
      await app.store.appendAudit({
        actor: user.id,
        action: 'cell.run',
        sourceIp: request.ip,
        target: s.id,
        outcome: reply.status === 'ok' ? 'success' : 'error',
        details: {
          language,
          ...logged,
          ms: Date.now() - started,
          outputs: outputKinds(reply.outputs)
        }
      })
      return {
        status: reply.status,
        outputs: showCellOutputs(app.display, viewerOf(s), reply.outputs),
        durationMs: reply.durationMs ?? null,
        executionCount: reply.executionCount ?? null
      }
    }
  )

  /**
   * Sends a cell's result to the outbox for the airlock: every row as outbox/NAME.csv, the cell's
   * source beside it as NAME.sql or NAME.py. The last statement or expression runs again in the
   * kernel as it is now; the source goes to the data-operation log first, the export is audited with its digest.
   */
  app.post(
    '/:id/cells/export',
    {
      bodyLimit: CELL_BODY_LIMIT,
      schema: { params: SessionParams, body: ExportCellBody, response: { 201: ExportCellView, ...errorResponses } },
      preHandler: app.requireEligible('cell.export', { session: 'params.id' })
    },
    async (request, reply) => {
      const user = request.principal!.user
      const s = await running(request.params.id, user.id)
      const { language, source, name } = request.body
      app.sessions.touch(s.id)
      const logged = await dataOps.record(request, s, { action: 'cell.export', language, source, name })
      const result = await app.kernels
        .exportResult(s.id, s.sandboxId, { language, source, name })
        .catch((err: unknown) => {
          const why = quoteSandboxText(app.display, viewerOf(s), (err as Error).message)
          throw new Errors.Conflict(`The result could not be sent to the outbox: ${why}.`)
        })
      const files = [result.csv, result.query].map((f) => exportedFile(f))
      const error = result.outputs.find((o) => o.type === 'error')
      const sha256 = digestOf(result.csv)
      const audit = {
        actor: user.id,
        action: 'cell.export',
        sourceIp: request.ip,
        target: s.id,
        details: {
          language,
          ...logged,
          name,
          rows: result.rows ?? null,
          csvSha256: sha256,
          ...(error ? { reason: bounded(`${error.ename}: ${error.evalue}`) } : {})
        }
      }
      const ok =
        result.status === 'ok' &&
        error === undefined &&
        !files.includes(null) &&
        typeof result.rows === 'number' &&
        sha256 !== null
      if (!ok) {
        await app.store.appendAudit({ ...audit, outcome: 'error' })
        // the kernel's words are the researcher's query's: quoted within the display budget
        const why = error
          ? quoteSandboxText(app.display, viewerOf(s), `${error.ename}: ${error.evalue}`)
          : 'the kernel gave no file'
        const Refusal = error?.ename === 'FileExistsError' ? Errors.Conflict : Errors.BadRequest
        throw new Refusal(`The result could not be sent to the outbox: ${why}`)
      }
      // a model's residual degrees of freedom, as the export helper read them off the model (whole
      // ones, rounded down); anything else is not recorded, and the residual-df check asks for review
      const residualDf =
        typeof result.residualDf === 'number' && Number.isFinite(result.residualDf) && result.residualDf >= 0
          ? Math.min(Math.floor(result.residualDf), Number.MAX_SAFE_INTEGER)
          : null
      // the CSV's digest bound to this source: the airlock recounts individuals from it (the copy kept
      // here counts against the session's data-operation quota too)
      await app.store.recordCellExport(
        {
          sha256,
          sessionId: s.id,
          userId: user.id,
          name,
          language,
          source,
          rows: result.rows as number,
          createdAt: app.now().toISOString(),
          residualDf
        },
        { ...audit, outcome: 'success' }
      )
      return reply.status(201).send({
        csv: files[0]!,
        query: files[1]!,
        rows: result.rows as number,
        ...(residualDf !== null ? { residualDf } : {})
      })
    }
  )

  /** Interrupts the running cell, or restarts the kernel (temporary tables and variables are gone). */
  for (const op of ['interrupt', 'restart'] as const) {
    app.post(
      `/:id/kernel/${op}`,
      { schema: { params: SessionParams, response: { 200: CellResult, ...errorResponses } } },
      async (request) => {
        const user = request.principal!.user
        const s = await running(request.params.id, user.id)
        const reply = await app.kernels[op](s.id, s.sandboxId)
        await app.store.appendAudit({
          actor: user.id,
          action: `kernel.${op}`,
          sourceIp: request.ip,
          target: s.id,
          outcome: 'success'
        })
        return {
          status: reply.status,
          outputs: showCellOutputs(app.display, viewerOf(s), reply.outputs),
          durationMs: null,
          executionCount: null
        }
      }
    )
  }

  /** A single-use ticket, good for 60 s, to open this session's terminal WebSocket. */
  app.post(
    '/:id/terminal-ticket',
    {
      schema: { params: SessionParams, response: { 201: TerminalTicketView, ...errorResponses } },
      preHandler: app.requireEligible('terminal.open', { session: 'params.id' })
    },
    async (request, reply) => {
      const { user, claims } = request.principal!
      const s = await running(request.params.id, user.id)
      const t = app.terminalTickets.issue({ userId: user.id, signInId: claims.sid, sessionId: s.id })
      return reply.status(201).send({ ticket: t.ticket, expiresAt: t.expiresAt.toISOString() })
    }
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
