import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../../config/config.js'
import { ConfigError } from '../../errors.js'
import { STORE_FILE } from '../../plugins/app/store.js'
import { SqliteStore } from '../../store/sqlite/sqlite-store.js'
import { shred } from '../erasure/erase.js'
import { legacyKeyFiles, openProvider } from '../keys.js'
import { Keyring } from '../keyring.js'
import { Journal } from './journal.js'
import type { FileKind } from './kinds.js'
import { FILE_KINDS } from './project-kinds.js'
import { importLegacyKeys } from './legacy-keys.js'
import { encryptStateDb, isPlainSqlite } from './state-db.js'

/** Whether a kind still finds a plaintext file (the store opened read-only for the kinds that ask it). */
async function anyPlainFile(dataDir: string, keyring: Keyring, kinds: FileKind[]): Promise<boolean> {
  const path = join(dataDir, STORE_FILE)
  if (!existsSync(path)) return false
  const store = new SqliteStore({ path, auditSigner: null, key: keyring.platformKey('state') })
  try {
    for (const k of kinds) if ((await k.find({ dataDir, keyring, store })).length > 0) return true
    return false
  } finally {
    store.close()
  }
}

export interface EncryptOptions {
  actor: string
  now?: () => Date
  kinds?: FileKind[]
  /** told each step as it finishes (`keys`, `state`, `file`); a test throws here to interrupt the run */
  onStep?: (step: string) => void
  /** progress for a person watching */
  say?: (line: string) => void
}

export interface EncryptResult {
  /** false: the directory was encrypted already and nothing was done */
  changed: boolean
  keysImported: string[]
  stateDatabase: boolean
  files: Record<string, number>
}

/**
 * `vre data encrypt`: moves a plaintext data directory under the key provider, in place. Keys first
 * (the legacy key files imported, not yet removed), then the state database (SQLCipher), then every
 * kind of file; then the run is recorded in the audit log (`data.encrypted`), and only then are the
 * legacy key files overwritten and deleted. A journal of what is done lets an interrupted run
 * continue; on a directory already encrypted it does nothing.
 */
export async function encryptDataDir(cfg: Config, options: EncryptOptions): Promise<EncryptResult> {
  const now = options.now ?? (() => new Date())
  const kinds = options.kinds ?? FILE_KINDS
  const say = options.say ?? (() => undefined)
  const step = options.onStep ?? (() => undefined)
  const dataDir = cfg.dataDir
  if (!existsSync(dataDir)) throw new ConfigError(`the data directory ${dataDir} does not exist`)
  const resumed = Journal.exists(dataDir)
  const journal = new Journal(dataDir, now())
  const provider = openProvider(cfg)
  try {
    const { keyring, imported } = importLegacyKeys(provider, dataDir)
    try {
      if (
        !resumed &&
        imported.length === 0 &&
        !isPlainSqlite(join(dataDir, STORE_FILE)) &&
        !(await anyPlainFile(dataDir, keyring, kinds))
      ) {
        return { changed: false, keysImported: [], stateDatabase: false, files: {} }
      }
      journal.done('keys')
      say(
        imported.length > 0 ? `keys imported into the key provider: ${imported.join(', ')}` : 'keys: nothing to import'
      )
      step('keys')

      const stateKey = keyring.platformKey('state')
      const encryptedDb = await encryptStateDb(dataDir, stateKey, journal)
      say(encryptedDb ? 'state database encrypted (SQLCipher) and checked' : 'state database: already encrypted')
      step('state')

      const store = new SqliteStore({
        path: join(dataDir, STORE_FILE),
        auditSigner: { sign: (m) => keyring.sign(m) },
        key: stateKey
      })
      try {
        const ctx = { dataDir, keyring, store }
        for (const kind of kinds) {
          const found = await kind.find(ctx)
          for (const file of found) {
            await kind.encrypt(file, ctx)
            journal.countFile(kind.name)
            step('file')
          }
          if (found.length > 0) say(`${kind.name}: ${found.length} encrypted`)
        }
        if (!journal.has('audited')) {
          await store.appendAudit({
            actor: options.actor,
            action: 'data.encrypted',
            sourceIp: null,
            target: null,
            outcome: 'success',
            details: {
              startedAt: journal.startedAt,
              keysImported: imported,
              stateDatabase: journal.has('state-verified'),
              files: { ...journal.encrypted }
            }
          })
          journal.done('audited')
        }
      } finally {
        store.close()
      }
      // the whole run is done and recorded: the plaintext keys can go
      for (const f of legacyKeyFiles(dataDir)) shred(join(dataDir, f))
      const result = {
        changed: true,
        keysImported: imported,
        stateDatabase: journal.has('state-verified'),
        files: { ...journal.encrypted }
      }
      journal.remove()
      return result
    } finally {
      keyring.close()
    }
  } finally {
    provider.close()
  }
}
