import { isAscii } from 'node:buffer'
import { createHash } from 'node:crypto'
import {
  closeSync,
  createWriteStream,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  type WriteStream
} from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'

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

/**
 * What a recording keeps for its last event, `[recording truncated at N bytes]`, so that even with
 * it the session's parts stay within their cap.
 */
const MARKER_ROOM = 128

/** The last event of a recording cut at its cap. */
const truncationMark = (capBytes: number) => `\r\n[recording truncated at ${capBytes} bytes]\r\n`

/**
 * The event that says the output stopped being recorded: typing goes on being recorded in the room
 * kept for it, for what a researcher types is what the audit most needs (a flood, or Ctrl-C
 * skipping through one, must not silence it).
 */
const outputMark = (capBytes: number) =>
  `\r\n[output recording truncated at ${capBytes} bytes; typing is still recorded]\r\n`

/** Of a session's recording cap, the room kept for typing and resizes once the output has filled the rest. */
export const inputRoom = (capBytes: number) => Math.min(256 * 1024, Math.floor(capBytes / 8))

/** Whether a part ends with the mark of a recording cut at its cap. */
function endsTruncated(file: string): boolean {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const tail = Buffer.alloc(Math.min(size, MARKER_ROOM))
    readSync(fd, tail, 0, tail.length, size - tail.length)
    return /\[recording truncated at \d+ bytes\]\\r\\n"\]\n$/.test(tail.toString('utf8'))
  } finally {
    closeSync(fd)
  }
}

/** A session's recording quota, as one part of it sees it. */
export interface RecordingLimits {
  /** bytes all of the session's parts may hold together (quotas.recordingBytesPerSession) */
  capBytes: number
  /** bytes its earlier parts hold */
  usedBytes: number
  /** told once the part is closed, with what the audit chain keeps of it */
  onClosed?: (part: ClosedPart) => Promise<void> | void
}

/** A closed part: its size and digest as written, whether it reached the cap, and any write error. */
export interface ClosedPart {
  file: string
  bytes: number
  sha256: string
  truncated: boolean
  error: string | null
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
  /** null when the session's earlier parts left no room for another */
  private readonly out: WriteStream | null
  private readonly started: number
  private readonly decoder = new TextDecoder('utf-8')
  private readonly hash = createHash('sha256')
  /** bytes of this part written so far */
  private bytes = 0
  /** the cap was reached: the mark is written and nothing more is */
  private truncated = false
  /** the output's share of the cap was reached: typing is still recorded */
  private outputTruncated = false
  private writeError: string | null = null
  private closing: Promise<void> | null = null

