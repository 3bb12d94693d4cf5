import { CharWindow } from './char-window.js'
import * as chars from './chars.js'
import type { Findings } from './findings.js'
import { ID_KEY_DIGITS, IdColumns, isIdLength } from './id-columns.js'
import { looksBase32, looksBase64, looksHex } from './judgements.js'
import { RunDecoder, type RunKind } from './run-decoder.js'

// module constants, not imported bindings: see chars.ts
const { BACKSLASH, BASE64, CLASS, CR, HEX_LOWER, HEX_UPPER, LETTER_N, LETTER_R, LF, LOWER, SEP, SPACE, TAB, UPPER } =
  chars

/** `base64` wraps at 76, openssl and PEM at 64, `xxd -p` at 60: hex this wide may be digits only. */
const WIDE_LINE = 60
/** Bytes between two pieces of a run (blank lines, indentation, a separator) it may go on across. */
const MAX_GAP = 32
/** Bytes of a separator between tokens ("  ", ", ", " | "); longer is a table's padding. */
const MAX_SEP = 4

const HEX_VALUE = new Int8Array(256).fill(-1)
for (let d = 0; d < 16; d++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(d)] = d
}

/**
 * Runs of the base64 alphabet (hex and base32 are subsets). A run goes on across a line break
 * when it covered the line from its start, whatever the line's width (`base64 -w59`, lines of
 * mixed widths, blank lines between), and across a separator (a space, ",", ";", "|", ":", "%",
 * or up to MAX_SEP of them) between tokens of one length ("a space every 200 characters",
 * "aa:bb:cc"): ordinary text puts words of every length between its spaces. The characters
 * joined are judged together, so a column of words or numbers stays what it was. Hex of an
 * identifier's length is judged by IdColumns first: a sorted listing of hashed names is no dump.
 * A line break is "\n" or "\r" (a terminal sends "\r\n"), or the same escaped in JSON ("\\n"), as
 * a notebook's output may be looked at before it is parsed.
 */
