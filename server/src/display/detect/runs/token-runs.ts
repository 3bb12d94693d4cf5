import { CharWindow } from './char-window.js'
import * as chars from './chars.js'
import type { Findings } from './findings.js'
import { JOINED_TOKEN_ENTROPY, TOKEN_ENTROPY } from './judgements.js'

// module constants, not imported bindings: see chars.ts
const { CLASS, CR, LF, SPACE, TOKEN } = chars

/** Blank lines a run may go on across. */
const MAX_GAP = 8

/**
 * Printable runs without whitespace (ascii85, base85, random tokens) whose characters are near
 * random. A run goes on to the next line when it covered its line from the start and the next
 * begins with a token (ascii85 wrapped at 76, base64 with a "$" or "." on the end of each line),
 * and across single spaces between tokens of one length; a run that went on is held to
 * JOINED_TOKEN_ENTROPY, as a listing of names one a line comes near TOKEN_ENTROPY.
 */
export class TokenRuns {
  private inRun = false
  private judged = false
  private joined = false
  private runStart = 0
  private lastChar = 0
  private atLineStart = true
  private lineFromStart = false
  /** spaces the run went on across on this line */
  private lineJoins = 0
  /** the run's characters on this line; the width of its first line, if it went on; whether every line since was as wide */
  private lineChars = 0
  private lineWidth = -1
  private even = true
  /** the current token's characters, whether a space came before it, and the run's token length once known */
  private tokenChars = 0
  private tokenBounded = false
  private tokenLen = 0
  /** after the run's last token: bytes, whether a line break came, whether a space did */
  private gapLength = 0
  private gapNewline = false
  private gapSpace = false
  /** the line after a shorter one, not yet known to be as wide; the run counts to the shorter one's end till it is */
  private probation = false
  private confirmedTo = 0
  private readonly window: CharWindow

  constructor(
    private readonly findings: Findings,
    minRun: number
  ) {
    this.window = new CharWindow(minRun)
  }

  scan(chunk: Uint8Array, start: number): void {
    const n = chunk.length
    let i = 0
    while (i < n) {
      const b = chunk[i]!
      if (!(CLASS[b]! & TOKEN)) {
        if (this.inRun) {
          this.gap(b)
          i++
          continue
        }
        // between runs only the byte before the next matters: whether it ended a line
        let j = i + 1
        while (j < n && !(CLASS[chunk[j]!]! & TOKEN)) j++
        const last = chunk[j - 1]!
        this.atLineStart = last === LF || last === CR
        i = j
        continue
      }
      if (this.inRun && this.gapLength > 0 && !this.joins(start + i)) this.end()
      if (!this.inRun) {
        // what only a run that goes on needs is set when it first does (most are a token alone)
        this.inRun = true
        this.joined = this.tokenBounded = this.probation = false
        this.runStart = start + i
        this.lineFromStart = this.atLineStart
        this.tokenChars = this.lineChars = this.lineJoins = 0
      }
      this.gapLength = 0
      this.atLineStart = false
      // the rest of the token at once
      let j = i + 1
      while (j < n && CLASS[chunk[j]!]! & TOKEN) j++
      this.tokenChars += j - i
      this.lineChars += j - i
      this.lastChar = start + j - 1
      if (!this.judged) this.take(chunk, i, j)
      i = j
    }
    if (this.judged) this.findings.count(this.runStart, this.countedTo())
  }

  /** Characters [i, j) of a run not yet judged: into the window, judged at each once it is full. */
  private take(chunk: Uint8Array, i: number, j: number): void {
    const w = this.window
    let k = i
    if (!w.full) {
      k = Math.min(j, i + w.size - w.length)
      w.pushRange(chunk, i, k)
      if (!w.full || this.judge()) return
    }
    for (; k < j; k++) {
      w.push(chunk[k]!)
      if (this.judge()) return
    }
  }

  private judge(): boolean {
    this.judged = this.window.entropy() >= (this.joined ? JOINED_TOKEN_ENTROPY : TOKEN_ENTROPY)
    return this.judged
  }

  horizon(next: number): number {
    return this.inRun ? this.runStart : next
  }

  end(): void {
    if (this.judged) this.findings.count(this.runStart, this.countedTo())
    this.inRun = false
    this.judged = false
    this.window.clear()
    this.atLineStart = this.gapNewline && !this.gapSpace
    this.gapLength = 0
  }

  /**
   * The run's line ended and the next begins with a token: whether the run goes on. A wrapped
   * encoding's lines are all as wide but its last, or but a line of something else put in every
   * few: after a shorter line, the next must be as wide for the run to go on past it, and till it
   * is the run counts to the shorter line's end.
   */
  private lineEnds(): boolean {
    const n = this.lineChars
    if (this.lineWidth < 0) {
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
    } else if (n !== this.lineWidth) {
      this.even = false
    }
    return true
  }

  private countedTo(): number {
    return this.probation ? this.confirmedTo : this.lastChar + 1
  }

  /** A byte that is no token's after the run's last token. */
  private gap(b: number): void {
    if (this.gapLength === 0) this.gapNewline = this.gapSpace = false
    const newline = b === LF || b === CR
    if (newline ? !this.lineFromStart : b !== SPACE || this.gapSpace || this.gapNewline) {
      this.end()
      this.atLineStart = newline
      return
    }
    if (newline) this.gapNewline = true
    else this.gapSpace = true
    if (++this.gapLength > MAX_GAP) this.end()
  }

  /** A token at `pos` after a gap: whether the run goes on with it. */
  private joins(pos: number): boolean {
    if (!this.joined && !this.tokenBounded) {
      this.tokenLen = 0
      this.lineWidth = -1
      this.even = true
    }
    if (this.gapNewline) {
      if (this.gapSpace) return false
      if (!this.lineEnds()) return false
      this.lineChars = this.lineJoins = 0
      this.lineFromStart = true
      this.tokenBounded = false
    } else {
      this.lineJoins++
      if (this.tokenBounded) {
        if (this.tokenLen === 0) this.tokenLen = this.tokenChars
        else if (this.tokenChars !== this.tokenLen) return false
      } else if (this.tokenLen !== 0 && this.tokenChars > this.tokenLen) {
        return false
      }
      // the first token may be a label ("key: "): the run counts from the next, and its tokens are measured from it
      if (!this.judged && !this.joined && !this.tokenBounded) {
        this.runStart = pos
        this.tokenBounded = true
        this.tokenChars = 0
        return true
      }
      this.tokenBounded = true
    }
    this.tokenChars = 0
    this.joined = true
    return true
  }
}
