import { createPublicKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ED25519_SPKI_PREFIX, type KeyProvider, KeyProviderError } from './provider/key-provider.js'

/**
 * What a data key protects. Platform keys (scope ''): `state` the SQLite database and the platform's
 * own files, `jwt` the access-token secret, `secrets` the seal of TOTP seeds, `pseudonym` the master
 * pseudonymization secret. `project` keys (scope: project id) protect a project's workspaces,
 * quarantined and released files and recordings; `dataset` keys (scope: dataset id and version) one
 * version of a dataset, so an opt-out can erase the earlier version alone.
 */
export type KeyPurpose = 'state' | 'jwt' | 'secrets' | 'pseudonym' | 'project' | 'dataset'
export type PlatformPurpose = 'state' | 'jwt' | 'secrets' | 'pseudonym'

export const PROTECTS: Record<KeyPurpose, string> = {
  state: 'the state database (users, projects, airlock, audit) and platform files',
  jwt: 'the access-token signing secret',
  secrets: 'authenticator (TOTP) seeds and enrolment tickets',
  pseudonym: 'the pseudonymization master secret',
  project: "the project's workspaces, quarantined and released files and terminal recordings",
  dataset: 'one version of a dataset'
}

export interface KeyEntry {
  id: string
  purpose: KeyPurpose
  scope: string
  /** label of this key's own key-encryption key in the provider */
  kek: string
  /** base64 of iv || wrapped key || tag; null once destroyed */
  wrapped: string | null
  createdAt: string
  rotatedAt?: string
  destroyedAt?: string
  /**
   * KEKs this key was wrapped under before a rotation, not yet confirmed destroyed in the provider
   * (a rotation cut short between writing this file and destroying them): an older copy of this file
   * still unwraps the key with them, so destroying the key destroys them too.
   */
  retiring?: string[]
}

interface KeyringFile {
  version: 1
  provider: KeyProvider['kind']
  signing: { label: string; publicKey: string; createdAt: string }
  keys: KeyEntry[]
}

export const KEYRING_FILE = 'keyring.json'

/** A data key that was destroyed (erased project, earlier dataset version): its data is gone for good. */
export class KeyDestroyedError extends Error {
  override name = 'KeyDestroyedError'
}

const aad = (e: Pick<KeyEntry, 'id' | 'purpose' | 'scope'>) => Buffer.from(`vre-keyring/v1\n${e.id}\n${e.purpose}\n${e.scope}`, 'utf8')
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * The data keys of one data directory, each stored wrapped by its own KEK in the provider
 * (`keyring.json`: labels and wrapped keys only, nothing usable without the provider), and the
 * audit signing key's label and public half. Unwrapped keys live in memory only. Writes take a lock
 * file, because the CLI and the gateway may both add keys while both run.
 */
export class Keyring {
  private readonly path: string
  private readonly cache = new Map<string, Buffer>()
  private file: KeyringFile
  readonly auditPublicKey: KeyObject

