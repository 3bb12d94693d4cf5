import { isAscii } from 'node:buffer'
import { createHash } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { ChunkSealer, type KeyLookup, openBytes } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'
import { partPlainSize } from './recording-file.js'

export { playbackText, readPart, type PartText } from './recording-file.js'

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

/** What a part's encryption binds it to: another session's part, or another part, swapped in does not open. */
export const recordingContext = (sessionId: string, part: number) => `recording:${sessionId}/${part}`

/** How a part is sealed: the session's project key, and the part's context. */
export interface PartSeal {
  keyId: string
  key: Buffer
  context: string
}

/**
 * A session's recordings, in order; `bytes` is the recorded (plaintext) size, what the recording
 * cap counts, read from the chunk lengths as far as they go (a part cut short counts its whole chunks).
 */
export function recordingParts(
  dataDir: string,
  sessionId: string
): { part: number; file: string; bytes: number; modifiedAt: string }[] {
  const out = []
  for (let part = 1; ; part++) {
    const file = partFile(dataDir, sessionId, part)
    if (!existsSync(file)) return out
    const st = statSync(file)
    out.push({ part, file, bytes: partPlainSize(file), modifiedAt: st.mtime.toISOString() })
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

/**
 * Whether a part ends with the mark of a recording cut at its cap: its text is decrypted (a part
 * is at most the session's cap). One that does not open whole (changed on disk, or cut short by a
 * crash) is not taken as cut: spoiling a part must not be a way to stop the recording of what
 * follows, and the cap still counts every part's bytes.
 */
function endsTruncated(file: string, lookup: KeyLookup, context: string): boolean {
  try {
    const text = openBytes(readFileSync(file), lookup, context)
    const tail = text.subarray(Math.max(0, text.length - MARKER_ROOM)).toString('utf8')
    return /\[recording truncated at \d+ bytes\]\\r\\n"\]\n$/.test(tail)
  } catch {
    return false
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
 * connection of the session appends to the same file, so it reads as one timeline. At rest the
 * part is encrypted under the project's key, one authenticated chunk per write (an output batch,
 * a keystroke, a resize), the last chunk when it closes: a part a crash cut short still plays up
 * to its last whole chunk, and says it was cut short.
 */
export class Recording {
  /** null when the session's earlier parts left no room for another */
  private readonly out: WriteStream | null
  private readonly sealer: ChunkSealer
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
    seal: PartSeal,
    private readonly limits: RecordingLimits | null = null
  ) {
    this.started = now()
    this.sealer = new ChunkSealer(seal.keyId, seal.key, seal.context)
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
    this.out.write(this.sealer.header)
    this.write(header)
  }

  private closed = false

  /** Whether this part has a file (it has none when the session's cap was reached before it). */
  get recorded(): boolean {
    return this.out !== null
  }

  /** One line, sealed as one chunk; the size and digest count the plaintext (what the cap and the audit speak of). */
  private write(line: string): void {
    const plain = Buffer.from(line, 'utf8')
    this.out!.write(this.sealer.chunk(plain))
    this.hash.update(plain)
    this.bytes += plain.length
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
   * Writes what is held, then the last chunk, and closes the file; then `limits.onClosed` learns
   * its size and SHA-256. Both are of the plaintext (the asciicast text a playback decrypts), not of
   * the encrypted file: the audit's digest then speaks of what was recorded and is checked against
   * what plays back, whatever key it is sealed under. Closing twice closes once.
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
            // a stream that failed is not written to again: its part stays cut short, as a crash leaves it
            if (this.writeError === null) out.end(this.sealer.chunk(Buffer.alloc(0), true))
            else out.end()
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
  /** the session's project's data key, which seals its parts */
  keyring: Pick<Keyring, 'projectKey' | 'key'>
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
      const lookup = (id: string) => deps.keyring.key(id)
      // once cut, a session records nothing more, whatever room a raised cap would leave
      const cut = last !== undefined && endsTruncated(last.file, lookup, recordingContext(sessionId, last.part))
      const { id, key } = deps.keyring.projectKey(projectId)
      const seal = { keyId: id, key, context: recordingContext(sessionId, part) }
      const rec: Recording = new Recording(partFile(deps.dataDir, sessionId, part), size, deps.now, seal, {
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
