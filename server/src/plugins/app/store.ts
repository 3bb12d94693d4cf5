import { join } from 'node:path'
import fp from 'fastify-plugin'
import { sweepMemoryLeftovers } from '../../datasets/at-rest.js'
import { closeKeys, type Keys, openKeys } from '../../keys/keys.js'
import { SqliteStore } from '../../store/sqlite/sqlite-store.js'
import type { Store } from '../../store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
    keys: Keys
  }
}

export const STORE_FILE = 'vre.sqlite'

/** Keys first (no token, a wrong PIN or a weak key stops the boot), then the encrypted state store. */
export default fp(
  async (app) => {
    const keys = openKeys(app.config)
    let store: SqliteStore
    try {
      store = new SqliteStore({
        path: join(app.config.dataDir, STORE_FILE),
        auditSigner: keys.auditSigner,
        key: keys.keyring.platformKey('state'),
        now: app.now
      })
    } catch (e) {
      closeKeys(keys)
      throw e
    }
    // plaintext a killed gateway or command left in memory-backed storage goes before anything else runs
    const swept = sweepMemoryLeftovers()
    if (swept.length > 0) app.log.warn({ removed: swept }, 'removed plaintext left in memory-backed storage by processes that ended')
    if (keys.keyring.provider.kind === 'file') {
      app.log.warn(`keys are in ${keys.keyring.provider.description}: for development only, never with real data`)
    }
    app.decorate('keys', keys)
    app.decorate('store', store)
    app.addHook('onClose', async () => {
      store.close()
      closeKeys(keys)
    })
  },
  { name: 'store', dependencies: ['config'] }
)
