import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { loadConfig } from '../../server/src/config/config.js'
import { type AuditSigner, closeKeys, type Keys, openKeys } from '../../server/src/keys/keys.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { keyDatabase } from '../../server/src/store/sqlite/core.js'

/**
 * For tests of the store and the audit chain, not of key storage: an Ed25519 pair in memory and a
 * random state key. Key storage itself is tested on a real SoftHSM2 token (keys/, integration).
 */
export const storeKeys = generateKeyPairSync('ed25519')
export const memorySigner: AuditSigner = { sign: (m) => sign(null, m, storeKeys.privateKey) }
export const STORE_KEY = randomBytes(32)

/** Options for a SqliteStore of a test that is not about keys. */
export const testStoreOptions = (path: string) => ({ path, auditSigner: memorySigner, key: STORE_KEY })

/** A data directory's keys, from the test process's token; close with closeKeys. */
export function dataDirKeys(dataDir: string): Keys {
  return openKeys(loadConfig({ dataDir }))
}

/**
 * The data directory's state database opened directly (the encrypted SQLCipher file, with the state
 * key unwrapped by the token), for tests that tamper with it as an attacker with the key would.
 */
export function openStateDb(dataDir: string, options: { readonly?: boolean } = {}): Database.Database {
  const keys = dataDirKeys(dataDir)
  try {
    const readonly = options.readonly === true
    const db = new Database(join(dataDir, STORE_FILE), { readonly, fileMustExist: readonly })
    keyDatabase(db, keys.keyring.platformKey('state'))
    return db
  } finally {
    closeKeys(keys)
  }
}

export { closeKeys }

/** The audit public key as an auditor receives it (`vre audit public-key`), in a file outside the data directory. */
export function auditPublicKeyFile(dataDir: string): string {
  const keys = dataDirKeys(dataDir)
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'vre-auditor-')), 'audit-signing.pub')
    writeFileSync(file, keys.auditPublicKey.export({ type: 'spki', format: 'pem' }))
    return file
  } finally {
    closeKeys(keys)
  }
}
