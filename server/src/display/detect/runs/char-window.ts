import * as chars from './chars.js'

// module constants, not imported bindings: see chars.ts
const { CLASS, UPPER } = chars

/**
 * The last `size` characters of a run, with the counts per character and the entropy kept up to
 * date one character at a time once they are first needed (most runs are words, or lines of a
 * wrapped dump, and end before they are long enough to be judged); class shares are worked out
 * when a judgement is due.
 */
export class CharWindow {
  length = 0
  private readonly ring: Uint8Array
  private head = 0
  private tallied = false
  private readonly counts = new Uint32Array(128)
  private readonly clog: Float64Array
  private sumClog = 0
  private distinct = 0
  private readonly log2Size: number

  constructor(readonly size: number) {
    this.ring = new Uint8Array(size)
    this.clog = new Float64Array(size + 1)
    for (let c = 2; c <= size; c++) this.clog[c] = c * Math.log2(c)
    this.log2Size = Math.log2(size)
  }

  get full(): boolean {
    return this.length === this.size
  }

  push(c: number): void {
    if (this.length < this.size) {
      // head stays 0 until the window is full
      this.ring[this.length++] = c
      if (this.tallied) this.add(c, 1)
      else if (this.length === this.size) this.tally()
      return
    }
    const old = this.ring[this.head]!
    this.ring[this.head] = c
    this.head = this.head + 1 === this.size ? 0 : this.head + 1
    if (old !== c) {
      this.add(old, -1)
      this.add(c, 1)
    }
  }

  /** The window filled at once with the last `size` characters of a run (`chars`, exactly `size` long). */
  fill(chars: Uint8Array): void {
    this.clear()
    this.ring.set(chars)
    this.length = this.size
    this.tally()
  }

  /** Characters [from, to) of `chunk` while the window is not yet full (to - from at most what it lacks). */
  pushRange(chunk: Uint8Array, from: number, to: number): void {
    const ring = this.ring
    let length = this.length
    for (let k = from; k < to; k++) ring[length++] = chunk[k]!
    this.length = length
    if (this.tallied) for (let k = from; k < to; k++) this.add(chunk[k]!, 1)
    else if (length === this.size) this.tally()
  }

  /** Shannon entropy in bits per character, Miller-Madow corrected for the window's length. */
  entropy(): number {
    const n = this.length
    if (n === 0) return 0
    if (!this.tallied) this.tally()
    const log2n = n === this.size ? this.log2Size : Math.log2(n)
    return log2n - this.sumClog / n + (this.distinct - 1) / (2 * n * Math.LN2)
  }

  /** Characters in the window of a class (UPPER, DIGIT, ...). */
  countOf(flag: number): number {
    if (!this.tallied) this.tally()
    let n = 0
    for (let c = 0x21; c < 0x7f; c++) if (CLASS[c]! & flag) n += this.counts[c]!
    return n
  }

  /** Neighbours in the window that are both uppercase. */
  upperPairs(): number {
    let n = 0
    let before = false
    for (let i = 0, at = this.head; i < this.length; i++, at = at + 1 === this.size ? 0 : at + 1) {
      const upper = (CLASS[this.ring[at]!]! & UPPER) !== 0
      if (upper && before) n++
      before = upper
    }
    return n
  }

  clear(): void {
    if (this.tallied) {
      for (let i = 0; i < this.length; i++) this.counts[this.ring[i]!] = 0
    }
    this.length = this.head = this.sumClog = this.distinct = 0
    this.tallied = false
  }

  private tally(): void {
    for (let i = 0; i < this.length; i++) this.add(this.ring[i]!, 1)
    this.tallied = true
  }

  private add(c: number, by: 1 | -1): void {
    const before = this.counts[c]!
    const after = before + by
    this.counts[c] = after
    this.sumClog += this.clog[after]! - this.clog[before]!
    if (before === 0) this.distinct++
    else if (after === 0) this.distinct--
  }
}
