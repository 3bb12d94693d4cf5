import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { pack } from 'tar-stream'
import { filterTar, type FilterResult } from '../archive/safe-tar.js'
import { encryptedPlainSize, encryptingStream, readEncryptedFile } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'
import type { SandboxDriver } from '../sandbox/driver.js'

/** Inside the sandbox: the researcher's home (tmpfs) and the workspace kept between sessions. */
export const HOME = '/home/researcher'
export const WORK_DIR = `${HOME}/work`
export const DATA_DIR = '/data'

/**
 * The workspace of one researcher in one project, kept on the gateway as a tar snapshot that is
 * only ever unpacked inside that researcher's sandbox. It holds plain files and directories only
 * (links and devices are dropped when it is saved), so it cannot point anywhere else. At rest it is
 * encrypted under the project's data key, bound to its project and researcher.
 */
export function workspaceSnapshot(dataDir: string, projectId: string, userId: string): string {
  return join(dataDir, 'workspaces', projectId, `${userId}.tar.enc`)
}

/** What a snapshot's encryption binds it to: another researcher's snapshot swapped in does not open. */
export const snapshotContext = (projectId: string, userId: string) => `snapshot:${projectId}/${userId}`

/** Where a snapshot is kept and how it is sealed. */
export interface SnapshotSeal {
  keyring: Keyring
  projectId: string
  userId: string
}

export function projectWorkspaces(dataDir: string, projectId: string): string {
  return join(dataDir, 'workspaces', projectId)
}

/** Copies the workspace out of a running sandbox; the old snapshot is replaced only by a complete, checked one. */
export async function saveWorkspace(
  driver: SandboxDriver,
  sandboxId: string,
  target: string,
  maxBytes: number,
  seal: SnapshotSeal,
  timeoutMs = 120_000
): Promise<FilterResult> {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`
  let source: Readable | null = null
  let timer: NodeJS.Timeout | undefined
  try {
    // exclusive: the researcher's processes end first, so none can stop or feed the copy
    source = await driver.copyOut(sandboxId, WORK_DIR, { exclusive: true })
    const { id, key } = seal.keyring.projectKey(seal.projectId)
    const sealed = encryptingStream(id, key, snapshotContext(seal.projectId, seal.userId))
    const file = createWriteStream(partial, { mode: 0o600 })
    const written = finished(sealed.pipe(file))
    const copy = filterTar(source, sealed, {
      limits: { maxEntries: 200_000, maxEntryBytes: maxBytes, maxTotalBytes: maxBytes },
      unsafeEntries: 'drop'
    }).then(async (r) => {
      await written
      return r
    })
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the workspace copy took longer than ${timeoutMs / 1000} s`)),
        timeoutMs
      )
    })
    const result = await Promise.race([copy, timeout])
    renameSync(partial, target)
    return result
  } catch (err) {
    source?.destroy()
    rmSync(partial, { force: true })
    throw err
  } finally {
    clearTimeout(timer)
  }
}

/** A file to put in a sandbox's seed: its name there, its plaintext size, and how to read it. */
export interface SeedFile {
  name: string
  mode: number
  size: number
  open(): Readable
}

/** A plaintext file on the gateway's disk (nothing of a project's data: fixtures, images). */
export function plainSeedFile(path: string, name: string, mode: number): SeedFile {
  return { name, mode, size: statSync(path).size, open: () => createReadStream(path) }
}

/** An encrypted file, decrypted as it streams into the sandbox; it fails the seed if changed or cut. */
export function encryptedSeedFile(path: string, name: string, mode: number, keyring: Keyring, context: string): SeedFile {
  return { name, mode, size: encryptedPlainSize(path), open: () => readEncryptedFile(path, (id) => keyring.key(id), context) }
}

/**
 * A tar stream of files, each under `name` in the archive; `onBytes` hears how many bytes of the
 * files have been read so far.
 */
export function filesAsTar(
  files: SeedFile[],
  onBytes: (bytes: number) => void = () => undefined
): Readable {
  let read = 0
  const p = pack()
  const next = (i: number) => {
    const f = files[i]
    if (f === undefined) {
      p.finalize()
      return
    }
    const entry = p.entry({ name: f.name, size: f.size, mode: f.mode, mtime: new Date(0) }, (err) => {
      if (err) p.destroy(err)
      else next(i + 1)
    })
    let src: Readable
    try {
      src = f.open()
    } catch (err) {
      p.destroy(err as Error)
      return
    }
    src.on('error', (err) => p.destroy(err))
    // the entry errors too as the archive is destroyed: it is the archive's error that is reported
    entry.on('error', () => undefined)
    src.on('data', (c) => onBytes((read += c.length)))
    src.pipe(entry as unknown as NodeJS.WritableStream)
  }
  next(0)
  return p as unknown as Readable
}
