import { join } from 'node:path'
import fp from 'fastify-plugin'
import { createAirlockService, type AirlockService } from '../../airlock/airlock-service.js'
import { ChecksThread } from '../../airlock/checks-thread.js'
import { Quarantine } from '../../airlock/quarantine.js'
import { CatalogCache } from '../../datasets/catalog-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    airlock: AirlockService
  }
}

/** The airlock: export requests, their quarantined files (by digest) and the reviews that release them. */
export default fp(
  async (app) => {
    const checks = new ChecksThread()
    const catalogs = new CatalogCache(app.keys.keyring)
    const airlock = createAirlockService({
      store: app.store,
      driver: app.sandboxDriver,
      quarantine: new Quarantine(join(app.config.dataDir, 'quarantine'), app.keys.keyring),
      policy: app.policyFor,
      policyVersion: (projectId) => {
        const row = (app.policies.get(app.policies.policyNameFor(projectId)) ?? app.policies.get('default'))!.row
        return { name: row.name, version: row.version }
      },
      now: app.now,
      timeZone: app.config.timeZone,
      log: app.log,
      checks,
      catalogMarks: (projectId) => catalogs.projectMarks(app.store, app.config.dataDir, projectId)
    })
    app.decorate('airlock', airlock)
    // approved imports waiting for a session arrive in its inbox as it starts
    const unsubscribe = app.sessions.onRunning((id) => {
      airlock
        .deliverPending(id)
        .catch((err: unknown) => app.log.error({ err, session: id }, 'delivering imports failed'))
    })
    app.addHook('onClose', async () => {
      unsubscribe()
      await checks.close()
    })
    // what was approved while a previous run of the gateway stopped before releasing it
    app.addHook('onReady', async () => {
      await airlock.sweepQuarantine()
      void airlock.releaseApproved()
    })
  },
  { name: 'airlock', dependencies: ['sessions', 'policy', 'store', 'config'] }
)
