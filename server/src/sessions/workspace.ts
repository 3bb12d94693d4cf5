import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { filterTar, type FilterResult } from '../archive/safe-tar.js'
import type { SandboxDriver } from '../sandbox/driver.js'

/** Inside the sandbox: the researcher's home (tmpfs) and the workspace kept between sessions. */
export const HOME = '/home/researcher'
export const WORK_DIR = `${HOME}/work`
export const DATA_DIR = '/data'

/**
 * The workspace of one researcher in one project, kept on the gateway as a tar snapshot that is
 * only ever unpacked inside that researcher's sandbox. It holds plain files and directories only
 * (links and devices are dropped when it is saved), so it cannot point anywhere else.
 */
export function workspaceSnapshot(dataDir: string, projectId: string, userId: string): string {
  return join(dataDir, 'workspaces', projectId, `${userId}.tar`)
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
  timeoutMs = 120_000
): Promise<FilterResult> {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`
  let source: Readable | null = null
  let timer: NodeJS.Timeout | undefined
  try {
    // exclusive: the researcher's processes end first, so none can stop or feed the copy
    source = await driver.copyOut(sandboxId, WORK_DIR, { exclusive: true })
    const copy = filterTar(source, createWriteStream(partial, { mode: 0o600 }), {
      limits: { maxEntries: 200_000, maxEntryBytes: maxBytes, maxTotalBytes: maxBytes },
      unsafeEntries: 'drop'
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

/**
 * A tar stream of files read from the gateway's disk, each under `name` in the archive; `onBytes`
 * hears how many bytes of the files have been read so far.
 */
export function filesAsTar(
  files: { path: string; name: string; mode: number }[],
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
    let size: number
    try {
      size = statSync(f.path).size
    } catch (err) {
      p.destroy(err as Error)
      return
    }
    const entry = p.entry({ name: f.name, size, mode: f.mode, mtime: new Date(0) }, (err) => {
      if (err) p.destroy(err)
      else next(i + 1)
    })
    const src = createReadStream(f.path)
    src.on('error', (err) => p.destroy(err))
    src.on('data', (c) => onBytes((read += c.length)))
    src.pipe(entry as unknown as NodeJS.WritableStream)
  }
  next(0)
  return p as unknown as Readable
}
