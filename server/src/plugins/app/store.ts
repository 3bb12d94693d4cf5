import { join } from 'node:path'
import fp from 'fastify-plugin'
import { type Keys, loadKeys } from '../../keys/keys.js'
import { SqliteStore } from '../../store/sqlite/sqlite-store.js'
import type { Store } from '../../store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
    keys: Keys
  }
}

export const STORE_FILE = 'vre.sqlite'

/** Keys first (a weak key stops the boot), then the state store in the data directory. */
export default fp(
  async (app) => {
    const keys = loadKeys(app.config.dataDir, app.config.jwtSecret)
    const store = new SqliteStore({
      path: join(app.config.dataDir, STORE_FILE),
      auditSigningKey: keys.auditPrivateKey,
      now: app.now
    })
    app.decorate('keys', keys)
    app.decorate('store', store)
    app.addHook('onClose', async () => store.close())
  },
  { name: 'store', dependencies: ['config'] }
)
