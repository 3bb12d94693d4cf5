import { Errors } from '../errors.js'

/**
 * Control characters (C0, DEL, C1), format characters (bidirectional embeddings, overrides and
 * isolates, the directional marks, zero-width spaces and joiners, the byte-order mark, ...), line
 * and paragraph separators and lone surrogates. None is seen where it stands, yet each changes
 * how the text around it reads: `report\u202Evsc.py` shows as `reportyp.csv`. A name a person
 * gives (a file, a path, a display name, an organization, a project) is read by others (a reviewer,
 * an auditor, an administrator) who must see exactly what it is.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u

/**
 * Letters, symbols and marks that draw nothing, so a name holding one looks like a name without
 * it: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the blank braille pattern (U+2800),
 * the combining grapheme joiner (U+034F), the Khmer inherent vowels (U+17B4, U+17B5) and the
 * variation selectors (U+180B-U+180D, U+180F, U+FE00-U+FE0F, U+E0100-U+E01EF).
 */
const BLANK = /[\u115F\u1160\u3164\uFFA0\u2800\u034F\u17B4\u17B5\u180B-\u180D\u180F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u

/**
 * An ideographic variation selector right after a Han character picks the glyph a family or place
 * name is written with (葛\u{E0100} in 葛飾区): it belongs to the name and is kept there, once.
 */
const IVS = /^[\u{E0100}-\u{E01EF}]$/u
const SELECTOR = /^[\u180B-\u180D\u180F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]$/u
const HAN = /^\p{Script=Han}$/u

/** What a reader is told a hidden character is, for those a name is most often forged with. */
const KNOWN: Record<number, string> = {
  0x061c: 'an Arabic letter mark',
  0x200b: 'a zero-width space',
  0x200c: 'a zero-width non-joiner',
  0x200d: 'a zero-width joiner',
  0x200e: 'a left-to-right mark',
  0x200f: 'a right-to-left mark',
  0x202a: 'a left-to-right embedding',
  0x202b: 'a right-to-left embedding',
  0x202c: 'a pop directional formatting',
  0x202d: 'a left-to-right override',
  0x202e: 'a right-to-left override',
  0x2066: 'a left-to-right isolate',
  0x2067: 'a right-to-left isolate',
  0x2068: 'a first strong isolate',
  0x2069: 'a pop directional isolate',
  0xfeff: 'a zero-width no-break space',
  0x115f: 'a Hangul filler',
  0x1160: 'a Hangul filler',
  0x3164: 'a Hangul filler',
  0xffa0: 'a Hangul filler',
  0x2800: 'a blank braille pattern',
  0x034f: 'a combining grapheme joiner'
}

/** Whether `ch`, after `before` (the character before it, or ''), is seen where it stands. */
function hidden(ch: string, before: string): boolean {
  if (HIDDEN.test(ch)) return true
  if (!BLANK.test(ch)) return false
  return !(IVS.test(ch) && HAN.test(before))
}

/** The first hidden character of `text`: its code point and its place (1 for the first character), or null. */
export function hiddenCharacter(text: string): { codePoint: number; position: number } | null {
  let position = 0
  let before = ''
  for (const ch of text) {
    position++
    if (hidden(ch, before)) return { codePoint: ch.codePointAt(0)!, position }
    before = ch
  }
  return null
}

/**
 * Why `text` may not be taken as a name, or null. `label` says what was given ("a display name")
 * without quoting it, and the character is named by its code point: quoting either would carry
 * the character into the message, and the message onto a screen.
 */
export function plainTextProblem(label: string, text: string): string | null {
  const found = hiddenCharacter(text)
  if (found === null) return null
  const u = `U+${found.codePoint.toString(16).toUpperCase().padStart(4, '0')}`
  const ch = String.fromCodePoint(found.codePoint)
  const what =
    KNOWN[found.codePoint] ??
    (/\p{Cc}/u.test(ch) ? 'a control character' : SELECTOR.test(ch) ? 'a variation selector' : 'an invisible character')
  return (
    `${label} holds ${u} (${what}) at character ${found.position}: names may not hold invisible or control ` +
    'characters, which can make one name look like another'
  )
}

/** Refuses, with a 400 that says where and what, a name or path a person gave holding a hidden character. */
export function checkPlainText(label: string, text: string): string {
  const problem = plainTextProblem(label, text)
  if (problem !== null) throw new Errors.BadRequest(`${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`)
  return text
}
