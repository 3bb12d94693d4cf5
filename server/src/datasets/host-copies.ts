/**
 * Datasets shared read-only by the sandboxes of their project. Each dataset version a sandbox needs
 * is decrypted once per host into memory-backed storage (never a disk), as one file named by its
 * data key, and bind-mounted read-only into every sandbox of the project; a start no longer copies
 * the dataset, and a hundred sandboxes hold one copy, not a hundred.
 *
 * What is in use is read from the truth, not counted: the engine's sandboxes name the keys of the
 * copies they mount on a label, and a start holds a lease on its copies until its sandbox exists.
 * `prune` removes every copy that neither names, and every copy whose key was destroyed (an erasure,
 * an opt-out), so plaintext outlives neither its last sandbox nor its key.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { EncryptedFileError, encryptedPlainSize } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'
import { MEMORY_DIR, MemoryStorageMissing, readDatasetFile } from './at-rest.js'

/** What a host copy's directory is called in memory-backed storage: one per gateway. */
export const HOST_COPIES_PREFIX = 'vre-datasets-'

/** The directory holding one gateway's host copies. */
export function hostCopiesRoot(gatewayId: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(gatewayId)) throw new Error(`the gateway id ${JSON.stringify(gatewayId)} can't name a directory`)
  return join(MEMORY_DIR, `${HOST_COPIES_PREFIX}${gatewayId}`)
}

/** A data key id as it names a host copy (the keyring's ids are `dataset-<uuid>`). */
const KEY_ID = /^dataset-[0-9a-f-]{36}$/
/** The file a copy is kept in, and the temporary one it is written to first. */
const COPY = /^(dataset-[0-9a-f-]{36})\.duckdb$/
const SUFFIX = '.duckdb'

/** One dataset version a sandbox is to mount. */
export interface DatasetVersion {
  datasetId: string
  /** the data key of this version, from its file's header; what names the copy */
  keyId: string
  /** the encrypted file */
  path: string
}

/** Copies a start may use until it lets go: by then its sandbox names them on its label. */
export interface Lease {
  /** host path of each copy, by key id */
  paths: Map<string, string>
  release(): void
}

export interface HostCopiesOptions {
  root: string
  keyring: Keyring
  /** how long a copy no sandbox uses is kept for the project's next start (ms); erased keys go at once */
  lingerMs: number
  now?: () => number
}

/** A copy nobody uses is kept this long by default: a researcher who starts again soon waits for no decryption. */
export const DEFAULT_LINGER_MS = 10 * 60_000

