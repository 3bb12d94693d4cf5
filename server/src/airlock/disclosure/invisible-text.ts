import type { RuleResult } from './types.js'
import { quote, result } from './wording.js'

/**
 * Characters a reader does not see: format characters (zero-width spaces and joiners, bidi marks,
 * tag characters, soft hyphens), variation selectors, the combining grapheme joiner and the Hangul
 * fillers that render blank. A few turn up in ordinary text (a byte order mark, an emoji's joiner);
 * many are a channel no reviewer can read, one bit or one byte each.
 */
const INVISIBLE = /[\p{Cf}\u034f\u115f\u1160\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/gu

/** Invisible characters an output may hold before it fails: enough for emoji and a stray mark. */
export const INVISIBLE_MAX = 8

/** Whitespace at line ends, beyond a Markdown line break (two spaces), that an output may hold. */
export const TRAILING_MAX = 64

/** Lines a finding lists at most. */
const LINES_LISTED = 50

/**
 * Text a reviewer cannot see, in a text output (TXT, MD, JSON, the cells of a CSV or TSV). Invisible
 * characters fail: reading the file, a reviewer sees nothing, so nothing they carry can be judged.
 * Spaces and tabs at line ends (beyond a Markdown line break) go to review: they can carry data the
 * same way, but editors and exporters leave some innocently.
 */
export function invisibleTextRule(name: string, bytes: Uint8Array): RuleResult {
  const text = new TextDecoder().decode(bytes).replace(/^\ufeff/, '')
  // most files hold neither: one pass over the whole text each, before any per-line work
  if (!new RegExp(INVISIBLE.source, 'u').test(text) && !/[ \t]\r?(\n|$)/.test(text)) {
    return clean(name)
  }
  const lines = text.split('\n')
  let invisible = 0
  let trailing = 0
  const invisibleLines: number[] = []
  const trailingLines: number[] = []
  lines.forEach((line, i) => {
    const found = line.match(INVISIBLE)?.length ?? 0
    if (found > 0) {
      invisible += found
      if (invisibleLines.length < LINES_LISTED) invisibleLines.push(i)
    }
    const end = /[ \t]+\r?$/.exec(line)?.[0].replace(/\r$/, '') ?? ''
    const extra = end === '  ' ? 0 : end.length
    if (extra > 0) {
      trailing += extra
      if (trailingLines.length < LINES_LISTED) trailingLines.push(i)
    }
  })
  if (invisible > INVISIBLE_MAX) {
    const r = result(
      'file-type',
      'fail',
      `"${quote(name)}" holds ${invisible} invisible characters (zero-width spaces or joiners, variation selectors, tag or direction marks), first on line ${invisibleLines[0]! + 1}. A reviewer reading the file sees none of them, and a sequence of them can carry anything, a dataset included, so it cannot leave: remove them and export again.`
    )
    r.rows = invisibleLines
    return r
  }
  if (trailing > TRAILING_MAX) {
    const r = result(
      'file-type',
      'review',
      `"${quote(name)}" has ${trailing} spaces or tabs at the ends of ${trailingLines.length}${trailingLines.length === LINES_LISTED ? ' or more' : ''} lines, first on line ${trailingLines[0]! + 1}. Whitespace at line ends is invisible when the file is read and can carry data: select the text to see it, and ask for the file without it.`
    )
    r.rows = trailingLines
    return r
  }
  return clean(name)
}

const clean = (name: string) =>
  result('file-type', 'pass', `"${quote(name)}" holds no invisible characters and no long whitespace at line ends.`)
