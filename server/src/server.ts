import type { FastifyInstance } from 'fastify'
import { build } from './app.js'
import type { Config } from './config/config.js'

/** Starts the gateway and stops it cleanly on SIGINT/SIGTERM. */
export async function start(
  config: Config,
  prepare?: (app: FastifyInstance) => Promise<void>
): Promise<FastifyInstance> {
  const app = await build({ config })
  await app.ready()
  if (prepare) await prepare(app)
  await app.listen({ host: config.host, port: config.port })
  await app.store.appendAudit({
    actor: 'system',
    action: 'gateway.start',
    sourceIp: null,
    target: `${config.host}:${config.port}`,
    outcome: 'success'
  })
  let closing = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (closing) return
      closing = true
      app.log.info({ signal }, 'shutting down')
      void app.store
        .appendAudit({ actor: 'system', action: 'gateway.stop', sourceIp: null, target: signal, outcome: 'success' })
        .catch(() => undefined)
        .then(() => app.close())
        .then(() => process.exit(0))
    })
  }
  return app
}
