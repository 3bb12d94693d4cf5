import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requestContext } from '../../../../plugins/app/auth.js'
import type { SandboxPolicy } from '../../../../policy/schema.js'
import { errorResponses } from '../../../../schemas/common.js'
import {
  CellResult,
  RunCellBody,
  SessionList,
  SessionParams,
  SessionView,
  StartSessionBody,
  TerminalTicketView
} from '../../../../schemas/sessions.js'
import type { SandboxSessionRow } from '../../../../store/types.js'
import { ExportCellBody, ExportCellView } from '../../../../schemas/files.js'
import { sessionAccess } from './access.js'
import files from './files.js'

/** A cell's source may be 100,000 characters of any script: room for that as UTF-8 JSON. */
const CELL_BODY_LIMIT = 512 * 1024

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
  await app.register(files)

  app.post(
    '/',
    { schema: { body: StartSessionBody, response: { 201: SessionView, ...errorResponses } } },
    async (request, reply) => {
      const s = await app.sessions.start(request.principal!.user, request.body.projectId, requestContext(request))
      return reply.status(201).send(sessionView(s))
    }
  )

  app.get('/', { schema: { response: { 200: SessionList, ...errorResponses } } }, async (request) =>
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
      return app.cells.run({ actor: user.id, sourceIp: request.ip }, s, request.body)
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
      const exported = await app.cells.export({ actor: user.id, sourceIp: request.ip }, s, request.body)
      return reply.status(201).send(exported)
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
        return app.cells.kernel(op, { actor: user.id, sourceIp: request.ip }, s)
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
