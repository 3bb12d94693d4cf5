import type { Findings } from './findings.js'

/**
 * Share of a minRun-byte window that is not text for raw binary to start (random bytes: about
 * 0.6; ordinary output: none) and below which it ends.
 */
const BINARY_ENTER = 0.4
const BINARY_EXIT = 0.15

/** ASCII bytes that are text; see BinaryRuns. */
const TEXT_BYTES = new Uint8Array(128)
for (let c = 0x20; c < 0x7f; c++) TEXT_BYTES[c] = 1
for (const c of [0x07, 0x08, 0x09, 0x0a, 0x0d, 0x1b]) TEXT_BYTES[c] = 1

/**
 * Raw binary: bytes that are not text, i.e. C0 controls other than tab, line breaks, escape and
 * bell (escape sequences, and the bell that ends some), and backspace (spinners and `man`'s
 * overstrike are half backspaces); DEL; invalid UTF-8; and, valid but never in text, C1 controls
 * and U+FFFD (binary that went through a UTF-8 decoder on its way). A run starts where a
 * minRun-byte window is BINARY_ENTER not text and ends at the last non-text byte before the share
 * falls below BINARY_EXIT; the text in between counts with it.
 */
export class BinaryRuns {
  /** positions of the bytes in the last `size` that are not text, oldest first (a ring) */
  private readonly marks: Float64Array
  private markHead = 0
  private notText = 0
  private readonly enter: number
  private readonly exit: number
  private inRun = false
  private runStart = 0
  private lastNotText = 0
  /** position of the next byte to be classified (a character's bytes wait for its end) */
  private next = 0
  /** a UTF-8 sequence in progress: bytes so far, bytes still expected, bounds of the next one */
  private seqBytes = 0
  private seqNeed = 0
  private seqLow = 0x80
  private seqHigh = 0xbf
  private codePoint = 0

  constructor(
    private readonly findings: Findings,
    private readonly size: number
  ) {
    this.marks = new Float64Array(size)
    this.enter = Math.ceil(BINARY_ENTER * size)
    this.exit = BINARY_EXIT * size
  }

  scan(chunk: Uint8Array): void {
    const n = chunk.length
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!
      if (b >= 0x20 && b < 0x7f && this.seqNeed === 0) {
        // printable ASCII, most of any output: the window moves over the stretch at once
        let j = i + 1
        for (let c; j < n && (c = chunk[j]!) >= 0x20 && c < 0x7f; ) j++
        this.text(j - i)
        i = j - 1
      } else {
        this.step(b)
      }
    }
    if (this.inRun) this.findings.count(this.runStart, this.lastNotText + 1)
  }

  horizon(): number {
    if (this.inRun) return this.runStart
    return this.notText > 0 ? this.marks[this.markHead]! : this.next
  }

  /** The stream ended: a character left open is not text. */
  end(): void {
    if (this.seqNeed > 0) this.classify(this.seqBytes, true)
    if (this.inRun) this.findings.count(this.runStart, this.lastNotText + 1)
    this.seqNeed = 0
    this.seqLow = 0x80
    this.seqHigh = 0xbf
    this.inRun = false
    this.markHead = this.notText = 0
  }

  private step(b: number): void {
    if (this.seqNeed > 0) {
      if (b >= this.seqLow && b <= this.seqHigh) {
        this.codePoint = (this.codePoint << 6) | (b & 0x3f)
        this.seqBytes++
        this.seqLow = 0x80
        this.seqHigh = 0xbf
        if (--this.seqNeed === 0) {
          const cp = this.codePoint
          this.classify(this.seqBytes, cp === 0xfffd || (cp >= 0x80 && cp <= 0x9f))
        }
        return
      }
      this.classify(this.seqBytes, true)
      this.seqNeed = 0
      this.seqLow = 0x80
      this.seqHigh = 0xbf
    }
    if (b < 0x80) {
      this.push(!TEXT_BYTES[b])
      return
    }
    this.seqBytes = 1
    if (b >= 0xc2 && b <= 0xdf) {
      this.seqNeed = 1
      this.codePoint = b & 0x1f
    } else if (b >= 0xe0 && b <= 0xef) {
      this.seqNeed = 2
      this.codePoint = b & 0x0f
      if (b === 0xe0) this.seqLow = 0xa0
      else if (b === 0xed) this.seqHigh = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.seqNeed = 3
      this.codePoint = b & 0x07
      if (b === 0xf0) this.seqLow = 0x90
      else if (b === 0xf4) this.seqHigh = 0x8f
    } else {
      this.push(true)
    }
  }

  private classify(n: number, notText: boolean): void {
    for (let i = 0; i < n; i++) this.push(notText)
  }

  /** `count` bytes of text: as many pushes of text, the marks they push out of the window gone at once. */
  private text(count: number): void {
    this.next += count
    const oldest = this.next - this.size
    while (this.notText > 0 && this.marks[this.markHead]! < oldest) {
      this.markHead = this.markHead + 1 === this.size ? 0 : this.markHead + 1
      this.notText--
    }
    if (this.inRun && this.notText < this.exit) {
      this.inRun = false
      this.findings.count(this.runStart, this.lastNotText + 1)
    }
  }

  private push(notText: boolean): void {
    const pos = this.next++
    // one byte leaves the window for each that enters it
    if (this.notText > 0 && this.marks[this.markHead]! <= pos - this.size) {
      this.markHead = this.markHead + 1 === this.size ? 0 : this.markHead + 1
      this.notText--
    }
    if (!notText) {
      if (this.inRun && this.notText < this.exit) {
        this.inRun = false
        this.findings.count(this.runStart, this.lastNotText + 1)
      }
      return
    }
    let at = this.markHead + this.notText
    if (at >= this.size) at -= this.size
    this.marks[at] = pos
    this.notText++
    if (!this.inRun && this.notText >= this.enter) {
      this.inRun = true
      this.runStart = this.marks[this.markHead]!
    }
    this.lastNotText = pos
  }
}
