import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'

/**
 * Where a session's terminal recording goes on the gateway: `<session>.cast`, or, when a restarted
 * gateway records more of the same session, `<session>.2.cast` and so on (one header per file).
 */
export function recordingFile(dataDir: string, sessionId: string): string {
  const dir = join(dataDir, 'recordings')
  let file = join(dir, `${sessionId}.cast`)
  for (let part = 2; existsSync(file); part++) file = join(dir, `${sessionId}.${part}.cast`)
  return file
}

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

  private event(kind: 'o' | 'i' | 'r', data: string): void {
    if (data === '' || this.closed) return
    const t = Math.round(this.now() - this.started) / 1000
    this.out.write(`${JSON.stringify([t, kind, data])}\n`)
  }

  /** Output bytes, decoded as a stream so a character split across chunks stays whole. */
  output(chunk: Buffer): void {
    this.event('o', this.decoder.decode(chunk, { stream: true }))
  }

  input(data: string): void {
    this.event('i', data)
  }

  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`)
  }

  close(): Promise<void> {
    this.closed = true
    return new Promise((resolve) => this.out.end(resolve))
  }
}
