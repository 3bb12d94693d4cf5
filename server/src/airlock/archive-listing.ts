import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import yauzl from 'yauzl'
import { filterTar, type TarEntrySummary, unsafeName, UnsafeArchive } from '../archive/safe-tar.js'

export interface ArchiveLimits {
  maxEntries: number
  /** the most all entries may hold unpacked: what stops a small archive from filling the sandbox */
  maxUnpackedBytes: number
}

const ZIP_SYMLINK = 0o120000
const ZIP_TYPE_MASK = 0o170000

/**
 * The entries of an archive brought in through the airlock, for the reviewer, after checking each
 * one the way a tar copied out of a sandbox is checked: relative names that never climb out, plain
 * files and folders only (no links, no devices), and caps on count and unpacked size. Throws
 * UnsafeArchive with the reason; returns null for a file that is not an archive.
 */
export async function listArchive(
  name: string,
  bytes: Buffer,
  limits: ArchiveLimits
): Promise<TarEntrySummary[] | null> {
  const lower = name.toLowerCase()
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) {
    const result = await filterTar(Readable.from([bytes]).pipe(createGunzip()), null, {
      limits: {
        maxEntries: limits.maxEntries,
        maxEntryBytes: limits.maxUnpackedBytes,
        maxTotalBytes: limits.maxUnpackedBytes
      },
      unsafeEntries: 'refuse'
    })
    return result.entries
  }
  if (lower.endsWith('.zip')) return listZip(bytes, limits)
  return null
}

async function listZip(bytes: Buffer, limits: ArchiveLimits): Promise<TarEntrySummary[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, z) =>
      err ? reject(new UnsafeArchive(`the archive could not be read: ${err.message}`)) : resolve(z)
    )
  )
  const entries: TarEntrySummary[] = []
  let total = 0
  return new Promise((resolve, reject) => {
    const refuse = (entryName: string, why: string) => {
      zip.close()
      reject(new UnsafeArchive(`the archive was refused: entry "${entryName.slice(0, 200)}" has ${why}`))
    }
    zip.on('entry', (e: yauzl.Entry) => {
      const problem = unsafeName(e.fileName)
      if (problem !== null) return refuse(e.fileName, problem)
      const mode = (e.externalFileAttributes >>> 16) & 0o7777
      const type = (e.externalFileAttributes >>> 16) & ZIP_TYPE_MASK
      if (type === ZIP_SYMLINK) return refuse(e.fileName, 'type symlink, which is never accepted')
      if (entries.length + 1 > limits.maxEntries) {
        return refuse(e.fileName, `no room: the archive has more than ${limits.maxEntries} entries`)
      }
      total += e.uncompressedSize
      if (total > limits.maxUnpackedBytes) {
        return refuse(e.fileName, `no room: the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`)
      }
      const directory = e.fileName.endsWith('/')
      entries.push({
        name: e.fileName,
        type: directory ? 'directory' : 'file',
        size: e.uncompressedSize,
        mode: mode === 0 ? (directory ? 0o755 : 0o644) : mode & 0o777
      })
      zip.readEntry()
    })
    zip.on('end', () => resolve(entries))
    zip.on('error', (err: Error) => reject(new UnsafeArchive(`the archive could not be read: ${err.message}`)))
    zip.readEntry()
  })
}
