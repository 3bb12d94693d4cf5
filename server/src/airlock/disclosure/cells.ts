// Cells that hold no value: empty, NA, or a mark that a value was suppressed already ("-", "*",
// "<10", "10未満", "秘匿"; NDB tables print "‐"). Compared after NFKC, which turns full-width forms
// into ASCII.
const MISSING = new Set([
  '',
  'na',
  'n/a',
  'nan',
  'null',
  'none',
  '-',
  '--',
  '*',
  'x',
  '.',
  '‐',
  '–',
  '—',
  '−',
  '…',
  '秘匿'
])
const SUPPRESSED_BELOW = /^(?:[<≤]=?\s*\d+|\d+\s*未満)$/
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/
const NON_ASCII = /[^\x00-\x7f]/

export function normalized(raw: string): string {
  const s = raw.trim()
  return NON_ASCII.test(s) ? s.normalize('NFKC') : s
}

/** Holds no value: empty, NA, or already suppressed (after `normalized`). */
export function missing(s: string): boolean {
  return MISSING.has(s.toLowerCase()) || SUPPRESSED_BELOW.test(s)
}

/** A cell's number; null when it holds no value; undefined when it is text. */
export function readNumber(raw: string): number | null | undefined {
  let s = normalized(raw)
  if (missing(s)) return null
  if (s.endsWith('%')) s = s.slice(0, -1).trimEnd()
  if (PLAIN_NUMBER.test(s)) return Number(s)
  if (GROUPED_NUMBER.test(s)) return Number(s.replaceAll(',', ''))
  return undefined
}

/** Digits printed after the decimal point: the precision a value was rounded to. */
export function decimals(raw: string): number {
  const s = normalized(raw).replace(/%$/, '')
  const dot = s.indexOf('.')
  if (dot === -1 || /e/i.test(s)) return 0
  return s.length - dot - 1
}
