import fp from 'fastify-plugin'
import { createTerminalAudit, type TerminalAudit } from '../../terminal/terminal-audit.js'
import { TicketBook } from '../../terminal/tickets.js'

declare module 'fastify' {
  interface FastifyInstance {
    terminalTickets: TicketBook
    /** terminals refused, opened and closed, on record */
    terminalAudit: TerminalAudit
  }
}

/** Terminal tickets, and every terminal closed when its session leaves `running`. */
export default fp(
  async (app) => {
    const terminals = app.terminals
    app.decorate('terminalTickets', new TicketBook(() => app.now().getTime()))
    app.decorate('terminalAudit', createTerminalAudit(app.store))
    const unsubscribe = app.sessions.onEnding((id) => {
      terminals.end(id).catch((err: unknown) => app.log.error({ err, session: id }, 'closing terminals failed'))
    })
    app.addHook('onClose', async () => unsubscribe())
  },
  { name: 'terminals', dependencies: ['sessions', 'config'] }
)
