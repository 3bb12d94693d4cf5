import fp from 'fastify-plugin'
import { TicketBook } from '../../terminal/tickets.js'

declare module 'fastify' {
  interface FastifyInstance {
    terminalTickets: TicketBook
  }
}

/** Terminal tickets, and every terminal closed when its session leaves `running`. */
export default fp(
  async (app) => {
    const terminals = app.terminals
    app.decorate('terminalTickets', new TicketBook(() => app.now().getTime()))
    const unsubscribe = app.sessions.onEnding((id) => {
      terminals.end(id).catch((err: unknown) => app.log.error({ err, session: id }, 'closing terminals failed'))
    })
    app.addHook('onClose', async () => unsubscribe())
  },
  { name: 'terminals', dependencies: ['sessions', 'config'] }
)
