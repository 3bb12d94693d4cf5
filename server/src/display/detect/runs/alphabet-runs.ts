import { CharWindow } from './char-window.js'
import * as chars from './chars.js'
import type { Findings } from './findings.js'
import { looksBase64, looksHex } from './judgements.js'
import { RunDecoder, type RunKind } from './run-decoder.js'

// module constants, not imported bindings: see chars.ts
const { BACKSLASH, BASE64, CLASS, CR, HEX_LOWER, HEX_UPPER, LETTER_N, LETTER_R, LF } = chars

/** `base64` wraps at 76, openssl and PEM at 64, `xxd -p` at 60: a line this long may continue. */
const CONTINUED_LINE = 60
/**
 * Hex lines of these lengths are digests (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512), one
 * per line: a column of pseudonymised identifiers, not a dump, so the line does not continue.
 */
const DIGEST_LINES = new Set([32, 40, 56, 64, 96, 128])
/** Past this many characters a line is no digest, so whether it is all hex no longer matters. */
const DIGEST_MAX = 128

/**
 * Runs of the base64 alphabet (hex is a subset), which go on across a line break when the line
 * before was long and all of the run, as `base64`, `openssl base64` and `xxd -p` wrap. A line break
 * is "\n" with any "\r" before it (a terminal sends "\r\n"), or the same escaped in JSON ("\\n"),
 * as a notebook's output may be looked at before it is parsed.
 */
export class AlphabetRuns {
  private inRun = false
  private runStart = 0
  private lastChar = 0
  private kind: RunKind | null = null
  /** the run went on across a line break */
  private continued = false
  /** the run's characters on the current line, and whether they began the line */
  private lineChars = 0
  private lineFromStart = false
  private lineHexLower = true
  private lineHexUpper = true
  /** the next byte begins a line: after a line break, a quote (a string's first line), or at the stream's start */
  private atLineStart = true
  private afterBackslash = false
  /** inside a line break that may continue the run: its "\n" seen yet, a "\" pending */
  private inBreak = false
  private breakHasNewline = false
  private breakEscape = false
  private readonly window: CharWindow
  private readonly decoder: RunDecoder

  constructor(
    private readonly findings: Findings,
    minRun: number
  ) {
    this.window = new CharWindow(minRun)
    this.decoder = new RunDecoder(findings)
  }

  scan(chunk: Uint8Array, start: number): void {
    const n = chunk.length
    let i = 0
    while (i < n) {
      const b = chunk[i]!
      const f = CLASS[b]!
      if (!(f & BASE64) || !this.inRun || this.inBreak) {
        this.step(b, f, start + i++)
      } else if (this.kind === null) {
        this.addChar(b, f, start + i++)
      } else {
        // a judged run: take the stretch to the next non-alphabet byte at once
        let j = i + 1
        while (j < n && CLASS[chunk[j]!]! & BASE64) j++
        const classed = Math.min(j, i + Math.max(0, DIGEST_MAX - this.lineChars))
        for (let k = i; k < classed && (this.lineHexLower || this.lineHexUpper); k++) this.lineClass(CLASS[chunk[k]!]!)
        this.lineChars += j - i
        this.decoder.pushRange(chunk, i, j)
        this.lastChar = start + j - 1
        i = j
      }
    }
    if (this.kind !== null) this.findings.count(this.runStart, this.lastChar + 1)
  }

  /** Where a range this reports may start from now on. */
  horizon(next: number): number {
    return this.inRun ? this.runStart : next
  }

  end(): void {
    if (this.inRun) this.endRun()
    this.atLineStart = true
    this.afterBackslash = false
  }

  private step(b: number, f: number, pos: number): void {
    if (this.inBreak && this.breakStep(b)) return
    if (this.afterBackslash && (b === LETTER_N || b === LETTER_R)) {
      // an escaped line break in JSON ends a line like any other
      this.afterBackslash = false
      if (this.inRun) this.endRun()
      this.atLineStart = b === LETTER_N
      return
    }
    if (f & BASE64) {
      if (!this.inRun) this.startRun(pos)
      this.addChar(b, f, pos)
      this.afterBackslash = false
      return
    }
    if (this.inRun) {
      if ((b === CR || b === LF || b === BACKSLASH) && this.lineMayContinue()) {
        this.inBreak = true
        this.breakHasNewline = b === LF
        this.breakEscape = b === BACKSLASH
        return
      }
      this.endRun()
    }
    this.atLineStart = b === LF || b === 0x22 || b === 0x27
    this.afterBackslash = b === BACKSLASH && !this.afterBackslash
  }

  /** One byte inside a line break; false when it is to be read as any other byte (the run went on, or ended at the break). */
  private breakStep(b: number): boolean {
    if (this.breakEscape) {
      this.breakEscape = false
      if (!this.breakHasNewline && (b === LETTER_N || b === LETTER_R)) {
        this.breakHasNewline = b === LETTER_N
        return true
      }
      this.endRun()
      this.afterBackslash = true
      this.atLineStart = false
      return false
    }
    if (!this.breakHasNewline) {
      if (b === CR) return true
      if (b === LF) {
        this.breakHasNewline = true
        return true
      }
      if (b === BACKSLASH) {
        this.breakEscape = true
        return true
      }
    } else if (CLASS[b]! & BASE64) {
      this.inBreak = false
      this.continued = true
      this.lineChars = 0
      this.lineFromStart = true
      this.lineHexLower = this.lineHexUpper = true
      return false
    }
    const newline = this.breakHasNewline
    this.endRun()
    this.atLineStart = newline
    return false
  }

  private lineMayContinue(): boolean {
    if (!this.lineFromStart || this.lineChars < CONTINUED_LINE) return false
    return !((this.lineHexLower || this.lineHexUpper) && DIGEST_LINES.has(this.lineChars))
  }

  private startRun(pos: number): void {
    this.inRun = true
    this.runStart = pos
    this.kind = null
    this.continued = false
    this.lineChars = 0
    this.lineFromStart = this.atLineStart
    this.lineHexLower = this.lineHexUpper = true
  }

  private lineClass(f: number): void {
    if (!(f & HEX_LOWER)) this.lineHexLower = false
    if (!(f & HEX_UPPER)) this.lineHexUpper = false
  }

  private addChar(b: number, f: number, pos: number): void {
    this.lineChars++
    this.lineClass(f)
    this.lastChar = pos
    this.decoder.push(b)
    if (this.kind !== null) return
    this.window.push(b)
    if (!this.window.full) return
    this.kind = looksHex(this.window, this.continued) ? 'hex' : looksBase64(this.window) ? 'base64' : null
    if (this.kind !== null) this.decoder.judge(this.kind, this.kind === 'hex' ? 2 : 4)
  }

  private endRun(): void {
    if (this.kind !== null) this.findings.count(this.runStart, this.lastChar + 1)
    this.decoder.end()
    this.window.clear()
    this.inRun = false
    this.inBreak = false
    this.breakEscape = false
    this.kind = null
  }
}
