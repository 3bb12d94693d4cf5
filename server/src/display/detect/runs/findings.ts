import type { EncodedFinding } from '../encoded.js'
import { CountedRanges } from './counted-ranges.js'

/** Decoded bytes one feed hands out at most; pieces past this are dropped (the bytes still count). */
const DECODED_PER_FEED = 4 * 1024 * 1024

/** What the scanner has found in the current feed. */
export class Findings {
  readonly counted = new CountedRanges()
  private decoded: Buffer[] = []
  private decodedBytes = 0

  /** The bytes [from, to) of the stream belong to an encoded run. */
  count(from: number, to: number): void {
    this.counted.add(from, to)
  }

  emit(bytes: Buffer): void {
    if (bytes.length === 0 || this.decodedBytes + bytes.length > DECODED_PER_FEED) return
    this.decoded.push(bytes)
    this.decodedBytes += bytes.length
  }

  take(): EncodedFinding {
    const finding = { encodedBytes: this.counted.take(), decoded: this.decoded }
    this.decoded = []
    this.decodedBytes = 0
    return finding
  }
}