  private constructor(
    readonly provider: KeyProvider,
    private readonly dataDir: string,
    private readonly now: () => Date
  ) {
    this.path = join(dataDir, KEYRING_FILE)
    this.file = this.read()
    this.auditPublicKey = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(this.file.signing.publicKey, 'base64')]),
      format: 'der',
      type: 'spki'
    })
  }

  static exists(dataDir: string): boolean {
    return existsSync(join(dataDir, KEYRING_FILE))
  }

  /**
   * Opens the data directory's keyring; `create` makes a new one (with a signing key made in the
   * provider) when there is none. Checks that the provider holds the signing key: the wrong token
   * stops here rather than at the first unwrap.
   */
  static open(
    provider: KeyProvider,
    dataDir: string,
    options: { create: boolean; now?: () => Date; signingKey?: KeyObject }
  ): Keyring {
    const now = options.now ?? (() => new Date())
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const path = join(dataDir, KEYRING_FILE)
    if (!existsSync(path)) {
      if (!options.create) throw new KeyProviderError(`${path} is missing: this data directory has no keys`)
      const label = `vre-audit-signing-${randomUUID()}`
      const pub =
        options.signingKey !== undefined
          ? provider.importSigningKey(label, options.signingKey)
          : provider.createSigningKey(label)
      const raw = pub.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length)
      const file: KeyringFile = {
        version: 1,
        provider: provider.kind,
        signing: { label, publicKey: raw.toString('base64'), createdAt: now().toISOString() },
        keys: []
      }
      writeAtomically(path, JSON.stringify(file, null, 1))
    }
    const ring = new Keyring(provider, dataDir, now)
    const inProvider = provider.signingPublicKey(ring.file.signing.label)
    if (!inProvider.equals(ring.auditPublicKey)) {
      throw new KeyProviderError(`the provider's audit signing key ${ring.file.signing.label} is not the one this data directory names`)
    }
    return ring
  }

  private read(): KeyringFile {
    let parsed: KeyringFile
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8')) as KeyringFile
    } catch (e) {
      throw new KeyProviderError(`${this.path} is unreadable: ${(e as Error).message}`)
    }
    if (parsed.version !== 1 || !Array.isArray(parsed.keys) || typeof parsed.signing?.label !== 'string') {
      throw new KeyProviderError(`${this.path} is not a keyring this version understands`)
    }
    if (parsed.provider !== this.provider.kind) {
      throw new KeyProviderError(
        `${this.path} was made with the ${parsed.provider} key provider, but the gateway is configured with ${this.provider.kind}`
      )
    }
    return parsed
  }

  /** Read, change, write under the lock; the change sees the latest file. */
  private update<T>(change: (file: KeyringFile) => T): T {
    const lock = `${this.path}.lock`
    const started = Date.now()
    let fd: number | undefined
    while (fd === undefined) {
      try {
        fd = openSync(lock, 'wx', 0o600)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
        try {
          if (Date.now() - statSync(lock).mtimeMs > 30_000) unlinkSync(lock)
        } catch {
          // it went away meanwhile
        }
        if (Date.now() - started > 10_000) throw new KeyProviderError(`${lock} is held by another process`)
        sleep(20)
      }
    }
    try {
      this.file = this.read()
      const result = change(this.file)
      writeAtomically(this.path, JSON.stringify(this.file, null, 1))
      return result
    } finally {
      closeSync(fd)
      unlinkSync(lock)
    }
  }

  /** Every key ever made here, destroyed ones included (their ids and dates stay for the record). */
  entries(): readonly KeyEntry[] {
    this.file = this.read()
    return this.file.keys
  }

  get signingLabel(): string {
    return this.file.signing.label
  }

  get signingCreatedAt(): string {
    return this.file.signing.createdAt
  }

  /** Signs inside the provider with the audit signing key. */
  sign(message: Buffer): Buffer {
    return this.provider.sign(this.file.signing.label, message)
  }

  private live(purpose: KeyPurpose, scope: string): KeyEntry | undefined {
    return this.file.keys.find((k) => k.purpose === purpose && k.scope === scope && k.destroyedAt === undefined)
  }

  private make(file: KeyringFile, purpose: KeyPurpose, scope: string, key?: Buffer): KeyEntry {
    const id = `${purpose}-${randomUUID()}`
    const entry: KeyEntry = { id, purpose, scope, kek: `vre-kek-${id}`, wrapped: null, createdAt: this.now().toISOString() }
    const value = key ?? randomBytes(32)
    this.provider.createKek(entry.kek)
    entry.wrapped = this.provider.wrap(entry.kek, value, aad(entry)).toString('base64')
    file.keys.push(entry)
    this.cache.set(id, value)
    return entry
  }

  /**
   * The live key of a purpose and scope, made when there is none. `initial` brings an existing
   * secret under the provider (migration); it is refused when a key exists already.
   */
  ensure(purpose: KeyPurpose, scope: string, initial?: Buffer): { id: string; key: Buffer } {
    let entry = this.live(purpose, scope)
    if (entry === undefined) {
      this.file = this.read()
      entry = this.live(purpose, scope) ?? this.update((f) => this.live(purpose, scope) ?? this.make(f, purpose, scope, initial))
    } else if (initial !== undefined && !this.key(entry.id).equals(initial)) {
      throw new KeyProviderError(`a ${purpose} key exists already for "${scope}"; it is not replaced`)
    }
    return { id: entry.id, key: this.key(entry.id) }
  }

  /** A new key for the purpose and scope, beside any earlier one (a new dataset version). */
  create(purpose: KeyPurpose, scope: string): { id: string; key: Buffer } {
    const entry = this.update((f) => this.make(f, purpose, scope))
    return { id: entry.id, key: this.key(entry.id) }
  }

  platformKey(purpose: PlatformPurpose, initial?: Buffer): Buffer {
    return this.ensure(purpose, '', initial).key
  }

  /**
   * The project's data key, made on first use. An erased project gets no new key: whatever would be
   * written under it (a late snapshot, a recording) is refused rather than kept past the erasure.
   */
  projectKey(projectId: string): { id: string; key: Buffer } {
    if (this.live('project', projectId) === undefined) {
      const erased = this.entries().find((k) => k.purpose === 'project' && k.scope === projectId && k.destroyedAt !== undefined)
      if (erased !== undefined && this.live('project', projectId) === undefined) {
        throw new KeyDestroyedError(`the project ${projectId} was erased ${erased.destroyedAt}: nothing of it is kept again`)
      }
    }
    return this.ensure('project', projectId)
  }

  entry(id: string): KeyEntry {
    let e = this.file.keys.find((k) => k.id === id)
    if (e === undefined) {
      this.file = this.read()
      e = this.file.keys.find((k) => k.id === id)
    }
    if (e === undefined) throw new KeyProviderError(`no key ${id} in this data directory's keyring`)
    return e
  }

  /** The unwrapped key; it stays in memory for the life of the process (never written anywhere). */
  key(id: string): Buffer {
    const cached = this.cache.get(id)
    if (cached !== undefined) return cached
    let e = this.entry(id)
    if (e.destroyedAt === undefined && e.wrapped === null) e = (this.file = this.read()).keys.find((k) => k.id === id) ?? e
    if (e.destroyedAt !== undefined || e.wrapped === null) {
      throw new KeyDestroyedError(`the key ${id} was destroyed ${e.destroyedAt ?? ''}: what it protected is erased`)
    }
    const key = this.provider.unwrap(e.kek, Buffer.from(e.wrapped, 'base64'), aad(e))
    this.cache.set(id, key)
    return key
  }

  /**
   * Destroys a data key: its KEK in the provider first (after which nothing can unwrap it, this
   * file's copy or any older copy), then its wrapped form here. Returns the entry as destroyed.
   */
  destroy(id: string): KeyEntry {
    return this.update((f) => {
      const e = f.keys.find((k) => k.id === id)
      if (e === undefined) throw new KeyProviderError(`no key ${id} in this data directory's keyring`)
      if (e.destroyedAt !== undefined && (e.retiring ?? []).length === 0) return { ...e }
      for (const label of [e.kek, ...(e.retiring ?? [])]) if (this.provider.hasKek(label)) this.provider.destroyKek(label)
      delete e.retiring
      if (e.destroyedAt !== undefined) return { ...e }
      e.wrapped = null
      e.destroyedAt = this.now().toISOString()
      this.cache.get(id)?.fill(0)
      this.cache.delete(id)
      return { ...e }
    })
  }

  /**
   * Re-wraps every live data key under a new KEK and destroys the old KEK; the data keys, and so the
   * data, stay as they are. Returns the keys rotated.
   */
  rotate(): KeyEntry[] {
    this.finishRetiring()
    const rotated = this.update((f) => {
      const rotated: KeyEntry[] = []
      for (const e of f.keys) {
        if (e.destroyedAt !== undefined || e.wrapped === null) continue
        const key = this.provider.unwrap(e.kek, Buffer.from(e.wrapped, 'base64'), aad(e))
        const old = e.kek
        const next = `vre-kek-${e.id}-r${randomUUID().slice(0, 8)}`
        this.provider.createKek(next)
        e.wrapped = this.provider.wrap(next, key, aad(e)).toString('base64')
        e.kek = next
        e.rotatedAt = this.now().toISOString()
        // recorded in the same write: a crash before they are destroyed leaves them named here
        e.retiring = [...(e.retiring ?? []), old]
        rotated.push({ ...e })
      }
      return rotated
    })
    // only once the file naming the new KEKs is written: a crash before leaves the old ones usable
    this.finishRetiring()
    return rotated
  }

  /** Destroys the KEKs earlier rotations retired and forgets them once they are gone from the provider. */
  private finishRetiring(): void {
    const pending = this.entries().filter((e) => (e.retiring ?? []).length > 0)
    if (pending.length === 0) return
    for (const e of pending) for (const label of e.retiring!) if (this.provider.hasKek(label)) this.provider.destroyKek(label)
    this.update((f) => {
      for (const e of f.keys) if (e.retiring !== undefined && e.retiring.every((l) => !this.provider.hasKek(l))) delete e.retiring
    })
  }

  close(): void {
    for (const k of this.cache.values()) k.fill(0)
    this.cache.clear()
  }
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}
