import fp from 'fastify-plugin'
import { type AuditConsole, createAuditConsole } from '../../audit/console.js'

declare module 'fastify' {
  interface FastifyInstance {
    auditConsole: AuditConsole
  }
}

/** The audit console's reads: search, verify, export, playback (each on record), and the monitor's alerts. */
export default fp(
  async (app) => {
    app.decorate(
      'auditConsole',
      createAuditConsole({
        store: app.store,
        keys: app.keys,
        dataOperations: app.dataOperations,
        dataDir: app.config.dataDir,
        now: app.now
      })
    )
  },
  { name: 'audit-console', dependencies: ['store', 'config', 'notebook'] }
)
