import { CharWindow } from './char-window.js'
import * as chars from './chars.js'
import type { Findings } from './findings.js'
import { looksHex } from './judgements.js'
import { RunDecoder } from './run-decoder.js'

// module constants, not imported bindings: see chars.ts
const { CLASS, CR, HEX_LOWER, HEX_UPPER, LF } = chars

/** Longest line the dump-line reader looks at (`hexdump -C`: 78 characters, `xxd -c 32`: 122). */
const DUMP_LINE_MAX = 256

/** One line of a dump with its layout (offsets, ASCII column) taken away: the hex digits. */
const DUMP_LINES: { layout: RegExp; offsets: boolean }[] = [
  // xxd, any grouping: "00000000: 7f45 4c46 0201 0100 0000 0000 0000 0000  .ELF............"
  { layout: /^[0-9a-f]{8}: ((?:[0-9a-f]{2})+(?: (?:[0-9a-f]{2})+)*)(?: {2}|$)/i, offsets: true },
  // hexdump -C: "00000000  7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00  |.ELF............|"
  { layout: /^[0-9a-f]{8} {2}((?:[0-9a-f]{2} {1,2}){1,16}) *\|/i, offsets: true },
  // od -tx1 with octal offsets: "0000000 7f 45 4c 46"
  { layout: /^[0-7]{7,} ([0-9a-f]{2}(?: [0-9a-f]{2})*) *$/i, offsets: true },
  // od -An -tx1: " 7f 45 4c 46"
  { layout: /^ ([0-9a-f]{2}(?: [0-9a-f]{2})*) *$/i, offsets: false },
  // spaced pairs without an offset (`bytes.hex(' ')` in short lines)
  { layout: /^([0-9a-f]{2}(?: [0-9a-f]{2}){7,}) *$/i, offsets: false }
]

/**
 * Hex dumps with offsets or spaced pairs, which the alphabet runs cannot see (the layout breaks
 * them every few characters): consecutive lines in a dump layout form a run, judged on its hex
 * digits. The layout fixes the alignment, so these decode at one.
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
  /** every line of the run so far had offsets */
  private offsets = true
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
    }
    const hex = line.hex
    if (!line.offsets) this.offsets = false
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

  private parse(): { hex: string; offsets: boolean } | null {
    let n = this.lineLength
    if (n > DUMP_LINE_MAX) return null
    while (n > 0 && this.line[n - 1] === CR) n--
    if (n === 0) return null
    const first = this.line[0]!
    // hexdump -C and od print "*" for lines that repeat the one before
    if (n === 1 && first === 0x2a) return this.inRun ? { hex: '', offsets: true } : null
    if (!(CLASS[first]! & (HEX_LOWER | HEX_UPPER)) && first !== 0x20) return null
    const text = Buffer.from(this.line.buffer, this.line.byteOffset, n).toString('latin1')
    for (const { layout, offsets } of DUMP_LINES) {
      const m = layout.exec(text)
      if (m !== null) return { hex: m[1]!.replace(/ /g, ''), offsets }
    }
    return null
  }

  private endRun(): void {
    this.decoder.end()
    this.window.clear()
    this.inRun = false
    this.judged = false
  }
}
