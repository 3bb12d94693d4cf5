import { createSecretKey, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { type Config, DEMO_SOFTHSM_CONF } from '../config/config.js'
import { ConfigError } from '../errors.js'
import { Keyring } from './keyring.js'
import { JOURNAL_FILE } from './migration/journal.js'
import { FileProvider } from './provider/file-provider.js'
import type { KeyProvider } from './provider/key-provider.js'
import { Pkcs11Provider } from './provider/pkcs11-provider.js'

/** Signs audit checkpoints and exports inside the key provider; the private key never leaves it. */
export interface AuditSigner {
  sign(message: Buffer): Buffer
}

/**
 * The gateway's keys, all held by the key provider (keys/provider/): the data keys wrapped in the
 * data directory's keyring, the audit signing key inside the provider.
 * - jwtKey: HMAC-SHA256 secret for access tokens (or VRE_JWT_SECRET, checked for strength). Wrapped,
 *   not kept in the token: every request verifies a token, and a round trip to an HSM per request
 *   would be the gateway's bottleneck.
 * - auditSigner / auditPublicKey: Ed25519, signing inside the provider (CKM_EDDSA)
 * - secretsKey: AES-256-GCM key for secrets at rest (TOTP seeds)
 * - keyring: every data key (state database, projects, dataset versions)
 */
export interface Keys {
  /** a KeyObject rather than bytes: jsonwebtoken verifies fifty times faster with one */
  jwtKey: KeyObject
  auditSigner: AuditSigner
  auditPublicKey: KeyObject
  secretsKey: Buffer
  keyring: Keyring
}

export const MIN_SECRET_BYTES = 32

/** Key files a data directory kept in plaintext before keys moved to a provider (`vre data encrypt` imports them). */
export const LEGACY_KEY_FILES = {
  jwt: 'jwt.key',
  auditPrivate: 'audit-signing.key',
  auditPublic: 'audit-signing.pub',
  secrets: 'secrets.key',
  pseudonym: 'pseudonym.key'
} as const

/**
 * Decodes a configured secret (base64, base64url or hex) and refuses one that is short or obviously
 * not random, so a gateway never starts with a guessable signing key.
 */
export function parseConfiguredSecret(value: string, name: string): Buffer {
  const trimmed = value.trim()
  let bytes: Buffer
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0) bytes = Buffer.from(trimmed, 'hex')
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64')
  else throw new ConfigError(`${name} must be base64 or hex encoded random bytes`)
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${name} is too weak: ${bytes.length} bytes, at least ${MIN_SECRET_BYTES} random bytes are required ` +
        `(generate one with: openssl rand -base64 48)`
    )
  }
  const distinct = new Set(bytes).size
  if (distinct < 16) {
    throw new ConfigError(`${name} is too weak: it has only ${distinct} distinct byte values, so it is not random`)
  }
  return bytes
}

function pin(cfg: Config): string {
  if (cfg.pkcs11PinFile !== undefined) {
    if (!existsSync(cfg.pkcs11PinFile)) throw new ConfigError(`the PIN file ${cfg.pkcs11PinFile} does not exist (VRE_PKCS11_PIN_FILE)`)
    if ((statSync(cfg.pkcs11PinFile).mode & 0o077) !== 0) {
      throw new ConfigError(`the PIN file ${cfg.pkcs11PinFile} is readable by other users; run: chmod 600 ${cfg.pkcs11PinFile}`)
    }
    return readFileSync(cfg.pkcs11PinFile, 'utf8').trim()
  }
  if (cfg.pkcs11Pin !== undefined) return cfg.pkcs11Pin
  throw new ConfigError(
    "the key provider's PIN is not configured: set VRE_PKCS11_PIN_FILE to a file (mode 0600) holding the token's user PIN"
  )
}

/** The configured key provider, connected and logged in; a missing token or a wrong PIN stops here. */
export function openProvider(cfg: Config): KeyProvider {
  if (cfg.keyProvider === 'file') {
    if (cfg.fileKeys === undefined) {
      throw new ConfigError('VRE_KEY_PROVIDER=file needs VRE_FILE_KEYS: a key file outside the data directory')
    }
    const path = resolve(cfg.fileKeys)
    // through links, and `<data>/..keys` is inside (a name that starts with two dots is not the parent)
    const real = (p: string): string => {
      try {
        return realpathSync(p)
      } catch {
        return dirname(p) === p ? p : join(real(dirname(p)), p.slice(dirname(p).length + 1))
      }
    }
    const rel = relative(real(cfg.dataDir), real(path))
    if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) {
      throw new ConfigError(`VRE_FILE_KEYS must be outside the data directory: a copy of ${cfg.dataDir} must not carry its keys`)
    }
    // every process that opens it says so, the gateway in its log and each command on stderr
    process.emitWarning(`keys are in the development key file ${path}: never with real data`, { code: 'VRE_DEV_KEYS' })
    return new FileProvider(path)
  }
  // the demo's SoftHSM2 token, unless the environment names another configuration
  if (process.env.SOFTHSM2_CONF === undefined && existsSync(DEMO_SOFTHSM_CONF)) process.env.SOFTHSM2_CONF = DEMO_SOFTHSM_CONF
  return new Pkcs11Provider({ module: cfg.pkcs11Module, token: cfg.pkcs11Token, pin: pin(cfg) })
}

/** Plaintext key files in the data directory: a directory from before encryption at rest. */
export function legacyKeyFiles(dataDir: string): string[] {
  return Object.values(LEGACY_KEY_FILES).filter((f) => existsSync(join(dataDir, f)))
}

/**
 * Opens the provider and the data directory's keyring (made in a fresh directory) and unwraps the
 * platform keys. A data directory that still holds plaintext keys is refused: `vre data encrypt`
 * moves it under the provider first.
 */
export function openKeys(cfg: Config, options: { now?: () => Date } = {}): Keys {
  const legacy = legacyKeyFiles(cfg.dataDir)
  if (legacy.length > 0) {
    throw new ConfigError(
      `${cfg.dataDir} holds plaintext keys (${legacy.join(', ')}) from before encryption at rest; run: vre data encrypt`
    )
  }
  // a migration cut short: plaintext files may remain; the gateway does not run on a half-encrypted directory
  if (existsSync(join(cfg.dataDir, JOURNAL_FILE))) {
    throw new ConfigError(`${cfg.dataDir} is partly encrypted (${JOURNAL_FILE}); run vre data encrypt again to finish`)
  }
  const provider = openProvider(cfg)
  try {
    const keyring = Keyring.open(provider, cfg.dataDir, { create: true, now: options.now })
    const jwtSecret =
      cfg.jwtSecret !== undefined && cfg.jwtSecret !== ''
        ? parseConfiguredSecret(cfg.jwtSecret, 'VRE_JWT_SECRET')
        : keyring.platformKey('jwt')
    return {
      jwtKey: createSecretKey(jwtSecret),
      auditSigner: { sign: (m) => keyring.sign(m) },
      auditPublicKey: keyring.auditPublicKey,
      secretsKey: keyring.platformKey('secrets'),
      keyring
    }
  } catch (e) {
    provider.close()
    throw e
  }
}

export function closeKeys(keys: Keys): void {
  keys.keyring.close()
  keys.keyring.provider.close()
}
