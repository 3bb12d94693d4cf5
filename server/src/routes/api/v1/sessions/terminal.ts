import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type {} from '@fastify/websocket'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { RawData, WebSocket } from 'ws'
import { Errors } from '../../../../errors.js'
import { SessionParams } from '../../../../schemas/sessions.js'
import type { Terminal } from '../../../../terminal/terminal-service.js'
import type { TerminalTicket } from '../../../../terminal/tickets.js'

/** Output the browser has not yet confirmed drawing, beyond which the gateway stops reading the sandbox. */
export const UNACKED_HIGH = 1024 * 1024
/** ...and below which it reads again. */
export const UNACKED_LOW = 128 * 1024
/** How often an open terminal checks that its sign-in still holds. */
const RECHECK_MS = 5_000

const TerminalQuery = Type.Object(
  {
    ticket: Type.String({ minLength: 20, maxLength: 100 }),
    cols: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
    rows: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' }))
  },
  { additionalProperties: false }
)

/** What the browser sends, as JSON text frames; output goes back as binary frames. */
type ClientMessage =
  { type: 'input'; data: string } | { type: 'resize'; cols: number; rows: number } | { type: 'ack'; bytes: number }

function parseMessage(raw: RawData): ClientMessage | null {
  try {
    const m = JSON.parse(raw.toString()) as Partial<ClientMessage> & Record<string, unknown>
    if (m.type === 'input' && typeof m.data === 'string') return { type: 'input', data: m.data }
    if (m.type === 'resize' && Number.isInteger(m.cols) && Number.isInteger(m.rows)) {
      const cols = m.cols as number
      const rows = m.rows as number
      if (cols >= 1 && cols <= 1000 && rows >= 1 && rows <= 1000) return { type: 'resize', cols, rows }
    }
    if (m.type === 'ack' && Number.isInteger(m.bytes) && (m.bytes as number) >= 0) {
      return { type: 'ack', bytes: m.bytes as number }
    }
  } catch {
    // not JSON
  }
  return null
}

declare module 'fastify' {
  interface FastifyRequest {
    terminalGrant: TerminalTicket | null
  }
}

