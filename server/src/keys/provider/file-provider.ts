import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject
} from 'node:crypto'
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { type KeyProvider, KeyProviderError } from './key-provider.js'

interface FileKeys {
  keks: Record<string, string>
  signing: Record<string, string>
}

/**
 * Development only: the KEKs and the signing key in one file (mode 0600) outside the data directory.
 * Anyone who reads that file has every key, so the gateway refuses this provider unless it is asked
 * for by name (VRE_KEY_PROVIDER=file) and logs a warning at every start.
 */
export class FileProvider implements KeyProvider {
  readonly kind = 'file' as const
  readonly description: string

  constructor(private readonly path: string) {
    this.description = `development key file ${path}`
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) {
      throw new KeyProviderError(`the key file ${path} is readable by other users; run: chmod 600 ${path}`)
    }
  }

  private read(): FileKeys {
    if (!existsSync(this.path)) return { keks: {}, signing: {} }
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as FileKeys
    } catch (e) {
      throw new KeyProviderError(`the key file ${this.path} is unreadable: ${(e as Error).message}`)
    }
  }

  private write(keys: FileKeys): void {
    const tmp = `${this.path}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(keys), { mode: 0o600 })
    renameSync(tmp, this.path)
  }

  private kek(label: string): Buffer {
    const k = this.read().keks[label]
    if (k === undefined) throw new KeyProviderError(`the key ${label} is not in ${this.path} (destroyed, or another file)`)
    return Buffer.from(k, 'base64')
  }

  createKek(label: string): void {
    const keys = this.read()
    if (keys.keks[label] !== undefined) throw new KeyProviderError(`the key ${label} exists already`)
    keys.keks[label] = randomBytes(32).toString('base64')
    this.write(keys)
  }

  hasKek(label: string): boolean {
    return this.read().keks[label] !== undefined
  }

  wrap(label: string, key: Buffer, aad: Buffer): Buffer {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.kek(label), iv)
    c.setAAD(aad)
    return Buffer.concat([iv, c.update(key), c.final(), c.getAuthTag()])
  }

  unwrap(label: string, wrapped: Buffer, aad: Buffer): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.kek(label), wrapped.subarray(0, 12))
    d.setAAD(aad)
    d.setAuthTag(wrapped.subarray(wrapped.length - 16))
    try {
      return Buffer.concat([d.update(wrapped.subarray(12, wrapped.length - 16)), d.final()])
    } catch {
      throw new KeyProviderError(`the wrapped key under ${label} does not open (changed, or bound to another key)`)
    }
  }

  destroyKek(label: string): void {
    const keys = this.read()
    if (keys.keks[label] === undefined) throw new KeyProviderError(`the key ${label} is not in ${this.path}`)
    delete keys.keks[label]
    this.write(keys)
  }

  createSigningKey(label: string): KeyObject {
    return this.importSigningKey(label, generateKeyPairSync('ed25519').privateKey)
  }

  importSigningKey(label: string, privateKey: KeyObject): KeyObject {
    const keys = this.read()
    if (keys.signing[label] !== undefined) throw new KeyProviderError(`the key ${label} exists already`)
    keys.signing[label] = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')
    this.write(keys)
    return createPublicKey(privateKey)
  }

  private signingKey(label: string): KeyObject {
    const k = this.read().signing[label]
    if (k === undefined) throw new KeyProviderError(`the signing key ${label} is not in ${this.path}`)
    return createPrivateKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'pkcs8' })
  }

  signingPublicKey(label: string): KeyObject {
    return createPublicKey(this.signingKey(label))
  }

  sign(label: string, message: Buffer): Buffer {
    return sign(null, message, this.signingKey(label))
  }

  close(): void {}
}
