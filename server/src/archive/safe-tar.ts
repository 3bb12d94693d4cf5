import type { Readable, Writable } from 'node:stream'
import { extract, pack } from 'tar-stream'

export interface TarLimits {
  maxEntries: number
  maxEntryBytes: number
  maxTotalBytes: number
}

/** A tar stream that broke a limit or held an entry that is never accepted. Nothing of it is kept. */
export class UnsafeArchive extends Error {
  override name = 'UnsafeArchive'
}

export interface TarEntrySummary {
  name: string
  type: 'file' | 'directory'
  size: number
  mode: number
}

export interface FilterResult {
  entries: TarEntrySummary[]
  totalBytes: number
  /** entries left out because they are not plain files or directories (drop mode only): the first few */
  dropped: { name: string; type: string }[]
  /** how many were left out in all */
  droppedCount: number
}

const MAX_NAMED_DROPS = 100

/**
 * Why an entry name is unsafe, or null. Names are relative, normalised, and never climb out:
 * no absolute paths, no `..`, no empty or `.` segments in the middle, no NUL or backslash.
 */
export function unsafeName(name: string): string | null {
  if (name.length === 0) return 'an empty name'
  if (name.length > 1024) return 'a name longer than 1024 characters'
  if (name.includes('\0')) return 'a NUL byte in the name'
  if (name.includes('\\')) return 'a backslash in the name'
  if (name.startsWith('/')) return 'an absolute path'
  const parts = name.replace(/\/$/, '').split('/')
  if (parts.some((p) => p === '..')) return 'a ".." path segment'
  if (parts.some((p, i) => p === '' || (p === '.' && i > 0))) return 'an empty or "." path segment'
  return null
}

/**
 * Reads a tar stream entry by entry with caps on count, entry size and total size, and refuses
 * absolute paths and `..`. Symlinks, hardlinks, devices and FIFOs are never followed or written:
 * `refuse` fails the whole archive on them (the airlock), `drop` leaves them out (a workspace
 * snapshot). Accepted entries are re-packed into `output` when one is given, so what is stored is
 * only what was checked. On any refusal the caller must discard whatever `output` received.
 */
export async function filterTar(
  input: Readable,
  output: Writable | null,
  options: {
    limits: TarLimits
    unsafeEntries: 'refuse' | 'drop'
    /**
     * Takes each accepted file's bytes instead of re-packing them (with `output` null): the
     * airlock stores them one by one. It must read `content` to its end.
     */
    onFile?: (entry: TarEntrySummary, content: Readable) => Promise<void>
  }
): Promise<FilterResult> {
  const { limits } = options
  const result: FilterResult = { entries: [], totalBytes: 0, dropped: [], droppedCount: 0 }
  const ex = extract()
  const out = output === null ? null : pack()
  const written =
    out === null || output === null
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          output.on('finish', resolve)
          output.on('error', reject)
          out.on('error', reject)
          out.pipe(output)
        })
  input.on('error', (err) => ex.destroy(err))
  input.pipe(ex)

  const refuse = (name: string, why: string) =>
    new UnsafeArchive(`the archive was refused: entry "${name.slice(0, 200)}" has ${why}`)
  try {
    for await (const entry of ex) {
      const header = entry.header
      const nameProblem = unsafeName(header.name)
      if (nameProblem !== null) throw refuse(header.name, nameProblem)
      const type = header.type
      if (type !== 'file' && type !== 'directory') {
        if (options.unsafeEntries === 'refuse') throw refuse(header.name, `type ${type}, which is never accepted`)
        // dropped entries count against the entry cap too, and only the first few are named
        if (result.entries.length + result.droppedCount + 1 > limits.maxEntries) {
          throw refuse(header.name, `no room: the archive has more than ${limits.maxEntries} entries`)
        }
        result.droppedCount++
        if (result.dropped.length < MAX_NAMED_DROPS) result.dropped.push({ name: header.name.slice(0, 200), type })
        entry.resume()
        continue
      }
      if (result.entries.length + result.droppedCount + 1 > limits.maxEntries) {
        throw refuse(header.name, `no room: the archive has more than ${limits.maxEntries} entries`)
      }
      const size = header.size ?? 0
      if (size > limits.maxEntryBytes) {
        throw refuse(header.name, `${size} bytes, more than the ${limits.maxEntryBytes} allowed per file`)
      }
      if (result.totalBytes + size > limits.maxTotalBytes) {
        throw refuse(header.name, `no room: the archive is larger than ${limits.maxTotalBytes} bytes in all`)
      }
      result.totalBytes += size
      const mode = (header.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o777
      result.entries.push({ name: header.name, type, size, mode })
      if (options.onFile !== undefined && type === 'file') {
        await options.onFile({ name: header.name, type, size, mode }, entry as unknown as Readable)
        continue
      }
      if (out === null) {
        entry.resume()
        continue
      }
      // setuid/setgid/sticky bits and ownership are not carried over.
      await new Promise<void>((resolve, reject) => {
        const sink = out.entry({ name: header.name, type, size, mode, mtime: header.mtime ?? new Date(0) }, (err) =>
          err ? reject(err) : resolve()
        )
        entry.pipe(sink)
      })
    }
    out?.finalize()
    await written
  } catch (err) {
    // stop the source: a refused archive is not read to its end (it may be endless)
    input.unpipe(ex)
    input.destroy()
    out?.destroy()
    await written.catch(() => undefined)
    if (err instanceof UnsafeArchive) throw err
    throw new UnsafeArchive(`the archive could not be read: ${(err as Error).message}`)
  }
  return result
}

/** A tar stream of in-memory files (plain files, mode 0644, owned by whoever unpacks them). */
export function bytesAsTar(files: { name: string; bytes: Buffer }[]): Readable {
  const p = pack()
  for (const f of files) {
    const problem = unsafeName(f.name)
    if (problem !== null) throw new UnsafeArchive(`cannot pack "${f.name.slice(0, 200)}": it has ${problem}`)
    p.entry({ name: f.name, size: f.bytes.length, mode: 0o644, mtime: new Date() }, f.bytes)
  }
  p.finalize()
  return p as unknown as Readable
}
