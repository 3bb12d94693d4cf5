import { createHash } from 'node:crypto'
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { LAST, MAGIC, openBytes, sealBytes, TAG } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'

/** How much of a source the audit record itself keeps; the whole text is in the data-operation log. */
export const EXCERPT_CHARS = 512

/** What the audit log keeps of a researcher's source text: enough to find it, never the whole of it. */
export interface SourceSummary {
  sourceSha256: string
  /** UTF-8 bytes of the whole source */
  sourceBytes: number
  /** its first EXCERPT_CHARS characters, ending in "…" when there was more */
  sourceExcerpt: string
}

export function summarizeSource(source: string): SourceSummary {
  let excerpt = source
  if (source.length > EXCERPT_CHARS) {
    excerpt = source.slice(0, EXCERPT_CHARS)
    // a character outside the BMP cut in half would be a lone surrogate in the record
    if (/[\ud800-\udbff]$/.test(excerpt)) excerpt = excerpt.slice(0, -1)
    excerpt += '…'
  }
  return {
    sourceSha256: createHash('sha256').update(source, 'utf8').digest('hex'),
    sourceBytes: Buffer.byteLength(source, 'utf8'),
    sourceExcerpt: excerpt
  }
}

/** One line of a session's data-operation log. */
export interface DataOperation {
  at: string
  actor: string
  action: 'cell.run' | 'cell.export'
  session: string
  language: string
  /** SHA-256 of `source`, as the operation's audit record names it */
  sha256: string
  source: string
  /** the outbox name of an export */
  name?: string
}

export type AppendResult =
  { ok: true; bytes: number } | { refused: { quotaBytes: number; usedBytes: number; requestedBytes: number } }

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** What the n-th record of a session's log is bound to: moved to another session or place, it does not open. */
export const dataOperationContext = (sessionId: string, index: number) => `data-operations:${sessionId}/${index}`

/** The project key that seals a session's log, and the way back to keys by id. */
export interface DataOperationKeys {
  keyring: Pick<Keyring, 'projectKey' | 'key'>
  /** the project of a session (its log is under that project's key, erased with it) */
  projectOf: (sessionId: string) => Promise<string | null>
}

/** Where a session's log stands: its whole records, their plaintext bytes, and where the last one ends. */
interface Extent {
  records: number
  plainBytes: number
  end: number
}

/**
 * The whole records of a log: each is an encrypted blob of its own (keys/encrypted-file.ts: header,
 * then chunks up to the one marked last). A record a crash left half written ends the walk.
 * The lengths are not authenticated here: reading decrypts and checks every record.
 */
function extentOf(file: string): Extent {
  const out: Extent = { records: 0, plainBytes: 0, end: 0 }
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw err
  }
  try {
    const size = fstatSync(fd).size
    const head = Buffer.alloc(10)
    const w = Buffer.alloc(4)
    for (;;) {
      let at = out.end
      if (readSync(fd, head, 0, 10, at) !== 10 || !head.subarray(0, 8).equals(MAGIC)) return out
      at += 10 + head.readUInt16BE(8)
      let plain = 0
      for (;;) {
        if (readSync(fd, w, 0, 4, at) !== 4) return out
        const word = w.readUInt32BE(0)
        const n = word & ~LAST
        at += 4 + n + TAG
        if (at > size) return out
        plain += n
        if ((word & LAST) !== 0) break
      }
      out.records++
      out.plainBytes += plain
      out.end = at
    }
  } finally {
    closeSync(fd)
  }
}

/**
 * The full text of every source a researcher runs or exports, one JSON line per operation, in one
 * file per session (`data-operations/<session>.jsonl.enc`). The audit log keeps a digest and an
 * excerpt of each, so that a hundred large cells don't grow the hash chain by megabytes; the
 * digest ties each line here to its record there, so an edited line is caught by comparing them.
 * At rest each line is sealed on its own under the session's project key (an append-only log can't
 * wait for a last chunk), bound to its session and place in the log. A session's log is capped
 * (quotas.dataOperationLogBytesPerSession, counted in the lines' bytes): an operation that would
 * pass the cap is refused before it runs, as is one whose line cannot be written.
 */
export class DataOperationLog {
  private readonly dir: string
  /** one append at a time per session, so the cap is checked against what is really there */
  private readonly queues = new Map<string, Promise<unknown>>()