export class HostCopies {
  readonly root: string
  private readonly keyring: Keyring
  /** leases held now, by key id: a count per key */
  private readonly held = new Map<string, number>()
  /** when each copy was last seen in use (held or mounted), by key id */
  private readonly lastUsed = new Map<string, number>()
  /** every change to the directory, in turn: a prune never removes what an acquire just made */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: HostCopiesOptions) {
    this.root = options.root
    this.keyring = options.keyring
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => undefined).then(fn)
    this.queue = next
    return next
  }

  /** Where the copy of a version lives on the host (whether it exists yet or not). */
  pathOf(keyId: string): string {
    if (!KEY_ID.test(keyId)) throw new EncryptedFileError(`${JSON.stringify(keyId)} is not a dataset key id`)
    return join(this.root, `${keyId}${SUFFIX}`)
  }

  /**
   * Makes sure each version has its host copy, decrypting it when it has none, and leases them all.
   * A file that does not decrypt (changed, cut, its key destroyed) fails here and leaves nothing.
   */
  acquire(versions: DatasetVersion[], onProgress?: (bytes: number, total: number) => void): Promise<Lease> {
    return this.serial(async () => {
      if (!existsSync(MEMORY_DIR)) {
        throw new MemoryStorageMissing(`${MEMORY_DIR} (memory-backed storage) is missing: dataset plaintext is never written to a disk`)
      }
      mkdirSync(this.root, { recursive: true, mode: 0o700 })
      chmodSync(this.root, 0o700)
      const total = versions.reduce((n, v) => n + encryptedPlainSize(v.path), 0)
      let done = 0
      const paths = new Map<string, string>()
      for (const v of versions) {
        const path = this.pathOf(v.keyId)
        if (!this.isCopy(path)) await this.decrypt(v, path, (b) => onProgress?.(done + b, total))
        done += encryptedPlainSize(v.path)
        onProgress?.(done, total)
        paths.set(v.keyId, path)
      }
      for (const k of paths.keys()) {
        this.held.set(k, (this.held.get(k) ?? 0) + 1)
        this.lastUsed.set(k, this.now())
      }
      let released = false
      return {
        paths,
        release: () => {
          if (released) return
          released = true
          for (const k of paths.keys()) {
            const n = (this.held.get(k) ?? 1) - 1
            if (n > 0) this.held.set(k, n)
            else this.held.delete(k)
            this.lastUsed.set(k, this.now())
          }
        }
      }
    })
  }

  /** A finished copy: a regular file (never a link) that nobody can write. */
  private isCopy(path: string): boolean {
    try {
      const st = lstatSync(path)
      return st.isFile() && (st.mode & 0o7777) === 0o444
    } catch {
      return false
    }
  }

  private async decrypt(v: DatasetVersion, path: string, progress: (bytes: number) => void): Promise<void> {
    const partial = `${path}.partial-${randomBytes(4).toString('hex')}`
    let bytes = 0
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length
        progress(bytes)
        cb(null, chunk)
      }
    })
    try {
      await pipeline(readDatasetFile(v.path, this.keyring, v.datasetId), count, createWriteStream(partial, { mode: 0o600, flags: 'wx' }))
      // read-only for everyone from here on: the sandboxes' researchers read it, nobody writes it
      chmodSync(partial, 0o444)
      rmSync(path, { force: true })
      renameSync(partial, path)
    } catch (err) {
      rmSync(partial, { force: true })
      throw new EncryptedFileError(`the dataset file ${v.path} does not decrypt: ${(err as Error).message}`)
    }
  }

  /** How many copies the host holds now, and their bytes. */
  usage(): { copies: number; bytes: number } {
    const keys = this.present()
    let bytes = 0
    for (const k of keys) {
      try {
        bytes += lstatSync(this.pathOf(k)).size
      } catch {
        // removed meanwhile
      }
    }
    return { copies: keys.length, bytes }
  }

  /** The key ids of the copies on the host now. */
  present(): string[] {
    if (!existsSync(this.root)) return []
    return readdirSync(this.root).flatMap((n) => COPY.exec(n)?.[1] ?? [])
  }

  /**
   * Removes every copy that no lease holds and no sandbox mounts (`inUse`, read after the leases:
   * a lease let go before was let go after its sandbox existed) once it has gone unused for the
   * linger time (`lingerMs` overrides it: 0 on shutdown), every copy whose key has been destroyed,
   * in use or not, and whatever a failed write left. Returns the key ids removed.
   */
  prune(inUse: () => Promise<Set<string>>, options: { lingerMs?: number } = {}): Promise<string[]> {
    const linger = options.lingerMs ?? this.options.lingerMs
    return this.serial(async () => {
      if (!existsSync(this.root)) return []
      const held = new Set(this.held.keys())
      const used = await inUse()
      const destroyed = this.destroyedKeys()
      const now = this.now()
      for (const k of [...held, ...used]) this.lastUsed.set(k, now)
      const removed: string[] = []
      for (const name of readdirSync(this.root)) {
        const key = COPY.exec(name)?.[1]
        // a copy this process never saw in use (left by an earlier run) counts as unused since now
        if (key !== undefined && !this.lastUsed.has(key)) this.lastUsed.set(key, now)
        const recent = key !== undefined && now - (this.lastUsed.get(key) ?? 0) < linger
        if (key !== undefined && !destroyed.has(key) && (held.has(key) || used.has(key) || recent)) continue
        // a partial write, a stranger, an unused or erased copy: nothing else may live here
        rmSync(join(this.root, name), { recursive: true, force: true })
        if (key !== undefined) {
          removed.push(key)
          this.lastUsed.delete(key)
        }
      }
      return removed
    })
  }

  /** Copies whose key the keyring (read afresh: another process may have erased it) says is destroyed. */
  destroyedKeys(): Set<string> {
    return new Set(
      this.keyring
        .entries()
        .filter((e) => e.purpose === 'dataset' && e.destroyedAt !== undefined)
        .map((e) => e.id)
    )
  }

  /** Removes every copy, used or not (the gateway's last act when nothing of it runs any more). */
  removeAll(): Promise<void> {
    return this.serial(async () => {
      rmSync(this.root, { recursive: true, force: true })
    })
  }
}