  /** Without `limits`, the recording is not capped (and nobody is told when it closes). */
  constructor(
    private readonly file: string,
    size: { cols: number; rows: number },
    private readonly now: () => number,
    private readonly limits: RecordingLimits | null = null
  ) {
    this.started = now()
    const header = `${JSON.stringify({
      version: 2,
      width: size.cols,
      height: size.rows,
      timestamp: Math.floor(this.started / 1000),
      env: { TERM: 'xterm-256color', SHELL: '/bin/bash' }
    })}\n`
    if (limits !== null && limits.usedBytes + Buffer.byteLength(header) + MARKER_ROOM > limits.capBytes) {
      // the session's recording was cut at its cap in an earlier part: it records nothing more
      this.out = null
      this.closed = true
      return
    }
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 })
    this.out = createWriteStream(file, { flags: 'wx', mode: 0o600 })
    // a recording that cannot be written is logged by the terminal's owner; it must not crash the gateway
    this.out.on('error', (err) => {
      this.writeError ??= err.message
      this.closed = true
    })
    this.write(header)
  }

  private closed = false

  /** Whether this part has a file (it has none when the session's cap was reached before it). */
  get recorded(): boolean {
    return this.out !== null
  }

  private write(line: string): void {
    this.out!.write(line)
    this.hash.update(line)
    this.bytes += Buffer.byteLength(line)
  }

  private pending: Buffer[] = []
  private pendingBytes = 0
  private pendingAt = 0
  private timer: NodeJS.Timeout | undefined

  private event(kind: 'o' | 'i' | 'r', data: string, at = this.now()): void {
    if (data === '' || this.closed || this.truncated || (kind === 'o' && this.outputTruncated)) return
    const t = Math.round(at - this.started) / 1000
    const line = `${JSON.stringify([t, kind, data])}\n`
    if (this.limits === null) return this.write(line)
    const { capBytes, usedBytes } = this.limits
    // output may fill the cap but for the room kept for typing; typing the rest, but for a mark
    const room =
      capBytes - MARKER_ROOM - usedBytes - this.bytes - (kind === 'o' ? inputRoom(capBytes) + MARKER_ROOM : 0)
    const size = Buffer.byteLength(line)
    if (size <= room) return this.write(line)
    // as much of the event as fits (the longest start of it, found by halving), then the mark
    const lineOf = (n: number) => {
      const cut = data.slice(0, n > 0 && /[\ud800-\udbff]/.test(data[n - 1]!) ? n - 1 : n)
      return `${JSON.stringify([t, kind, cut])}\n`
    }
    let [lo, hi] = [0, Math.min(data.length, Math.max(room, 0))]
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if (Buffer.byteLength(lineOf(mid)) <= room) lo = mid
      else hi = mid - 1
    }
    if (lo > 0) this.write(lineOf(lo))
    if (kind === 'o') {
      this.write(`${JSON.stringify([t, 'o', outputMark(capBytes)])}\n`)
      this.outputTruncated = true
    } else {
      this.write(`${JSON.stringify([t, 'o', truncationMark(capBytes)])}\n`)
      this.truncated = true
    }
    this.pending = []
    this.pendingBytes = 0
    clearTimeout(this.timer)
  }

  /**
   * Output bytes. A flood (a `cat` of a large file) arrives in many small chunks: they are held for
   * at most FLUSH_MS (or FLUSH_BYTES) and written as one event, so decoding, JSON encoding and
   * file writes happen once per batch instead of once per chunk. A player shows the batch at the
   * time its first chunk arrived; typing and resizes flush first, so the order is always kept.
   */
  output(chunk: Buffer): void {
    if (this.closed || this.truncated || this.outputTruncated) return
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

  /**
   * Writes what is held and closes the file; then `limits.onClosed` learns its size and SHA-256
   * (as written), so that a later edit of the file shows. Closing twice closes once.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    if (!this.closed) this.flush()
    this.closed = true
    const out = this.out
    this.closing =
      out === null
        ? Promise.resolve()
        : (async () => {
            out.end()
            await finished(out).catch((err: Error) => (this.writeError ??= err.message))
            await this.limits?.onClosed?.({
              file: this.file,
              bytes: this.bytes,
              sha256: this.hash.digest('hex'),
              truncated: this.truncated || this.outputTruncated,
              error: this.writeError
            })
          })()
    return this.closing
  }
}

/** Recordings of sessions' terminals under their policy's quota, each part's digest told as it closes. */
export function createRecorder(deps: {
  dataDir: string
  now: () => number
  /** quotas.recordingBytesPerSession of the project's policy now */
  capFor: (projectId: string) => number
  /** a part closed (its session ended, or the gateway is closing): put its digest on record */
  onClosed: (part: ClosedPart & { sessionId: string; part: number }) => Promise<void>
}) {
  const open = new Set<Recording>()
  return {
    /** The session's next part, counting what its earlier parts (other runs of the gateway) hold. */
    start(sessionId: string, projectId: string, size: { cols: number; rows: number }): Recording {
      const parts = recordingParts(deps.dataDir, sessionId)
      const part = (parts.at(-1)?.part ?? 0) + 1
      const capBytes = deps.capFor(projectId)
      const last = parts.at(-1)
      // once cut, a session records nothing more, whatever room a raised cap would leave
      const cut = last !== undefined && endsTruncated(last.file)
      const rec: Recording = new Recording(partFile(deps.dataDir, sessionId, part), size, deps.now, {
        capBytes,
        usedBytes: cut ? capBytes : parts.reduce((n, p) => n + p.bytes, 0),
        onClosed: async (closed) => {
          open.delete(rec)
          await deps.onClosed({ ...closed, sessionId, part })
        }
      })
      if (rec.recorded) open.add(rec)
      return rec
    },
    /** Closes every part still open: the gateway is closing (a restarted one continues in a new part). */
    async closeAll(): Promise<void> {
      await Promise.all([...open].map((r) => r.close()))
    }
  }
}

export type Recorder = ReturnType<typeof createRecorder>

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
