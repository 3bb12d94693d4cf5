import { join } from 'node:path'
import { userInfo } from 'node:os'
import { type Config, loadConfig } from '../config/config.js'
import { loadKeys } from '../keys/keys.js'
import { STORE_FILE } from '../plugins/app/store.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import type { DataDirOpts, ServeOpts } from './options.js'

/** Who the audit log names for a command run on the host. */
export const actor = () => `cli:${userInfo().username}`

export function config(opts: ServeOpts): Config {
  return loadConfig({ dataDir: opts.dataDir, port: opts.port, host: opts.host })
}

/** Opens the store for an administrative command, runs it, closes it. */
export async function withStore<T>(
  opts: DataDirOpts,
  fn: (store: SqliteStore, keys: ReturnType<typeof loadKeys>) => Promise<T>
): Promise<T> {
  const cfg = config(opts)
  const keys = loadKeys(cfg.dataDir, cfg.jwtSecret)
  const store = new SqliteStore({ path: join(cfg.dataDir, STORE_FILE), auditSigningKey: keys.auditPrivateKey })
  try {
    return await fn(store, keys)
  } finally {
    store.close()
  }
}

/** Opens the store only to read the audit log: no signing key is needed, so none is loaded. */
export async function withAuditReader<T>(cfg: Config, fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ path: join(cfg.dataDir, STORE_FILE), auditSigningKey: null })
  try {
    return await fn(store)
  } finally {
    store.close()
  }
}
