import fp from 'fastify-plugin'
import { createMonitor, type Monitor } from '../../monitoring/monitor-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    monitor: Monitor
  }
}

/** Live monitoring: terminal output counted as it is printed, the other rules on a timer. */
export default fp(
  async (app) => {
    const monitor = createMonitor({
      store: app.store,
      driver: app.sandboxDriver,
      sessions: app.sessions,
      policy: app.policy,
      policyFor: app.policyFor,
      timeZone: app.config.timeZone,
      now: app.now,
      log: app.log
    })
    app.decorate('monitor', monitor)
    const unsubscribe = [
      app.terminals.onOutput((id, bytes) => monitor.onOutput(id, bytes)),
      app.sessions.onEnding((id) => monitor.forget(id))
    ]
    app.addHook('onReady', async () => monitor.start())
    app.addHook('onClose', async () => {
      monitor.stop()
      for (const u of unsubscribe) u()
    })
  },
  { name: 'monitoring', dependencies: ['sessions', 'policy', 'store', 'config'] }
)