  /** Without `keys`, the log can name its files (an erasure) but neither append nor read. */
  constructor(
    dataDir: string,
    private readonly keys?: DataOperationKeys
  ) {
    this.dir = join(dataDir, 'data-operations')
  }

  file(sessionId: string): string {
    if (!SESSION_ID.test(sessionId)) throw new Error(`not a session id: ${sessionId.slice(0, 80)}`)
    return join(this.dir, `${sessionId}.jsonl.enc`)
  }

  /** Bytes of the lines the session's log holds (its plaintext); 0 when it has none. */
  bytes(sessionId: string): number {
    return extentOf(this.file(sessionId)).plainBytes
  }

  /**
   * The session's log as JSON lines, every record decrypted and authenticated: one changed, moved
   * or put in from elsewhere is an error, never shown. A record half written at the end (a crash
   * while appending) is left out, as the append that follows cuts it off.
   */
  async read(sessionId: string): Promise<Buffer> {
    const keyring = this.sealing().keyring
    const file = this.file(sessionId)
    const { records, end } = extentOf(file)
    if (records === 0) return Buffer.alloc(0)
    const fh = await open(file, 'r')
    try {
      const all = Buffer.alloc(end)
      await fh.read(all, 0, end, 0)
      const out: Buffer[] = []
      let at = 0
      for (let i = 0; i < records; i++) {
        const next = at + extentOfBuffer(all.subarray(at))
        out.push(openBytes(all.subarray(at, next), (id) => keyring.key(id), dataOperationContext(sessionId, i)))
        at = next
      }
      return Buffer.concat(out)
    } finally {
      await fh.close()
    }
  }

  /**
   * Appends `op` (synced to disk before it resolves) unless the session's log, with `otherBytes`
   * counted against the same cap, would pass `quotaBytes`. A line half written (a full disk) is
   * cut off again and the error thrown: the caller does not carry the operation out.
   */
  append(op: DataOperation, limit: { quotaBytes: number; otherBytes: number }): Promise<AppendResult> {
    const previous = this.queues.get(op.session) ?? Promise.resolve()
    const next = previous.then(() => this.appendNow(op, limit))
    const settled = next.catch(() => undefined)
    this.queues.set(op.session, settled)
    void settled.then(() => {
      if (this.queues.get(op.session) === settled) this.queues.delete(op.session)
    })
    return next
  }

  private sealing(): DataOperationKeys {
    if (this.keys === undefined) throw new Error('this data-operation log was opened without keys')
    return this.keys
  }

  private async appendNow(op: DataOperation, limit: { quotaBytes: number; otherBytes: number }): Promise<AppendResult> {
    const { keyring, projectOf } = this.sealing()
    const file = this.file(op.session)
    const line = Buffer.from(`${JSON.stringify(op)}\n`, 'utf8')
    const requestedBytes = line.length
    const extent = extentOf(file)
    const usedBytes = extent.plainBytes + limit.otherBytes
    if (usedBytes + requestedBytes > limit.quotaBytes) {
      return { refused: { quotaBytes: limit.quotaBytes, usedBytes, requestedBytes } }
    }
    const projectId = await projectOf(op.session)
    if (projectId === null) throw new Error(`no session ${op.session} to log an operation of`)
    const { id, key } = keyring.projectKey(projectId)
    const sealed = sealBytes(line, id, key, dataOperationContext(op.session, extent.records))
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    const fh = await open(file, 'a', 0o600)
    try {
      // a record a crash left half written is cut off first, so the log stays a run of whole records
      if ((await fh.stat()).size > extent.end) await fh.truncate(extent.end)
      try {
        await fh.write(sealed, 0, sealed.length, extent.end)
        await fh.datasync()
      } catch (err) {
        await fh.truncate(extent.end).catch(() => undefined)
        throw err
      }
      return { ok: true, bytes: extent.plainBytes + requestedBytes }
    } finally {
      await fh.close()
    }
  }
}

/** The length of the encrypted record at the start of `buf` (a whole one: extentOf found it). */
function extentOfBuffer(buf: Buffer): number {
  let at = 10 + buf.readUInt16BE(8)
  for (;;) {
    const word = buf.readUInt32BE(at)
    at += 4 + (word & ~LAST) + TAG
    if ((word & LAST) !== 0) return at
  }
}
