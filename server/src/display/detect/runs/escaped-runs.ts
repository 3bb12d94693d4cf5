import * as chars from './chars.js'
import type { Findings } from './findings.js'
import { RunDecoder } from './run-decoder.js'

// module constants, not imported bindings: see chars.ts
const { BACKSLASH } = chars

/**
 * Escaped bytes (`\xHH`) among a window's characters for a run to be escaped binary: Python's
 * repr of random bytes has about 56 in 256 characters, of UTF-8 text printed as bytes 64, of a
 * Windows path or a regular expression a handful.
 */
const ESCAPED_MIN_SHARE = 1 / 16

/** What "\n", "\t" and the like stand for; -1 where "\" and the character are themselves. */
const SIMPLE_ESCAPES = new Int16Array(256).fill(-1)
for (const [c, v] of Object.entries({
  n: 10,
  r: 13,
  t: 9,
  '0': 0,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34
})) {
  SIMPLE_ESCAPES[c.charCodeAt(0)] = v
}
const HEX_VALUE = new Int8Array(256).fill(-1)
for (let d = 0; d < 16; d++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(d)] = d
}

/**
 * Bytes written as escapes: Python's repr of bytes (`print(f.read())` shows b'\x89PNG\r\n...'), C
 * and shell string literals. The repr of random bytes has an entropy below 4.6 bits per character
 * (every other character is "\" or "x"), so only the density of escapes tells: a run of printable
 * ASCII, spaces included (the repr keeps them), with ESCAPED_MIN_SHARE of the last minRun
 * characters opening a `\xHH`. The escapes are undone as they come, so the decoding is the bytes.
 */
export class EscapedRuns {
  private inRun = false
  private judged = false
  private runStart = 0
  private lastChar = 0
  /** 0 in text; 1 after "\"; 2 after "\x"; 3 after "\x" and one hex digit */
  private state = 0
  private high = 0
  /** positions of the escapes among the last `size` characters, oldest first (a ring) */
  private readonly marks: Float64Array
  private markHead = 0
  private escapes = 0
  private readonly needed: number
  private readonly decoder: RunDecoder

  constructor(
    private readonly findings: Findings,
    private readonly size: number
  ) {
    this.marks = new Float64Array(size)
    this.needed = Math.ceil(ESCAPED_MIN_SHARE * size)
    this.decoder = new RunDecoder(findings)
  }

  scan(chunk: Uint8Array, start: number): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      const pos = start + i
      if (b < 0x20 || b > 0x7e) {
        if (this.inRun) this.end()
        continue
      }
      if (!this.inRun) {
        this.inRun = true
        this.runStart = pos
      }
      if (this.state === 0 && b !== BACKSLASH) {
        // text between escapes, most of any output: taken at once, the escapes it pushes out of the window gone
        let j = i + 1
        for (let c; j < chunk.length && (c = chunk[j]!) >= 0x20 && c <= 0x7e && c !== BACKSLASH; ) j++
        this.decoder.pushRange(chunk, i, j)
        i = j - 1
        this.lastChar = start + i
        this.expire(this.lastChar)
        continue
      }
      this.lastChar = pos
      this.expire(pos)
      this.escape(b, pos)
    }
    if (this.judged) this.findings.count(this.runStart, this.lastChar + 1)
  }

  horizon(next: number): number {
    return this.inRun ? this.runStart : next
  }

  end(): void {
    if (this.judged) this.findings.count(this.runStart, this.lastChar + 1)
    this.decoder.end()
    this.inRun = false
    this.judged = false
    this.state = 0
    this.markHead = this.escapes = 0
  }

  private escape(b: number, pos: number): void {
    const state = this.state
    this.state = 0
    if (state === 0) {
      this.state = 1
    } else if (state === 1) {
      const simple = SIMPLE_ESCAPES[b]!
      if (b === 0x78) this.state = 2
      else if (simple >= 0) this.decoder.push(simple)
      else {
        this.decoder.push(BACKSLASH)
        this.decoder.push(b)
      }
    } else {
      const digit = HEX_VALUE[b]!
      if (digit < 0) {
        // not an escape after all: what was held back is text
        this.decoder.push(BACKSLASH)
        this.decoder.push(0x78)
        if (state === 3) this.decoder.push(this.high < 10 ? 0x30 + this.high : 0x57 + this.high)
        if (b === BACKSLASH) this.state = 1
        else this.decoder.push(b)
      } else if (state === 2) {
        this.high = digit
        this.state = 3
      } else {
        this.decoder.push((this.high << 4) | digit)
        this.mark(pos)
      }
    }
  }

  /** The escapes no longer among the last `size` characters, once the one at `pos` is in. */
  private expire(pos: number): void {
    while (this.escapes > 0 && this.marks[this.markHead]! <= pos - this.size) {
      this.markHead = this.markHead + 1 === this.size ? 0 : this.markHead + 1
      this.escapes--
    }
  }

  private mark(pos: number): void {
    let at = this.markHead + this.escapes
    if (at >= this.size) at -= this.size
    this.marks[at] = pos
    this.escapes++
    if (!this.judged && this.escapes >= this.needed && pos - this.runStart + 1 >= this.size) {
      this.judged = true
      this.decoder.judge('bytes', 1)
    }
  }
}
