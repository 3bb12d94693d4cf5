import { isAscii } from 'node:buffer'
import { createWriteStream, existsSync, mkdirSync, statSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'

/**
 * Part `part` of a session's terminal recording on the gateway: `<session>.cast`, or, when a
 * restarted gateway records more of the same session, `<session>.2.cast` and so on (one header per file).
 */
const partFile = (dataDir: string, sessionId: string, part: number) =>
  join(dataDir, 'recordings', part === 1 ? `${sessionId}.cast` : `${sessionId}.${part}.cast`)

/** Where the session's next recording goes: the first part not yet written. */
export function recordingFile(dataDir: string, sessionId: string): string {
  let part = 1
  while (existsSync(partFile(dataDir, sessionId, part))) part++
  return partFile(dataDir, sessionId, part)
}

/** A session's recordings, in order. */
export function recordingParts(
  dataDir: string,
  sessionId: string
): { part: number; file: string; bytes: number; modifiedAt: string }[] {
  const out = []
  for (let part = 1; ; part++) {
    const file = partFile(dataDir, sessionId, part)
    if (!existsSync(file)) return out
    const st = statSync(file)
    out.push({ part, file, bytes: st.size, modifiedAt: st.mtime.toISOString() })
  }
}

/** Output is written to the recording at least this often... */
const FLUSH_MS = 50
/** ...and whenever this much is held. */
const FLUSH_BYTES = 256 * 1024

/**
 * A session's terminal, recorded for the audit as asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/):
 * a header line, then `[seconds, "o" | "i" | "r", data]` per output, input and resize. Every
 * connection of the session appends to the same file, so it reads as one timeline.
 */
export class Recording {
  private readonly out: WriteStream
  private readonly started: number
  private readonly decoder = new TextDecoder('utf-8')

  constructor(
    file: string,
    size: { cols: number; rows: number },
    private readonly now: () => number
  ) {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 })
    this.started = now()
    this.out = createWriteStream(file, { flags: 'wx', mode: 0o600 })
    // a recording that cannot be written is logged by the terminal's owner; it must not crash the gateway
    this.out.on('error', () => (this.closed = true))
    this.out.write(
      `${JSON.stringify({
        version: 2,
        width: size.cols,
        height: size.rows,
        timestamp: Math.floor(this.started / 1000),
        env: { TERM: 'xterm-256color', SHELL: '/bin/bash' }
      })}\n`
    )
  }

  private closed = false

  private pending: Buffer[] = []
  private pendingBytes = 0
  private pendingAt = 0
  private timer: NodeJS.Timeout | undefined

  private event(kind: 'o' | 'i' | 'r', data: string, at = this.now()): void {
    if (data === '' || this.closed) return
    const t = Math.round(at - this.started) / 1000
    this.out.write(`${JSON.stringify([t, kind, data])}\n`)
  }

  /**
   * Output bytes. A flood (a `cat` of a large file) arrives in many small chunks: they are held for
   * at most FLUSH_MS (or FLUSH_BYTES) and written as one event, so decoding, JSON encoding and
   * file writes happen once per batch instead of once per chunk. A player shows the batch at the
   * time its first chunk arrived; typing and resizes flush first, so the order is always kept.
   */
  output(chunk: Buffer): void {
    if (this.closed) return
    if (this.pending.length === 0) {
      this.pendingAt = this.now()
      this.timer = setTimeout(() => this.flush(), FLUSH_MS)
      this.timer.unref()
    }
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    if (this.pendingBytes >= FLUSH_BYTES) this.flush()
  }

  input(data: string): void {
    this.flush()
    this.event('i', data)
  }

  resize(cols: number, rows: number): void {
    this.flush()
    this.event('r', `${cols}x${rows}`)
  }

  /** Whether the decoder holds the start of a character split across batches. */
  private midCharacter = false

  /**
   * Writes the held output as one event, decoded as a stream so a character split across chunks
   * stays whole. A flood is mostly ASCII, which needs no decoding (and a one-byte string is the
   * cheapest to encode as JSON): on a busy gateway this halves what recording costs.
   */
  private flush(): void {
    if (this.pending.length === 0) return
    clearTimeout(this.timer)
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    let text: string
    if (!this.midCharacter && isAscii(bytes)) text = bytes.toString('latin1')
    else {
      text = this.decoder.decode(bytes, { stream: true })
      this.midCharacter = endsMidCharacter(bytes)
    }
    this.event('o', text, this.pendingAt)
  }

  close(): Promise<void> {
    this.flush()
    this.closed = true
    return new Promise((resolve) => this.out.end(resolve))
  }
}

/** Whether `bytes` ends inside a UTF-8 sequence: a lead byte whose continuation bytes are still to come. */
export function endsMidCharacter(bytes: Uint8Array): boolean {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const b = bytes[bytes.length - back]!
    if ((b & 0xc0) === 0x80) continue // a continuation byte: look further back for its lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return need > back
  }
  return false
}
