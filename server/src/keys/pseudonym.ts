import { hkdfSync, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'
import { ensurePrivateFile, parseConfiguredSecret } from './keys.js'

/**
 * The master pseudonymization secret, `pseudonym.key` in the data directory (mode 0600, made on
 * first use). Pseudonyms are never made with it directly: each project gets its own key derived
 * from it (HKDF-SHA256 with the project id), so the same person has unrelated pseudonyms in two
 * projects and one project's key says nothing about another's. Losing this file means a dataset
 * ingested again gets new pseudonyms; it belongs in the data directory's backup with the other keys.
 */
export const PSEUDONYM_KEY_FILE = 'pseudonym.key'

const HKDF_SALT = 'vre/pseudonym/v1'

export function loadPseudonymMasterKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, PSEUDONYM_KEY_FILE)
  const key = parseConfiguredSecret(
    ensurePrivateFile(path, () => randomBytes(32).toString('base64')),
    path
  )
  if (key.length !== 32) throw new ConfigError(`${path} must hold exactly 32 bytes`)
  return key
}

/** The project's 32-byte pseudonymization key. */
export function projectPseudonymKey(master: Buffer, projectId: string): Buffer {
  if (master.length < 32) throw new ConfigError('the pseudonymization master key must have at least 32 bytes')
  if (projectId === '') throw new ConfigError('a project id is needed to derive a pseudonymization key')
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, `project:${projectId}`, 32))
}
