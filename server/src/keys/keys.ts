import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject
} from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'

/**
 * The gateway's keys, all kept in the data directory with mode 0600:
 * - jwt.key: HMAC-SHA256 secret for access tokens (or VRE_JWT_SECRET, checked for strength)
 * - audit-signing.key / audit-signing.pub: Ed25519 pair that signs audit checkpoints
 * - secrets.key: AES-256-GCM key for secrets at rest (TOTP seeds)
 */
export interface Keys {
  /** a KeyObject rather than bytes: jsonwebtoken verifies fifty times faster with one */
  jwtKey: KeyObject
  auditPrivateKey: KeyObject
  auditPublicKey: KeyObject
  secretsKey: Buffer
}

export const MIN_SECRET_BYTES = 32

const FILES = {
  jwt: 'jwt.key',
  auditPrivate: 'audit-signing.key',
  auditPublic: 'audit-signing.pub',
  secrets: 'secrets.key'
} as const

export function ensurePrivateFile(path: string, make: () => string): string {
  if (!existsSync(path)) {
    writeFileSync(path, make(), { mode: 0o600, flag: 'wx' })
  }
  const mode = statSync(path).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `key file ${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`
    )
  }
  return readFileSync(path, 'utf8').trim()
}

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

export function loadKeys(dataDir: string, configuredJwtSecret?: string): Keys {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const jwtSecret =
    configuredJwtSecret !== undefined && configuredJwtSecret !== ''
      ? parseConfiguredSecret(configuredJwtSecret, 'VRE_JWT_SECRET')
      : parseConfiguredSecret(
          ensurePrivateFile(join(dataDir, FILES.jwt), () => randomBytes(48).toString('base64')),
          join(dataDir, FILES.jwt)
        )
  const privatePath = join(dataDir, FILES.auditPrivate)
  const publicPath = join(dataDir, FILES.auditPublic)
  if (!existsSync(privatePath)) {
    const pair = generateKeyPairSync('ed25519')
    writeFileSync(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' })
    writeFileSync(publicPath, pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 })
  }
  const auditPrivateKey = createPrivateKey(ensurePrivateFile(privatePath, () => ''))
  const auditPublicKey = existsSync(publicPath)
    ? createPublicKey(readFileSync(publicPath, 'utf8'))
    : createPublicKey(auditPrivateKey)
  const secretsKey = parseConfiguredSecret(
    ensurePrivateFile(join(dataDir, FILES.secrets), () => randomBytes(32).toString('base64')),
    join(dataDir, FILES.secrets)
  )
  if (secretsKey.length !== 32) {
    throw new ConfigError(`${join(dataDir, FILES.secrets)} must hold exactly 32 bytes (AES-256)`)
  }
  return { jwtKey: createSecretKey(jwtSecret), auditPrivateKey, auditPublicKey, secretsKey }
}

/** The audit verifier needs only the public key. */
export function loadAuditPublicKey(dataDir: string): KeyObject {
  const publicPath = join(dataDir, FILES.auditPublic)
  if (!existsSync(publicPath)) throw new ConfigError(`no audit public key at ${publicPath}`)
  return createPublicKey(readFileSync(publicPath, 'utf8'))
}
