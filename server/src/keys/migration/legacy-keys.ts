import { createPrivateKey, createPublicKey } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../errors.js'
import { LEGACY_KEY_FILES } from '../keys.js'
import { Keyring, type PlatformPurpose } from '../keyring.js'
import type { KeyProvider } from '../provider/key-provider.js'

/**
 * The secret key files of a directory from before encryption at rest, and the platform key each
 * becomes. The access-token secret is not among them: it protects nothing at rest, so the migration
 * makes a new one (everyone signs in again) rather than carry over a secret that sat in a plain file
 * and may be in old backups. The TOTP seal and the pseudonymization secret must stay: seeds sealed
 * under the one and pseudonyms made with the other depend on them.
 */
const SECRETS: [PlatformPurpose, string][] = [
  ['secrets', LEGACY_KEY_FILES.secrets],
  ['pseudonym', LEGACY_KEY_FILES.pseudonym]
]

/** A legacy secret file: base64 of random bytes, as the gateway wrote them. */
function legacySecret(path: string, purpose: PlatformPurpose): Buffer {
  const text = readFileSync(path, 'utf8').trim()
  const bytes = Buffer.from(text, 'base64')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || bytes.length < 32) {
    throw new ConfigError(`${path} is not a key file this gateway wrote (base64 of at least 32 random bytes)`)
  }
  if (purpose !== 'jwt' && bytes.length !== 32) throw new ConfigError(`${path} must hold exactly 32 bytes`)
  return bytes
}

/**
 * Brings the legacy key files under the provider: the audit signing key into the provider (so the
 * log keeps verifying with the public key auditors already hold), the secrets wrapped as the
 * platform keys they were. The files themselves are left for the caller to shred once the whole
 * run is verified. Run again, it finds the keys there and checks they are the same.
 */
export function importLegacyKeys(provider: KeyProvider, dataDir: string): { keyring: Keyring; imported: string[] } {
  const imported: string[] = []
  const privatePath = join(dataDir, LEGACY_KEY_FILES.auditPrivate)
  let signingKey
  if (existsSync(privatePath)) {
    try {
      signingKey = createPrivateKey(readFileSync(privatePath, 'utf8'))
    } catch (e) {
      throw new ConfigError(`${privatePath} is not a private key: ${(e as Error).message}`)
    }
    if (signingKey.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${privatePath} is not an Ed25519 key`)
  }
  const keyring = Keyring.open(provider, dataDir, { create: true, signingKey })
  try {
    if (signingKey !== undefined) {
      const pub = createPublicKey(signingKey)
      if (
        !pub
          .export({ format: 'der', type: 'spki' })
          .equals(keyring.auditPublicKey.export({ format: 'der', type: 'spki' }))
      ) {
        throw new ConfigError(
          `${privatePath} is not the audit signing key the keyring holds: the log would no longer verify`
        )
      }
      imported.push(LEGACY_KEY_FILES.auditPrivate)
    }
    for (const [purpose, file] of SECRETS) {
      const path = join(dataDir, file)
      if (!existsSync(path)) continue
      keyring.ensure(purpose, '', legacySecret(path, purpose))
      imported.push(file)
    }
    // replaced, not imported: a fresh secret in the keyring, the old file shredded with the others
    if (existsSync(join(dataDir, LEGACY_KEY_FILES.jwt))) {
      keyring.platformKey('jwt')
      imported.push(`${LEGACY_KEY_FILES.jwt} (replaced by a new secret)`)
    }
    return { keyring, imported }
  } catch (e) {
    keyring.close()
    throw e
  }
}
