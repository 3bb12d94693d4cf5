import { join } from 'node:path'
import fp from 'fastify-plugin'
import { createExportService, type ExportService } from '../../airlock/export-service.js'
import { Quarantine } from '../../airlock/quarantine.js'

declare module 'fastify' {
  interface FastifyInstance {
    exportRequests: ExportService
  }
}

/** The airlock: export requests, their quarantined files (by digest) and the reviews that release them. */
export default fp(
  async (app) => {
    app.decorate(
      'exportRequests',
      createExportService({
        store: app.store,
        driver: app.sandboxDriver,
        quarantine: new Quarantine(join(app.config.dataDir, 'quarantine')),
        policy: app.policy,
        now: app.now,
        log: app.log
      })
    )
  },
  { name: 'airlock', dependencies: ['sessions', 'policy', 'store', 'config'] }
)
