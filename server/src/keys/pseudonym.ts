import { hkdfSync } from 'node:crypto'
import { ConfigError } from '../errors.js'
import type { Keyring } from './keyring.js'

/**
 * The master pseudonymization secret is a platform key in the keyring (wrapped by the key provider).
 * Pseudonyms are never made with it directly: each project gets its own key derived from it
 * (HKDF-SHA256 with the project id), so the same person has unrelated pseudonyms in two projects and
 * one project's key says nothing about another's.
 */
const HKDF_SALT = 'vre/pseudonym/v1'

export function pseudonymMasterKey(keyring: Keyring): Buffer {
  return keyring.platformKey('pseudonym')
}

/** The project's 32-byte pseudonymization key. */
export function projectPseudonymKey(master: Buffer, projectId: string): Buffer {
  if (master.length < 32) throw new ConfigError('the pseudonymization master key must have at least 32 bytes')
  if (projectId === '') throw new ConfigError('a project id is needed to derive a pseudonymization key')
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, `project:${projectId}`, 32))
}