/**
 * The terminal WebSocket: `GET /api/v1/sessions/:id/terminal?ticket=` (a single-use ticket from
 * POST /:id/terminal-ticket). Origin, ticket, sign-in and session are all checked before the
 * upgrade, so a refused client gets an HTTP error and never a socket.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.decorateRequest('terminalGrant', null)

  const deny = async (request: FastifyRequest, actor: string, reason: string) => {
    const sessionId = (request.params as { id?: string }).id ?? null
    await app.terminalAudit.refused(actor, { sourceIp: request.ip, sessionId }, reason)
  }

  app.get(
    '/:id/terminal',
    {
      websocket: true,
      schema: { params: SessionParams, querystring: TerminalQuery },
      onRequest: async (request) => {
        // RFC 6455 section 10.2: a page from another origin must not drive the researcher's shell
        const origin = request.headers.origin
        const own = `${request.protocol}://${request.host}`
        if (origin === undefined || (origin !== own && !app.config.allowedOrigins.includes(origin))) {
          const reason = origin === undefined ? 'no Origin header' : `foreign origin ${origin.slice(0, 200)}`
          await deny(request, 'anonymous', reason)
          throw new Errors.Forbidden(`Terminal connections are refused from this page (${reason}).`)
        }
      },
      preHandler: async (request) => {
        const { id } = request.params as { id: string }
        const { ticket } = request.query as { ticket: string }
        const grant = app.terminalTickets.redeem(ticket, id)
        if ('refused' in grant) {
          await deny(request, 'anonymous', grant.refused)
          throw new Errors.Unauthenticated(`The terminal ticket was refused: ${grant.refused}.`)
        }
        const lapsed = await app.auth.signInLapsed(grant.signInId, grant.userId)
        if (lapsed !== null) {
          await deny(request, grant.userId, lapsed)
          throw new Errors.Unauthenticated(`The terminal was refused: ${lapsed}.`)
        }
        const session = await app.sessions.get(id)
        if (session === null || session.userId !== grant.userId) throw new Errors.NotFound('There is no such session.')
        if (session.state !== 'running' || session.sandboxId === null) {
          await deny(request, grant.userId, `session is ${session.state}`)
          throw new Errors.Conflict(`The session is ${session.state}; a terminal needs a running session.`)
        }
        request.terminalGrant = grant
      }
    },
    (socket: WebSocket, request) => {
      const grant = request.terminalGrant!
      const { id } = request.params as { id: string }
      const query = request.query as { cols?: string; rows?: string }
      const size = { cols: Number(query.cols ?? 80), rows: Number(query.rows ?? 24) }
      // messages can arrive while the terminal opens: they wait for it
      const pending: ClientMessage[] = []
      let terminal: Terminal | null = null
      let closed = false
      let sent = 0
      let acked = 0
      let paused = false
      const openedAt = Date.now()

      const close = (code: number, reason: string) => {
        if (closed) return
        closed = true
        clearInterval(recheck)
        terminal?.close()
        if (socket.readyState === socket.OPEN) {
          socket.send(JSON.stringify({ type: 'closed', reason }))
          socket.close(code, reason.slice(0, 120))
        }
        const seconds = Math.round((Date.now() - openedAt) / 1000)
        void app.terminalAudit
          .closed(grant.userId, { sourceIp: request.ip, sessionId: id }, reason, seconds, sent)
          .catch((err: unknown) => request.log.error({ err }, 'could not audit a terminal close'))
      }

      const handle = (m: ClientMessage) => {
        if (terminal === null) {
          pending.push(m)
          return
        }
        if (m.type === 'input') {
          app.sessions.touch(id)
          terminal.write(m.data)
        } else if (m.type === 'resize') {
          terminal.resize(m).catch(() => undefined)
        } else {
          acked = Math.max(acked, Math.min(m.bytes, sent))
          if (paused && sent - acked <= UNACKED_LOW) {
            paused = false
            terminal.output.resume()
          }
        }
      }

      socket.on('message', (raw, isBinary) => {
        const m = isBinary ? null : parseMessage(raw)
        if (m === null) close(1003, 'messages must be JSON: input, resize or ack')
        else handle(m)
      })
      socket.on('close', () => close(1000, 'the browser closed the terminal'))
      socket.on('error', () => close(1011, 'the connection failed'))

      const recheck = setInterval(() => {
        void (async () => {
          const lapsed = await app.auth.signInLapsed(grant.signInId, grant.userId)
          if (lapsed !== null) close(4001, lapsed)
        })().catch(() => undefined)
      }, RECHECK_MS)

      void (async () => {
        const session = (await app.sessions.get(id))!
        const t = await app.terminals.open(
          { sessionId: id, projectId: session.projectId, userId: session.userId },
          session.sandboxId!,
          size
        )
        if (closed) {
          t.close()
          return
        }
        terminal = t
        await app.terminalAudit.opened(grant.userId, { sourceIp: request.ip, sessionId: id }, size)
        // a flood arrives from the engine in many small chunks: those of one turn of the event
        // loop leave as one frame, which saves the gateway and the browser a frame each
        let frame: Buffer[] = []
        let frameBytes = 0
        const sendFrame = () => {
          const data = frame.length === 1 ? frame[0]! : Buffer.concat(frame, frameBytes)
          frame = []
          frameBytes = 0
          if (!closed) socket.send(data, { binary: true })
        }
        t.output.on('data', (c: Buffer) => {
          if (closed) return
          sent += c.length
          if (frame.length === 0) setImmediate(sendFrame)
          frame.push(c)
          frameBytes += c.length
          if (!paused && sent - acked > UNACKED_HIGH) {
            paused = true
            t.output.pause()
          }
        })
        // pacing to the display budget is shown above the terminal, never written into it
        t.onNotice((notice) => {
          if (!closed && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'display', ...notice }))
        })
        void t.ended.then((why) => close(why === 'the terminal was opened in another window' ? 4002 : 1000, why))
        for (const m of pending.splice(0)) handle(m)
      })().catch((err: unknown) => {
        request.log.error({ err, session: id }, 'opening a terminal failed')
        close(1011, 'the terminal could not be opened')
      })
    }
  )
}

export default routes
