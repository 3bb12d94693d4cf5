import fp from 'fastify-plugin'
import { createDisplayWatch } from '../../monitoring/display-watch.js'
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
      display: app.display,
      watch: createDisplayWatch({
        store: app.store,
        dataDir: app.config.dataDir,
        keyring: app.keys.keyring,
        now: app.now,
        // the watch works on without them, blind to that dataset: an administrator must know
        problem: (dataset, reason) => {
          app.log.error({ dataset, reason }, 'a dataset cannot be recognised on screens')
          void app.store
            .appendAudit({
              actor: 'system',
              action: 'monitoring.degraded',
              sourceIp: null,
              target: null,
              outcome: 'error',
              details: { dataset, reason }
            })
            .catch((err: unknown) => app.log.error({ err }, 'could not record a monitoring problem'))
        }
      }),
      timeZone: app.config.timeZone,
      now: app.now,
      log: app.log
    })
    app.decorate('monitor', monitor)
    const unsubscribe = [
      app.terminals.onOutput((id, bytes) => monitor.onOutput(id, bytes)),
      app.display.onShown((v, channel, content, binary) => monitor.onShown(v, channel, content, binary)),
      app.sessions.onEnding((id) => monitor.forget(id))
    ]
    app.addHook('onReady', async () => monitor.start())
    app.addHook('onClose', async () => {
      monitor.stop()
      for (const u of unsubscribe) u()
    })
  },
  { name: 'monitoring', dependencies: ['sessions', 'policy', 'store', 'config', 'display'] }
)
