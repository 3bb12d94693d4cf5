/**
 * Datasets at rest: each version of a dataset is one file encrypted under its own data key (so an
 * opt-out can erase the earlier version alone), bound to its dataset by the context in its header.
 * DuckDB reads and writes only real files, so where the gateway needs a DuckDB database in the
 * clear (writing a dataset, reading its catalog) it uses a memory-backed temporary directory that
 * only this process's user can enter, removed as soon as the work is done, also when it fails.
 */
import { closeSync, createWriteStream, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { EncryptedFileError, MAGIC, readEncryptedFile } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'
import { sweepPartialCopies } from './host-copies-cleanup.js'

/** What a dataset file's encryption binds it to: another dataset's file swapped in does not open. */
export const datasetContext = (datasetId: string) => `dataset:${datasetId}`

/** The keyring scope of one version's data key. */
export const datasetKeyScope = (datasetId: string, version: number) => `${datasetId}@${version}`

/**
 * Memory-backed storage for plaintext that must be a file. Only tmpfs will do: a disk (the data
 * directory, /tmp on most hosts) would keep the plaintext after it is deleted.
 */
export const MEMORY_DIR = '/dev/shm'

export class MemoryStorageMissing extends Error {
  override name = 'MemoryStorageMissing'
}

/**
 * A fresh directory (mode 0700, from mkdtemp) in memory-backed storage, named with this process's
 * id so that what a killed process left behind can be found and removed (sweepMemoryLeftovers).
 * Refuses to make one without such storage rather than fall back to a disk.
 */
export function memoryDir(label: string): string {
  if (!existsSync(MEMORY_DIR)) {
    throw new MemoryStorageMissing(
      `${MEMORY_DIR} (memory-backed storage) is missing: dataset plaintext is never written to a disk`
    )
  }
  return mkdtempSync(join(MEMORY_DIR, `vre-${label}-${process.pid}-`))
}

/** Runs `work` with a fresh memory-backed directory and removes it afterwards, whatever happens. */
export async function withMemoryDir<T>(label: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = memoryDir(label)
  try {
    return await work(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const LEFTOVER = /^vre-[a-z-]+-(\d+)-[A-Za-z0-9]{6}$/

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the memory-backed directories of processes of this user that no longer run: a gateway or
 * command killed in the middle of writing or reading a dataset leaves its plaintext there, which
 * nothing else would ever delete (and which an erasure would not find). Returns what it removed.
 */
export function sweepMemoryLeftovers(): string[] {
  if (!existsSync(MEMORY_DIR)) return []
  const removed: string[] = sweepPartialCopies(alive)
  const uid = process.getuid?.()
  for (const name of readdirSync(MEMORY_DIR)) {
    const m = LEFTOVER.exec(name)
    if (m === null) continue
    const path = join(MEMORY_DIR, name)
    try {
      if (uid !== undefined && statSync(path).uid !== uid) continue
      if (alive(Number(m[1]))) continue
      rmSync(path, { recursive: true, force: true })
      removed.push(path)
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return removed
}

/** The decrypted bytes of a dataset file, streamed; the stream errors on any change, swap or cut. */
export function readDatasetFile(path: string, keyring: Keyring, datasetId: string): Readable {
  return readEncryptedFile(path, (id) => keyring.key(id), datasetContext(datasetId))
}

/**
 * Runs `use` with a decrypted copy of a dataset file in memory-backed storage (for DuckDB, which
 * opens files only); the copy is removed right after. A file that does not decrypt fails here,
 * before DuckDB sees a byte of it.
 */
export async function withPlainDataset<T>(
  path: string,
  keyring: Keyring,
  datasetId: string,
  use: (plainPath: string) => Promise<T>
): Promise<T> {
  if (!existsSync(path)) throw new Error(`no dataset file at ${path}`)
  return withMemoryDir('dataset', async (dir) => {
    const plain = join(dir, 'dataset.duckdb')
    try {
      await pipeline(readDatasetFile(path, keyring, datasetId), createWriteStream(plain, { mode: 0o600 }))
    } catch (err) {
      throw new EncryptedFileError(`the dataset file ${path} does not decrypt: ${(err as Error).message}`)
    }
    return use(plain)
  })
}

/**
 * The id of the data key named in an encrypted file's header (unauthenticated until the file is
 * decrypted: use it to find a key, never to decide which key to destroy).
 */
export function encryptedFileKeyId(path: string): string {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(10)
    if (readSync(fd, head, 0, 10, 0) !== 10 || !head.subarray(0, 8).equals(MAGIC)) {
      throw new EncryptedFileError(`${path} is not an encrypted file of this platform`)
    }
    const json = Buffer.alloc(head.readUInt16BE(8))
    if (readSync(fd, json, 0, json.length, 10) !== json.length) throw new EncryptedFileError(`${path} has a cut header`)
    let k: unknown
    try {
      k = (JSON.parse(json.toString('utf8')) as { k?: unknown }).k
    } catch {
      k = undefined
    }
    if (typeof k !== 'string') throw new EncryptedFileError(`${path} has a damaged header`)
    return k
  } finally {
    closeSync(fd)
  }
}
