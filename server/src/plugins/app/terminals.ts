import fp from 'fastify-plugin'
import { createTerminalService, type TerminalService } from '../../terminal/terminal-service.js'
import { TicketBook } from '../../terminal/tickets.js'

declare module 'fastify' {
  interface FastifyInstance {
    terminals: TerminalService
    terminalTickets: TicketBook
  }
}

/**
 * Terminals of live sessions: the first tmux client starts as soon as a sandbox is up, and every
 * terminal closes when its session leaves `running`.
 */
export default fp(
  async (app) => {
    const terminals = createTerminalService({
      driver: app.sandboxDriver,
      dataDir: app.config.dataDir,
      now: () => app.now().getTime(),
      log: app.log
    })
    app.decorate('terminals', terminals)
    app.decorate('terminalTickets', new TicketBook(() => app.now().getTime()))
    const unsubscribe = app.sessions.subscribeAll((id, change) => {
      if (change.kind === 'sandbox') terminals.prepare(id, change.sandboxId)
      else if (change.kind === 'state' && change.state !== 'starting' && change.state !== 'running') {
        terminals.end(id).catch((err: unknown) => app.log.error({ err, session: id }, 'closing terminals failed'))
      }
    })
    app.addHook('onClose', async () => unsubscribe())
  },
  { name: 'terminals', dependencies: ['sessions', 'config'] }
)
