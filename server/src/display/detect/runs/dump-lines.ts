import { CharWindow } from './char-window.js'
import * as chars from './chars.js'
import { parseDumpLine } from './dump-layouts.js'
import type { Findings } from './findings.js'
import { looksHex } from './judgements.js'
import { RunDecoder } from './run-decoder.js'

// module constants, not imported bindings: see chars.ts
const { CLASS, CR, HEX_LOWER, HEX_UPPER, LF } = chars

/** Longest line the dump-line reader looks at (`hexdump -C`: 78 characters, `xxd -c 32`: 122). */
const DUMP_LINE_MAX = 256

/**
 * Hex dumps with offsets or spaced pairs, and od's other layouts (characters, octal, decimal),
 * which the alphabet runs cannot see (the layout breaks them every few characters): consecutive
 * lines in a dump layout (dump-layouts.ts) form a run, judged on the hex of their bytes. Offsets
 * that count the bytes as they go (od's in octal, xxd's and hexdump's in hex) are a dump's, and
 * then any bytes are; a table that begins each line with a long number is not. The layout fixes
 * the alignment, so these decode at one.
 */
export class DumpLines {
  private readonly line = new Uint8Array(DUMP_LINE_MAX)
  /** the line's length so far; past DUMP_LINE_MAX it is too long to be a dump's */
  private lineLength = 0
  private lineStart = 0
  private inRun = false
  private judged = false
  private runStart = 0
  private runChars = 0
  /** every line of the run so far had offsets that counted its bytes */
  private offsets = true
  /** where the next line's offset is to be, read as octal and as hex: -1 before a run's first line, NaN once a reading failed */
  private nextOctal = -1
  private nextHex = -1
  private readonly window: CharWindow
  private readonly decoder: RunDecoder

  constructor(
    private readonly findings: Findings,
    private readonly minRun: number
  ) {
    this.window = new CharWindow(minRun)
    this.decoder = new RunDecoder(findings)
  }

  scan(chunk: Uint8Array, start: number): void {
    let i = 0
    while (i < chunk.length) {
      const nl = chunk.indexOf(LF, i)
      const end = nl < 0 ? chunk.length : nl
      if (this.lineLength + end - i <= DUMP_LINE_MAX) this.line.set(chunk.subarray(i, end), this.lineLength)
      this.lineLength = Math.min(this.lineLength + end - i, DUMP_LINE_MAX + 1)
      if (nl < 0) return
      this.endLine(start + nl)
      this.lineStart = start + nl + 1
      i = nl + 1
    }
  }

  horizon(): number {
    return this.inRun ? this.runStart : this.lineStart
  }

  end(next: number): void {
    if (this.lineLength > 0) this.endLine(next - 1)
    if (this.inRun) this.endRun()
    this.lineStart = next
  }

  /** The line that ended with the byte at `last` (its "\n", or its last byte at the stream's end). */
  private endLine(last: number): void {
    const line = this.parse()
    this.lineLength = 0
    if (line === null) {
      if (this.inRun) this.endRun()
      return
    }
    if (!this.inRun) {
      this.inRun = true
      this.runStart = this.lineStart
      this.runChars = 0
      this.offsets = true
      this.nextOctal = this.nextHex = -1
    }
    const hex = line.hex
    this.checkOffset(line.offset, hex.length / 2)
    this.runChars += last + 1 - this.lineStart
    for (let i = 0; i < hex.length; i++) {
      const c = hex.charCodeAt(i)
      if (!this.judged) this.window.push(c)
      this.decoder.push(c)
    }
    if (!this.judged) {
      const enough = this.runChars >= this.minRun && this.window.length >= Math.min(64, this.minRun)
      if (!enough || !looksHex(this.window, this.offsets)) return
      this.judged = true
      this.decoder.judge('hex', 1)
    }
    this.findings.count(this.runStart, last + 1)
  }

  private checkOffset(offset: string | null, bytes: number): void {
    if (offset === null) {
      this.offsets = false
      return
    }
    if (offset === '*') {
      // the repeated lines left out: the next offset starts the count again
      this.nextOctal = this.nextHex = -1
      return
    }
    // od counts in octal, xxd and hexdump in hex: either reading may be the one
    const octal = /^[0-7]+$/.test(offset) ? parseInt(offset, 8) : NaN
    const hex = parseInt(offset, 16)
    if (this.nextOctal === -1 && this.nextHex === -1) {
      this.nextOctal = octal + bytes
      this.nextHex = hex + bytes
      return
    }
    const octalCounts = octal === this.nextOctal
    const hexCounts = hex === this.nextHex
    if (!octalCounts && !hexCounts) this.offsets = false
    this.nextOctal = octalCounts ? octal + bytes : NaN
    this.nextHex = hexCounts ? hex + bytes : NaN
  }

  private parse(): ReturnType<typeof parseDumpLine> {
    let n = this.lineLength
    if (n > DUMP_LINE_MAX) return null
    while (n > 0 && this.line[n - 1] === CR) n--
    if (n === 0) return null
    // hexdump -C and od print "*" for lines that repeat the one before
    if (n === 1 && this.line[0] === 0x2a) return this.inRun ? { hex: '', offset: '*' } : null
    let lead = 0
    while (lead < n && lead < 8 && CLASS[this.line[lead]!]! & (HEX_LOWER | HEX_UPPER)) lead++
    if (lead !== 2 && lead < 7 && this.line[0] !== 0x20) return null
    return parseDumpLine(Buffer.from(this.line.buffer, this.line.byteOffset, n).toString('latin1'), lead)
  }

  private endRun(): void {
    this.decoder.end()
    this.window.clear()
    this.inRun = false
    this.judged = false
  }
}
