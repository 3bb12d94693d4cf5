/** Values a list is judged on: fewer cannot tell random bytes (7.4-7.8 bits) from ages (6.2). */
export const VALUES_WINDOW = 256
/**
 * Bits per value (Miller-Madow corrected, over VALUES_WINDOW) for a list to be random bytes, and
 * for each lag's differences: measured, random and xz-compressed bytes 7.4-7.8, uniform values
 * below 200 7.3-7.5, below 128 6.8-7.0, ages 6.1-6.3, counts near 40 4.0-4.4.
 */
const RANDOM_ENTROPY = 7.2
const DELTA_ENTROPY = 7.0
/**
 * Lags whose differences are looked at: a table's key column (1, 2, 3...) or a constant one leaves
 * a lag at which half or more of the differences are the same, and so does `seq`.
 */
const MAX_LAG = 16
/** Bytes of text: printable ASCII and whitespace nearly all, line breaks, and spaces or commas between words. */
const TEXT_MIN_ENTROPY = 3.5
const TEXT_MIN_PRINTABLE = 0.97
const TEXT_MIN_NEWLINES = 0.01
const TEXT_MIN_SPACING = 0.08

const CLOG = new Float64Array(VALUES_WINDOW + 1)
for (let c = 2; c <= VALUES_WINDOW; c++) CLOG[c] = c * Math.log2(c)
const LOG2_SIZE = Math.log2(VALUES_WINDOW)

function entropy(sumClog: number, distinct: number): number {
  const n = VALUES_WINDOW
  return LOG2_SIZE - sumClog / n + (distinct - 1) / (2 * n * Math.LN2)
}

/**
 * The last VALUES_WINDOW values of a list of numbers that are all bytes (`list(b)`, `od -An -tu1`,
 * `xxd -i`), as the bytes they stand for. Such a list is data written out rather than numbers a
 * person reads when its bytes are random (compressed or encrypted data: the values' entropy, and
 * that of their differences at every lag up to MAX_LAG, near 8 bits), or are text.
 */
export class ByteValues {
  private readonly ring = new Uint8Array(VALUES_WINDOW)
  private head = 0
  length = 0
  private readonly counts = new Uint16Array(256)
  private sumClog = 0
  private distinct = 0
  private readonly deltaCounts = new Uint16Array(256)

  get full(): boolean {
    return this.length === VALUES_WINDOW
  }

  push(v: number): void {
    if (this.length === VALUES_WINDOW) {
      const old = this.ring[this.head]!
      this.ring[this.head] = v
      this.head = this.head + 1 === VALUES_WINDOW ? 0 : this.head + 1
      if (old === v) return
      this.add(old, -1)
    } else {
      this.ring[this.length++] = v
    }
    this.add(v, 1)
  }

  /** The window filled at once with a run's last VALUES_WINDOW values (`values`, exactly that long). */
  fill(values: Uint8Array): void {
    this.clear()
    for (const v of values) this.push(v)
  }

  clear(): void {
    for (let i = 0; i < this.length; i++) this.counts[this.ring[i]!] = 0
    this.length = this.head = this.sumClog = this.distinct = 0
  }

  looksEncoded(): boolean {
    const h = entropy(this.sumClog, this.distinct)
    if (h >= RANDOM_ENTROPY) return this.differencesVary()
    return h >= TEXT_MIN_ENTROPY && this.looksText()
  }

  private looksText(): boolean {
    const c = this.counts
    let printable = c[9]! + c[10]! + c[13]!
    for (let v = 0x20; v < 0x7f; v++) printable += c[v]!
    const n = VALUES_WINDOW
    return (
      printable >= TEXT_MIN_PRINTABLE * n && c[10]! >= TEXT_MIN_NEWLINES * n && c[32]! + c[44]! >= TEXT_MIN_SPACING * n
    )
  }

  private differencesVary(): boolean {
    const ring = this.ring
    const d = this.deltaCounts
    const n = VALUES_WINDOW
    for (let lag = 1; lag <= MAX_LAG; lag++) {
      let sumClog = 0
      let distinct = 0
      for (let i = lag; i < n; i++) {
        const at = (this.head + i) % n
        const delta = (ring[at]! - ring[(at - lag + n) % n]!) & 0xff
        const before = d[delta]!
        if (before === 0) distinct++
        sumClog += CLOG[before + 1]! - CLOG[before]!
        d[delta] = before + 1
      }
      d.fill(0)
      // n - lag differences: scaled to the window so one threshold holds at every lag
      const m = n - lag
      const h = Math.log2(m) - sumClog / m + (distinct - 1) / (2 * m * Math.LN2)
      if (h < DELTA_ENTROPY) return false
    }
    return true
  }

  private add(v: number, by: 1 | -1): void {
    const before = this.counts[v]!
    const after = before + by
    this.counts[v] = after
    this.sumClog += CLOG[after]! - CLOG[before]!
    if (before === 0) this.distinct++
    else if (after === 0) this.distinct--
  }
}
