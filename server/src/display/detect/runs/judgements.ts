import type { CharWindow } from './char-window.js'
import * as chars from './chars.js'

// module constants, not imported bindings: see chars.ts
const { BASE32, BASE32_HEX, BASE32_LOWER, DIGIT, HEX_LOWER, HEX_UPPER, LOWER, UPPER } = chars

/**
 * Bits per character a window must reach (Miller-Madow corrected, so the thresholds hold for any
 * minRun). Measured on 256-character windows: random base64 5.9-6.1, base64 of a CSV 4.3-4.9,
 * random printable 6.3, ascii85 and base85 6.2, hex of random bytes 3.9-4.0, hex of a CSV 2.7-3.2,
 * random base32 4.8-5.0; paths 4.4, compact JSON 4.0, minified JavaScript up to 5.4.
 */
export const TOKEN_ENTROPY = 5.5
/**
 * A printable run that went on across line breaks or spaces is held to more: a listing (`find`,
 * `ls -R`, one name a line) reaches 5.5, where ascii85 and base85 lines stay above 6.
 */
export const JOINED_TOKEN_ENTROPY = 5.8
const BASE64_ENTROPY = 4.0
const HEX_ENTROPY = 2.5
/**
 * Short lines of many widths (names one a line, `ls -R`, a column of identifiers) reach the
 * thresholds above (`ls -R` of zoneinfo: 5.3); random data cut at random widths stays near 6 and 4.
 */
const LISTING_BASE64_ENTROPY = 5.6
const LISTING_HEX_ENTROPY = 3.6
const BASE32_ENTROPY = 4.5
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
 * Base32 has 6 digits in 32 characters (base32hex 10): capitals alone, as in a column of codes or
 * words in upper case, have none, and the codes that have digits have 0, 1, 8 and 9 too.
 */
const BASE32_MIN_DIGITS = 0.08
const BASE32_MIN_LETTERS = 0.4

/**
 * `laidOut`: the characters came as a dump lays them out (lines that went on at the same width,
 * offsets). Then letters are not needed: bit-packed columns of small values dump to hex of digits
 * only, and a number a person prints is on one line.
 */
export function looksHex(w: CharWindow, laidOut: boolean, listing = false): boolean {
  if (w.entropy() < (listing ? LISTING_HEX_ENTROPY : HEX_ENTROPY)) return false
  const n = w.length
  if (w.countOf(HEX_LOWER) !== n && w.countOf(HEX_UPPER) !== n) return false
  const digits = w.countOf(DIGIT)
  return laidOut || (digits >= HEX_MIN_DIGITS * n && n - digits >= HEX_MIN_LETTERS * n)
}

/** `listing`: the characters came in short lines of many widths. */
export function looksBase64(w: CharWindow, listing = false): boolean {
  if (w.entropy() < (listing ? LISTING_BASE64_ENTROPY : BASE64_ENTROPY)) return false
  const n = w.length
  return (
    w.countOf(UPPER) >= BASE64_MIN_UPPER * n &&
    w.countOf(LOWER) >= BASE64_MIN_LOWER * n &&
    w.countOf(DIGIT) >= BASE64_MIN_DIGITS * n &&
    w.upperPairs() >= BASE64_MIN_UPPER_PAIRS * n
  )
}

/** Base32 in either case ('base32'), or base32hex; null when the window is neither. */
export function looksBase32(w: CharWindow): 'base32' | 'base32hex' | null {
  if (w.entropy() < BASE32_ENTROPY) return null
  const n = w.length
  const digits = w.countOf(DIGIT)
  if (digits < BASE32_MIN_DIGITS * n || n - digits < BASE32_MIN_LETTERS * n) return null
  if (w.countOf(BASE32) === n || w.countOf(BASE32_LOWER) === n) return 'base32'
  return w.countOf(BASE32_HEX) === n ? 'base32hex' : null
}
