import { createHash } from 'node:crypto'
import { mkdirSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'

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

/**
 * The full text of every source a researcher runs or exports, one JSON line per operation, in one
 * file per session (`data-operations/<session>.jsonl`). The audit log keeps a digest and an
 * excerpt of each, so that a hundred large cells don't grow the hash chain by megabytes; the
 * digest ties each line here to its record there, so an edited line is caught by comparing them.
 * A session's file is capped (quotas.dataOperationLogBytesPerSession): an operation that would
 * pass the cap is refused before it runs, as is one whose line cannot be written.
 */
export class DataOperationLog {
  private readonly dir: string
  /** one append at a time per session, so the cap is checked against what is really there */
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'data-operations')
  }

  file(sessionId: string): string {
    if (!SESSION_ID.test(sessionId)) throw new Error(`not a session id: ${sessionId.slice(0, 80)}`)
    return join(this.dir, `${sessionId}.jsonl`)
  }

  /** Bytes the session's log holds; 0 when it has none. */
  bytes(sessionId: string): number {
    try {
      return statSync(this.file(sessionId)).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
      throw err
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

  private async appendNow(op: DataOperation, limit: { quotaBytes: number; otherBytes: number }): Promise<AppendResult> {
    const file = this.file(op.session)
    const line = `${JSON.stringify(op)}\n`
    const requestedBytes = Buffer.byteLength(line, 'utf8')
    const usedBytes = this.bytes(op.session) + limit.otherBytes
    if (usedBytes + requestedBytes > limit.quotaBytes) {
      return { refused: { quotaBytes: limit.quotaBytes, usedBytes, requestedBytes } }
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    const fh = await open(file, 'a', 0o600)
    try {
      const before = (await fh.stat()).size
      try {
        await fh.writeFile(line, 'utf8')
        await fh.datasync()
      } catch (err) {
        await fh.truncate(before).catch(() => undefined)
        throw err
      }
      return { ok: true, bytes: before + requestedBytes }
    } finally {
      await fh.close()
    }
  }
}
