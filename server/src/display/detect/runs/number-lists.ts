import { ByteValues, VALUES_WINDOW } from './byte-values.js'
import type { Findings } from './findings.js'
import { RunDecoder } from './run-decoder.js'

/** How each byte reads in a list of numbers. */
const OTHER = 0
const DIGIT = 1
/** whitespace and the punctuation lists are written with: `[137, 80]`, `{0x89, 0x50}`, `'0x89'`, `1|2`, `1;2` */
const GAP = 2
const MINUS = 3
const X = 4
const BACKSLASH = 5
const KIND = new Uint8Array(256)
for (let c = 0x30; c <= 0x39; c++) KIND[c] = DIGIT
for (const c of ' \t\r\n,;|\'"[](){}') KIND[c.charCodeAt(0)] = GAP
KIND[0x2d] = MINUS
KIND[0x78] = KIND[0x58] = X
KIND[0x5c] = BACKSLASH
const HEX_VALUE = new Int8Array(256).fill(-1)
for (let d = 0; d < 16; d++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(d)] = d
}

/** Where the reader is: inside a word (no number can start until a gap), between numbers, or in one. */
const IN_WORD = 0
const IN_GAP = 1
const AFTER_MINUS = 2
const IN_DECIMAL = 3
const AFTER_ZERO = 4
const IN_HEX = 5
const AFTER_BACKSLASH = 6

/** Gap bytes between two numbers of a list (numpy's line breaks and indentation, a notebook's `\n",\n "`). */
const MAX_GAP = 32
/** Values taken between two judgements of a run not yet judged: judging looks at the whole window. */
const JUDGE_EVERY = 16

/**
 * Bytes written as numbers: Python's `list(b)` and pprint, numpy's uint8 arrays, Java's signed
 * bytes, C arrays (`xxd -i`), `od -An -tu1` and `-td1`. A run is numbers that are all bytes
 * (0-255, -128 to -1, or 0x00-0xff), each a word of its own, with whitespace, commas, semicolons,
 * bars, quotes and brackets between them; anything else (a letter, a decimal point, a larger
 * number) ends it. The numbers a person prints are not bytes of data, so a run is judged on the
 * bytes it stands for (ByteValues), once it has enough of them. The decoding is the bytes.
 */
export class NumberLists {
  private state = IN_GAP
  private inRun = false
  private judged = false
  private runStart = 0
  private lastChar = 0
  private gapLength = 0
  /** the number being read: its value, digits, sign, and where it began and ends */
  private value = 0
  private digits = 0
  private negative = false
  private numberStart = 0
  private numberEnd = 0
  private untilJudged = 0
  /** values of the run so far, until its window is filled */
  private runValues = 0
  private readonly values = new ByteValues()
  private readonly decoder: RunDecoder

  constructor(private readonly findings: Findings) {
    this.decoder = new RunDecoder(findings)
  }

  scan(chunk: Uint8Array, start: number): void {
    const n = chunk.length
    let state = this.state
    let i = 0
    while (i < n) {
      if (state === IN_WORD) {
        // most text: on to the next gap at once
        while (i < n && KIND[chunk[i]!] !== GAP) i++
        if (i++ < n) state = IN_GAP
        continue
      }
      const b = chunk[i]!
      const kind = KIND[b]!
      if (state !== IN_GAP) {
        this.state = state
        this.inNumber(b, kind, start + i++)
        state = this.state
      } else if (kind === GAP) {
        if (this.inRun && ++this.gapLength > MAX_GAP) this.endRun()
        i++
      } else if (kind === DIGIT || kind === MINUS) {
        this.value = kind === DIGIT ? b - 0x30 : 0
        this.digits = kind === DIGIT ? 1 : 0
        this.negative = kind === MINUS
        this.numberStart = this.numberEnd = start + i++
        state = kind === MINUS ? AFTER_MINUS : b === 0x30 ? AFTER_ZERO : IN_DECIMAL
      } else if (kind === BACKSLASH) {
        state = AFTER_BACKSLASH
        i++
      } else {
        if (this.inRun) this.endRun()
        state = IN_WORD
        i++
      }
    }
    this.state = state
    if (this.judged) this.findings.count(this.runStart, this.lastChar + 1)
  }

  horizon(next: number): number {
    return this.inRun ? this.runStart : this.state === IN_GAP || this.state === IN_WORD ? next : this.numberStart
  }

  end(): void {
    if (this.state >= AFTER_MINUS && this.state <= IN_HEX) this.numberEnds()
    this.endRun()
    this.state = IN_GAP
  }

  private inNumber(b: number, kind: number, pos: number): void {
    const state = this.state
    if (state === AFTER_BACKSLASH) {
      // "\n" and the like in a notebook's JSON are gaps; any other escape is text
      this.state = b === 0x6e || b === 0x72 || b === 0x74 ? IN_GAP : IN_WORD
      if (this.state === IN_WORD) this.endRun()
      return
    }
    if (kind === DIGIT && state !== IN_HEX) {
      this.value = this.value * 10 + b - 0x30
      this.digits++
      this.numberEnd = pos
      if (state !== IN_DECIMAL) this.state = IN_DECIMAL
      return
    }
    if (state === AFTER_ZERO && kind === X) {
      this.state = IN_HEX
      this.value = this.digits = 0
      return
    }
    if (state === IN_HEX && HEX_VALUE[b]! >= 0) {
      this.value = this.value * 16 + HEX_VALUE[b]!
      this.digits++
      this.numberEnd = pos
      return
    }
    if (kind === GAP || kind === BACKSLASH) {
      if (state !== AFTER_MINUS) this.numberEnds()
      else this.endRun()
      this.state = kind === GAP ? IN_GAP : AFTER_BACKSLASH
      return
    }
    // a number that runs into a word ("3.14", "uint8", "0x1g") is none
    this.endRun()
    this.state = IN_WORD
  }

  private numberEnds(): void {
    const hex = this.state === IN_HEX
    const byte = hex
      ? this.digits >= 1 && this.digits <= 2
      : this.digits <= 3 && (this.negative ? this.value >= 1 && this.value <= 128 : this.value <= 255)
    if (!byte) {
      this.endRun()
      return
    }
    if (!this.inRun) {
      this.inRun = true
      this.runStart = this.numberStart
      this.untilJudged = this.runValues = 0
    }
    this.gapLength = 0
    this.lastChar = this.numberEnd
    const v = this.negative ? 256 - this.value : this.value
    this.decoder.push(v)
    if (this.judged) return
    // most runs are a number or two in text: the window is filled from the decoder's copy once a run is long enough
    if (this.values.full) this.values.push(v)
    else if (++this.runValues === VALUES_WINDOW) this.values.fill(this.decoder.tail(VALUES_WINDOW))
    if (this.values.full && --this.untilJudged <= 0) {
      this.untilJudged = JUDGE_EVERY
      if (this.values.looksEncoded()) {
        this.judged = true
        this.decoder.judge('bytes', 1)
      }
    }
  }

  private endRun(): void {
    if (!this.inRun) return
    if (this.judged) this.findings.count(this.runStart, this.lastChar + 1)
    this.decoder.end()
    this.values.clear()
    this.inRun = false
    this.judged = false
  }
}
