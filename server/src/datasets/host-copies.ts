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
import {
  chmodSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync
} from 'node:fs'
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
export const KEY_ID = /^dataset-[0-9a-f-]{36}$/
/** The file a copy is kept in, and the temporary one it is written to first. */
const COPY = /^(dataset-[0-9a-f-]{36})\.duckdb$/
export const SUFFIX = '.duckdb'
/** What a copy being written is called until it is whole: `<key>.duckdb.partial-<pid>-<random>`. */
export const PARTIAL = '.partial-'
export const PARTIAL_NAME = /^dataset-[0-9a-f-]{36}\.duckdb\.partial-(\d+)-[0-9a-f]{8}$/

/** The encrypted file a copy comes from, as it stands: another file, or this one changed, differs. */
function sourceOf(v: DatasetVersion): string {
  const st = statSync(v.path)
  return JSON.stringify([v.datasetId, v.path, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs])
}

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
  /**
   * What each copy was decrypted from, as this process decrypted it: a copy is served again only
   * for the same dataset from the same encrypted file, unchanged since (a copy this process did not
   * make, or whose file changed, is decrypted again, and so authenticated again).
   */
  private readonly madeFrom = new Map<string, string>()
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
      this.ensureRoot()
      const destroyed = this.destroyedKeys()
      const entries = new Map(this.keyring.entries().map((e) => [e.id, e]))
      for (const v of versions) {
        // the key id comes from the file's header, unauthenticated until the file is decrypted: it
        // must name a live key of this very dataset before a copy made under it is served
        const e = entries.get(v.keyId)
        if (e === undefined || e.purpose !== 'dataset' || !e.scope.startsWith(`${v.datasetId}@`)) {
          throw new EncryptedFileError(`the dataset file ${v.path} names a key that is not one of its dataset's`)
        }
        if (destroyed.has(v.keyId)) {
          throw new EncryptedFileError(`the dataset file ${v.path} was erased: its key ${v.keyId} is destroyed`)
        }
      }
      const total = versions.reduce((n, v) => n + encryptedPlainSize(v.path), 0)
      let done = 0
      const paths = new Map<string, string>()
      for (const v of versions) {
        const path = this.pathOf(v.keyId)
        const source = sourceOf(v)
        if (!this.isCopy(path) || this.madeFrom.get(v.keyId) !== source) {
          this.madeFrom.delete(v.keyId)
          await this.decrypt(v, path, (b) => onProgress?.(done + b, total))
          this.madeFrom.set(v.keyId, source)
        }
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

  /**
   * Makes the directory, or checks the one there: a real directory (not a link), this process's
   * own, that nobody else can enter. In a world-writable place, another local user could have made
   * it first, to be handed the plaintext.
   */
  private ensureRoot(): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 })
    const st = lstatSync(this.root)
    const uid = process.getuid?.()
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
      throw new EncryptedFileError(
        `${this.root} is not a directory of this process's own that only it can enter: no dataset is decrypted into it`
      )
    }
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
    // named with this process's id, so a start-up sweep can tell a dead writer's leftovers
    const partial = `${path}${PARTIAL}${process.pid}-${randomBytes(4).toString('hex')}`
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

  /** The plaintext bytes a start of these versions would decrypt: those with no copy here yet. */
  bytesToDecrypt(versions: { keyId: string; bytes: number }[]): number {
    const present = new Set(this.present())
    return versions.filter((v) => !present.has(v.keyId)).reduce((n, v) => n + v.bytes, 0)
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
      const destroyed = this.destroyedKeys()
      const removed: string[] = []
      const forget = (key: string) => {
        removed.push(key)
        this.lastUsed.delete(key)
        this.madeFrom.delete(key)
      }
      // what was erased goes first, whatever the engine says, or fails to say, of what runs
      for (const key of this.present()) {
        if (!destroyed.has(key)) continue
        rmSync(this.pathOf(key), { force: true })
        forget(key)
      }
      const used = await inUse()
      const now = this.now()
      for (const k of [...held, ...used]) this.lastUsed.set(k, now)
      for (const name of readdirSync(this.root)) {
        const key = COPY.exec(name)?.[1]
        // a copy this process never saw in use (left by an earlier run) counts as unused since now
        if (key !== undefined && !this.lastUsed.has(key)) this.lastUsed.set(key, now)
        const recent = key !== undefined && now - (this.lastUsed.get(key) ?? 0) < linger
        if (key !== undefined && (held.has(key) || used.has(key) || recent)) continue
        // a partial write, a stranger, an unused copy: nothing else may live here
        rmSync(join(this.root, name), { recursive: true, force: true })
        if (key !== undefined) forget(key)
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
