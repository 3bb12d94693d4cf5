/**
 * Every recogniser classes a byte by one lookup in CLASS, a bit per class it belongs to: the
 * alphabets (base64, hex in either case, base32 in its three forms), the kinds of character a
 * window's shares are taken of, TOKEN for printable ASCII other than the space, and SEP for the
 * bytes a dump may be cut up with (a space every N characters, "aa:bb:cc", "%89%50").
 *
 * A module that reads these copies them into constants of its own (`const { CLASS } = chars`):
 * V8 reads an imported binding through its cell at every use, which in the per-byte loops cost
 * the scanner up to a tenth of its speed on ordinary output, and half on long runs not encoded.
 */
export const BASE64 = 1
export const HEX_LOWER = 2
export const HEX_UPPER = 4
export const UPPER = 8
export const LOWER = 16
export const DIGIT = 32
export const TOKEN = 64
export const SEP = 128
export const BASE32 = 256
export const BASE32_LOWER = 512
export const BASE32_HEX = 1024

export const CLASS = new Uint16Array(256)
for (let c = 0x21; c <= 0x7e; c++) CLASS[c] = TOKEN
for (let c = 0x41; c <= 0x5a; c++) {
  CLASS[c]! |= BASE64 | UPPER | BASE32 | (c <= 0x46 ? HEX_UPPER : 0) | (c <= 0x56 ? BASE32_HEX : 0)
}
for (let c = 0x61; c <= 0x7a; c++) CLASS[c]! |= BASE64 | LOWER | BASE32_LOWER | (c <= 0x66 ? HEX_LOWER : 0)
for (let c = 0x30; c <= 0x39; c++) {
  CLASS[c]! |= BASE64 | DIGIT | HEX_LOWER | HEX_UPPER | BASE32_HEX | (c >= 0x32 && c <= 0x37 ? BASE32 | BASE32_LOWER : 0)
}
for (const c of '+/=-_') CLASS[c.charCodeAt(0)]! |= BASE64
CLASS[0x3d]! |= BASE32 | BASE32_LOWER | BASE32_HEX
for (const c of ' \t,;:|%') CLASS[c.charCodeAt(0)]! |= SEP

/** The bytes the recognisers read line breaks and escapes by. */
export const LF = 0x0a
export const CR = 0x0d
export const SPACE = 0x20
export const TAB = 0x09
export const BACKSLASH = 0x5c
export const LETTER_N = 0x6e
export const LETTER_R = 0x72