export class AlphabetRuns {
  private inRun = false
  private runStart = 0
  private lastChar = 0
  private kind: RunKind | null = null
  /**
   * the run went on across a line break; every line it went on from was WIDE_LINE or longer; they
   * were all as wide as the first (a dump's are, a listing's are not)
   */
  private continued = false
  private wide = true
  private even = true
  private lineWidth = 0
  /** characters of the run so far, until its window is filled */
  private runChars = 0
  /** the run's separator (its bytes, as a number) and token length, once seen; 0 before */
  private sep = 0
  private tokenLen = 0
  /** the run's characters on the current line, the separators it went on across there, and whether they began the line */
  private lineChars = 0
  private lineJoins = 0
  private lineFromStart = false
  /** the current token: its characters, and whether a separator came before it */
  private tokenChars = 0
  private tokenBounded = false
  /** the next byte begins a line: after a line break and any indentation, a quote (a string's first line), or at the stream's start */
  private atLineStart = true
  private afterBackslash = false
  /** between two pieces of a run: its length, a line break in it, a "\" pending, the separator before any line break */
  private inGap = false
  private gapLength = 0
  private gapNewline = false
  private gapIndented = true
  private gapEscape = false
  private gapSep = 0
  private gapSepLength = 0
  /** the line after a shorter one, not yet known to be as wide; the run counts to the shorter one's end till it is */
  private probation = false
  private confirmedTo = 0
  private readonly window: CharWindow
  private readonly decoder: RunDecoder
  private readonly ids = new IdColumns()

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
      const f = CLASS[chunk[i]!]!
      if ((!(f & BASE64) || !this.inRun || this.inGap) && !this.step(chunk[i]!, f, start + i)) {
        i++
        continue
      }
      // a stretch of the alphabet in a run, taken at once
      let j = i + 1
      while (j < n && CLASS[chunk[j]!]! & BASE64) j++
      this.take(chunk, i, j, start)
      i = j
    }
    if (this.kind !== null) this.findings.count(this.runStart, this.countedTo())
  }

  private take(chunk: Uint8Array, i: number, j: number, start: number): void {
    this.tokenChars += j - i
    this.lineChars += j - i
    this.lastChar = start + j - 1
    if (this.kind !== null) {
      this.decoder.pushRange(chunk, i, j)
      return
    }
    // most runs (words, numbers, lines of a listing) end before they fill a window: it is filled
    // from the decoder's copy of the run once the run is long enough, then slides a character at a time
    let k = i
    if (this.window.length === 0) {
      const lacking = this.window.size - this.runChars
      k = Math.min(j, i + lacking)
      this.decoder.pushRange(chunk, i, k)
      this.runChars += k - i
      if (k - i < lacking) return
      this.window.fill(this.decoder.tail(this.window.size))
      if (this.judge()) {
        this.decoder.pushRange(chunk, k, j)
        return
      }
    }
    for (; k < j; k++) {
      const c = chunk[k]!
      this.decoder.push(c)
      this.window.push(c)
      if (this.judge()) {
        this.decoder.pushRange(chunk, k + 1, j)
        return
      }
    }
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

  /** A byte outside a stretch of a run; true when it is an alphabet byte the run goes on, or starts, with. */
  private step(b: number, f: number, pos: number): boolean {
    if (this.inGap && this.gapStep(b, f)) return false
    if (f & BASE64) {
      if (this.afterBackslash && (b === LETTER_N || b === LETTER_R)) {
        // an escaped line break in JSON ends a line like any other
        this.afterBackslash = false
        this.atLineStart = b === LETTER_N
        return false
      }
      if (!this.inRun) this.startRun(pos)
      this.afterBackslash = false
      return true
    }
    if (this.inRun) {
      if (f & SEP || b === CR || b === LF || b === BACKSLASH) {
        this.openGap()
        this.gapStep(b, f)
        return false
      }
      this.endRun()
    }
    this.atLineStart =
      b === LF || b === CR || b === 0x22 || b === 0x27 || (this.atLineStart && (b === SPACE || b === TAB))
    this.afterBackslash = b === BACKSLASH && !this.afterBackslash
    return false
  }

  /** One byte between two pieces of the run; false when it is to be read as any other byte (the gap is over). */
  private gapStep(b: number, f: number): boolean {
    if (this.gapEscape) {
      this.gapEscape = false
      if (b === LETTER_N || b === LETTER_R) return this.gapGrows(true)
      this.endRun()
      this.afterBackslash = true
      this.atLineStart = false
      return false
    }
    if (f & BASE64) {
      this.inGap = false
      if (this.gapJoins()) return false
      const atLineStart = this.gapNewline && this.gapIndented
      this.endRun()
      this.atLineStart = atLineStart
      return false
    }
    if (b === CR || b === LF) return this.gapGrows(true)
    if (b === BACKSLASH) {
      this.gapEscape = true
      return this.gapGrows(false)
    }
    if (f & SEP) {
      if (this.gapNewline) {
        if (b !== SPACE && b !== TAB) this.gapIndented = false
      } else if (++this.gapSepLength <= MAX_SEP) {
        this.gapSep = this.gapSep * 256 + b
      }
      return this.gapGrows(false)
    }
    const atLineStart = this.gapNewline && this.gapIndented
    this.endRun()
    this.atLineStart = atLineStart
    return false
  }

  private gapGrows(newline: boolean): boolean {
    if (newline) this.gapNewline = this.gapIndented = true
    if (++this.gapLength > MAX_GAP) {
      const atLineStart = this.gapNewline && this.gapIndented
      this.endRun()
      this.atLineStart = atLineStart
    }
    return true
  }

  private openGap(): void {
    this.inGap = true
    this.gapLength = this.gapSep = this.gapSepLength = 0
    this.gapNewline = this.gapEscape = false
    this.gapIndented = true
  }

  /** The gap is over (an alphabet character came): whether the run goes on across it. */
  private gapJoins(): boolean {
    if (this.gapNewline) {
      if (!this.gapIndented || !this.lineFromStart || !this.tokenMayJoin()) return false
      if (!this.lineEnds()) return false
      this.continued = true
      this.lineChars = this.lineJoins = 0
      this.newToken(false)
      return true
    }
    if (this.gapSepLength > MAX_SEP) return false
    if (this.sep === 0) this.sep = this.gapSep
    else if (this.gapSep !== this.sep) return false
    if (this.tokenBounded) {
      if (this.tokenLen === 0) this.tokenLen = this.tokenChars
      else if (this.tokenChars !== this.tokenLen) return false
    } else if (this.tokenLen !== 0 && this.tokenChars > this.tokenLen) {
      return false
    }
    if (!this.tokenMayJoin()) return false
    if (this.kind === null && !this.continued && !this.tokenBounded) {
      // the run's first token may be a label ("key: ", an offset): the run counts from the next
      this.runStart = this.lastChar + 1 + this.gapLength
    }
    this.lineJoins++
    this.newToken(true)
    return true
  }

  /**
   * The run's line ended and the next begins with its alphabet: whether the run goes on. A dump's
   * lines are all as wide but its last, or but a line of something else put in every few: after a
   * shorter line, the next must be as wide for the run to go on past it, and till it is the run
   * counts to the shorter line's end.
   */
  private lineEnds(): boolean {
    const n = this.lineChars
    if (!this.continued) {
      this.lineWidth = n
    } else if (this.probation) {
      // as wide, or a token alone no narrower than half (a dump's lines cut shorter and shorter); not
      // a line of words or a name after a dump
      if (n !== this.lineWidth && (this.lineJoins > 0 || 2 * n < this.lineWidth)) return false
      if (n !== this.lineWidth) this.even = false
      this.probation = false
    } else if (n < this.lineWidth && this.even) {
      this.probation = true
      this.confirmedTo = this.lastChar + 1
      return true
    } else if (n !== this.lineWidth) {
      this.even = false
    }
    if (n < WIDE_LINE) this.wide = false
    return true
  }

  private countedTo(): number {
    return this.probation ? this.confirmedTo : this.lastChar + 1
  }

  /**
   * The token before a gap is no identifier, or IdColumns lets it join. Its characters are the last
   * the decoder holds (it keeps ID_MAX at least, even past a piece it handed out).
   */
  private tokenMayJoin(): boolean {
    const n = this.tokenChars
    if (!isIdLength(n)) return true
    // hex with a letter in it: a number with many digits (a float's fraction) is no identifier
    let hex = HEX_LOWER | HEX_UPPER
    let letters = 0
    let key = 0
    for (let back = n; back > 0 && hex !== 0; back--) {
      const c = this.decoder.heldChar(back)
      const f = CLASS[c]!
      hex &= f
      letters |= f & (UPPER | LOWER)
      if (back > n - ID_KEY_DIGITS) key = key * 16 + Math.max(0, HEX_VALUE[c]!)
    }
    if (hex === 0 || letters === 0) return true
    const firstOnLine = this.lineFromStart && this.lineChars === n
    return this.ids.joins(key, firstOnLine, this.lastChar + 1, n)
  }

  private newToken(bounded: boolean): void {
    this.tokenChars = 0
    this.tokenBounded = bounded
  }

  private startRun(pos: number): void {
    this.inRun = true
    this.runStart = pos
    this.kind = null
    this.continued = false
    this.wide = this.even = true
    this.probation = false
    this.sep = this.tokenLen = 0
    this.lineChars = this.runChars = this.lineJoins = 0
    this.lineFromStart = this.atLineStart
    this.newToken(false)
  }

  /** Judges the window, full; true when the run is now judged encoded. */
  private judge(): boolean {
    // short lines of every width are a listing's (names, words) unless near random
    const listing = this.continued && !this.wide && !this.even
    if (looksHex(this.window, this.continued && this.wide, listing)) this.judgeAs('hex')
    else if (looksBase64(this.window, listing)) this.judgeAs('base64')
    else if ((this.kind = looksBase32(this.window)) !== null) this.judgeAs(this.kind)
    return this.kind !== null
  }

  private judgeAs(kind: RunKind): void {
    this.kind = kind
    this.decoder.judge(kind, kind === 'hex' ? 2 : kind === 'base64' ? 4 : 8)
  }

  private endRun(): void {
    if (this.kind !== null) this.findings.count(this.runStart, this.countedTo())
    this.decoder.end()
    this.window.clear()
    this.inRun = false
    this.inGap = false
    this.gapEscape = false
    this.kind = null
  }
}
