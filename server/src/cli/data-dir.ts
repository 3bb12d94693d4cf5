import { join } from 'node:path'
import { userInfo } from 'node:os'
import { type Config, loadConfig } from '../config/config.js'
import { closeKeys, type Keys, openKeys } from '../keys/keys.js'
import { STORE_FILE } from '../plugins/app/store.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import type { DataDirOpts, ServeOpts } from './options.js'

/** Who the audit log names for a command run on the host. */
export const actor = () => `cli:${userInfo().username}`

export function config(opts: ServeOpts): Config {
  return loadConfig({ dataDir: opts.dataDir, port: opts.port, host: opts.host })
}

/** Opens the keys (the key provider must be reachable) and the store for an administrative command, runs it, closes both. */
export async function withStore<T>(opts: DataDirOpts, fn: (store: SqliteStore, keys: Keys, cfg: Config) => Promise<T>): Promise<T> {
  const cfg = config(opts)
  const keys = openKeys(cfg)
  try {
    const store = new SqliteStore({
      path: join(cfg.dataDir, STORE_FILE),
      auditSigner: keys.auditSigner,
      key: keys.keyring.platformKey('state')
    })
    try {
      return await fn(store, keys, cfg)
    } finally {
      store.close()
    }
  } finally {
    closeKeys(keys)
  }
}

/** Opens the store only to read the audit log: read-only, nothing signed. */
export async function withAuditReader<T>(cfg: Config, fn: (store: SqliteStore, keys: Keys) => Promise<T>): Promise<T> {
  const keys = openKeys(cfg)
  try {
    const store = new SqliteStore({ path: join(cfg.dataDir, STORE_FILE), auditSigner: null, key: keys.keyring.platformKey('state') })
    try {
      return await fn(store, keys)
    } finally {
      store.close()
    }
  } finally {
    closeKeys(keys)
  }
}
