/** One line of a dump with its layout taken away: the bytes as hex, and the offset it gave (octal or hex), if any. */
export interface DumpLine {
  hex: string
  /** the offset's digits, to be read as octal (od) or hex (xxd, hexdump); null without one */
  offset: string | null
}

const HEX = '[0-9a-f]'
/** Groups of 2 to 16 hex digits: `od -tx1`, `-x`, `-tx4`, `hexdump` (2-byte words), `xxd -p` in groups. */
const GROUPS = `((?:${HEX}{2}){1,8}(?: (?:${HEX}{2}){1,8})*)`
/**
 * One byte as `od -c` shows it, 4 wide: a character (UTF-8 ones are followed by "**" for each
 * further byte), an escape, or 3 octal digits. `od -b` is all octal, so this reads it too.
 */
const CHAR_FIELD = String.raw`(?: {3}(?:[\x20-\x7e]|[\xc2-\xf4][\x80-\xbf]{1,3})| {2}\\[0abfnrtv\\]| [0-3][0-7]{2}| {2}\*\*)`
const XXD = new RegExp(`^(${HEX}{8}): ((?:${HEX}{2})+(?: (?:${HEX}{2})+)*)(?: {2}|$)`, 'i')
const HEXDUMP_C = new RegExp(`^(${HEX}{8}) {2}((?:${HEX}{2} {1,2}){1,16}) *\\|`, 'i')
const OFFSET_GROUPS = new RegExp(`^(${HEX}{7,}) ${GROUPS} *$`, 'i')
const OFFSET_CHARS = new RegExp(`^([0-7]{7,})(${CHAR_FIELD}+)$`)
const OFFSET_DECIMAL = /^([0-7]{7,})((?: +-?[0-9]{1,3})+) *$/
const BARE_GROUPS = new RegExp(`^ ${GROUPS} *$`, 'i')
const BARE_CHARS = new RegExp(`^(${CHAR_FIELD}{4,})$`)
const SPACED_PAIRS = new RegExp(`^(${HEX}{2}(?: ${HEX}{2}){7,}) *$`, 'i')
const FIELDS = new RegExp(CHAR_FIELD, 'g')

const ESCAPES: Record<string, number> = { '0': 0, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 }

/**
 * Groups of one width as the bytes they stand for: od and hexdump show words of 2 bytes and more
 * in the machine's order, little-endian on every machine a sandbox runs on.
 */
function groups(text: string): string | null {
  const parts = text.split(' ')
  const width = parts[0]!.length
  if (width === 2) return parts.join('')
  let hex = ''
  for (const p of parts) {
    if (p.length !== width) return null
    for (let i = width - 2; i >= 0; i -= 2) hex += p.slice(i, i + 2)
  }
  return hex
}

function chars(text: string): string {
  let hex = ''
  for (const [field] of text.matchAll(FIELDS)) {
    let bytes: number[]
    if (field[2] === '*') continue
    if (field[2] === '\\') bytes = [ESCAPES[field[3]!]!]
    else if (field[1] !== ' ') bytes = [parseInt(field.slice(1), 8)]
    else bytes = [...field.slice(3)].map((c) => c.charCodeAt(0))
    for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  }
  return hex
}

function decimals(text: string): string | null {
  let hex = ''
  for (const field of text.trim().split(/ +/)) {
    const v = Number(field)
    if (v < -128 || v > 255) return null
    hex += (v & 0xff).toString(16).padStart(2, '0')
  }
  return hex
}

/**
 * The dump layouts: xxd, `hexdump -C`, od with offsets (`-tx1`, `-x`, `-c`, `-b`, `-tu1`, `-td1`)
 * and hexdump's default, `od -An` (hex or characters), and spaced pairs without an offset
 * (`bytes.hex(' ')` in short lines). `text` is one line, latin1, without its line break.
 * `leadingHex` is how many hex digits it starts with.
 */
export function parseDumpLine(text: string, leadingHex: number): DumpLine | null {
  let m: RegExpExecArray | null
  if (leadingHex >= 7) {
    if ((m = XXD.exec(text)) !== null) return { hex: m[2]!.replace(/ /g, ''), offset: m[1]! }
    if ((m = HEXDUMP_C.exec(text)) !== null) return { hex: m[2]!.replace(/ /g, ''), offset: m[1]! }
    if ((m = OFFSET_GROUPS.exec(text)) !== null) {
      const hex = groups(m[2]!)
      return hex === null ? null : { hex, offset: m[1]! }
    }
    if ((m = OFFSET_CHARS.exec(text)) !== null) return { hex: chars(m[2]!), offset: m[1]! }
    if ((m = OFFSET_DECIMAL.exec(text)) !== null) {
      const hex = decimals(m[2]!)
      return hex === null ? null : { hex, offset: m[1]! }
    }
    return null
  }
  if (text.charCodeAt(0) === 0x20) {
    if ((m = BARE_GROUPS.exec(text)) !== null) {
      const hex = groups(m[1]!)
      return hex === null ? null : { hex, offset: null }
    }
    if ((m = BARE_CHARS.exec(text)) !== null) return { hex: chars(m[1]!), offset: null }
    return null
  }
  if (leadingHex === 2 && (m = SPACED_PAIRS.exec(text)) !== null) return { hex: m[1]!.replace(/ /g, ''), offset: null }
  return null
}
