import type { CharWindow } from './char-window.js'
import * as chars from './chars.js'

// module constants, not imported bindings: see chars.ts
const { DIGIT, HEX_LOWER, HEX_UPPER, LOWER, UPPER } = chars

/**
 * Bits per character a window must reach (Miller-Madow corrected, so the thresholds hold for any
 * minRun). Measured on 256-character windows: random base64 5.9-6.1, base64 of a CSV 4.3-4.9,
 * random printable 6.3, hex of random bytes 3.9-4.0, hex of a CSV 2.7-3.2; paths 4.4, compact
 * JSON 4.0, minified JavaScript up to 5.4.
 */
export const TOKEN_ENTROPY = 5.5
const BASE64_ENTROPY = 4.0
const HEX_ENTROPY = 2.5
/**
 * Base64 of anything mixes cases and digits everywhere, uppercase pairs included; identifiers and
 * paths (camelCase, snake_case) are mostly lowercase and rarely put two capitals together.
 */
const BASE64_MIN_UPPER = 0.08
const BASE64_MIN_LOWER = 0.08
const BASE64_MIN_DIGITS = 0.01
const BASE64_MIN_UPPER_PAIRS = 0.02
/** A hex window needs letters and digits both: a long decimal number is not a dump. */
const HEX_MIN_LETTERS = 0.05
const HEX_MIN_DIGITS = 0.05

/**
 * `laidOut`: the characters came as a dump lays them out (lines that went on at the same width,
 * offsets). Then letters are not needed: bit-packed columns of small values dump to hex of digits
 * only, and a number a person prints is on one line.
 */
export function looksHex(w: CharWindow, laidOut: boolean): boolean {
  if (w.entropy() < HEX_ENTROPY) return false
  const n = w.length
  if (w.countOf(HEX_LOWER) !== n && w.countOf(HEX_UPPER) !== n) return false
  const digits = w.countOf(DIGIT)
  return laidOut || (digits >= HEX_MIN_DIGITS * n && n - digits >= HEX_MIN_LETTERS * n)
}

export function looksBase64(w: CharWindow): boolean {
  if (w.entropy() < BASE64_ENTROPY) return false
  const n = w.length
  return (
    w.countOf(UPPER) >= BASE64_MIN_UPPER * n &&
    w.countOf(LOWER) >= BASE64_MIN_LOWER * n &&
    w.countOf(DIGIT) >= BASE64_MIN_DIGITS * n &&
    w.upperPairs() >= BASE64_MIN_UPPER_PAIRS * n
  )
}
