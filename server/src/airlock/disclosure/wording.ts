import type { Column, Table } from './table.js'
import type { CellRef, Outcome, RuleName, RuleResult } from './types.js'

/**
 * The most of a cell value, header, group key or file name a message quotes, in characters. The
 * file's text is the researcher's to choose: unbounded, a message could carry the file itself
 * (three 2 MB labels made one 6 MB message), and messages are stored and shown outside any session.
 */
export const QUOTE_MAX = 64

/** The most of a parser's error text a message quotes: parsers quote the text near an error. */
export const ERROR_MAX = 200

/** The most a rule result's message holds, in UTF-8 bytes, whatever it quotes. */
export const MESSAGE_MAX = 2048

const ELLIPSIS = '…'

/** Text from the file as a message quotes it: at most `max` characters, cut ones ending in an ellipsis. */
export function quote(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return text
  // by code points, reading no further than the cap: a label may be megabytes long
  const head: string[] = []
  for (const ch of text) {
    if (head.length === max) return head.slice(0, max - 1).join('') + ELLIPSIS
    head.push(ch)
  }
  return text
}

/** How messages name a column: its header in quotes, or its position when it has none. */
export function columnName(c: Column): string {
  return c.name === '' ? `unnamed column ${c.index + 1}` : `"${quote(c.name)}"`
}

const COLUMNS_NAMED = 5

/** The columns by name, the first few and then how many more: a table may have thousands. */
export function columnNames(columns: Column[]): string {
  const shown = columns.slice(0, COLUMNS_NAMED).map(columnName)
  const more = columns.length - shown.length
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ')
}

const LABEL_KEYS = 3

/**
 * How messages name a data row: its number as a reader counts (from 1, header excluded) and the
 * group it is about, from up to three key columns: `row 4 (region Tottori, sex F)`.
 */
export function rowLabel(table: Table, row: number): string {
  const keys = table.columns
    .filter((c) => c.role === 'key' && c.kind !== 'empty' && c.name !== '' && !/^unnamed: \d+$/i.test(c.name))
    .slice(0, LABEL_KEYS)
  const parts = keys.map((c) => `${quote(c.name)} ${quote(table.rows[row]![c.index]!.trim())}`)
  return parts.length > 0 ? `row ${row + 1} (${parts.join(', ')})` : `row ${row + 1}`
}

const EXAMPLES = 3

/** The first few items, then how many more: "a; b; c; and 4 more". */
export function examples<T>(items: readonly T[], describe: (item: T) => string): string {
  const shown = items.slice(0, EXAMPLES).map(describe)
  const more = items.length - shown.length
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ')
}

/** "1 cell", "3 cells". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** A number as a reviewer reads it: whole numbers as they are, others to three significant digits. */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(3)))
}

export function percent(share: number): string {
  return `${num(share * 100)}%`
}

export function result(
  rule: RuleName,
  outcome: Outcome,
  message: string,
  found: { cells?: CellRef[]; rows?: number[]; columns?: number[] } = {}
): RuleResult {
  const r: RuleResult = { rule, outcome, message: capMessage(message), cells: found.cells ?? [] }
  if (found.rows !== undefined && found.rows.length > 0) r.rows = found.rows
  if (found.columns !== undefined && found.columns.length > 0) r.columns = found.columns
  return r
}

/**
 * A message cut to MESSAGE_MAX bytes, saying so: the last guard, for whatever a rule quotes that
 * `quote` did not bound (many names, a parser's error text).
 */
export function capMessage(message: string): string {
  if (Buffer.byteLength(message, 'utf8') <= MESSAGE_MAX) return message
  const note = `${ELLIPSIS} (cut at ${MESSAGE_MAX} bytes)`
  let room = MESSAGE_MAX - Buffer.byteLength(note, 'utf8')
  let kept = ''
  for (const ch of message) {
    room -= Buffer.byteLength(ch, 'utf8')
    if (room < 0) break
    kept += ch
  }
  return kept + note
}

/** A column's name as a cell list reads it: its header, or "value" when it has none. */
export function valueName(c: Column): string {
  return quote(c.name) || 'value'
}

/** Row by row, then column by column, each cell once. */
export function sortCells(cells: CellRef[]): CellRef[] {
  const seen = new Set<string>()
  return cells
    .filter((c) => {
      const key = `${c.row}:${c.column}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .sort((a, b) => a.row - b.row || a.column - b.column)
}

/** Cells as a reviewer reads them: `row 4 (region Tottori) n 3; ...`. */
export function cellList(table: Table, cells: readonly CellRef[]): string {
  return examples(cells, (c) => {
    const column = table.columns[c.column]!
    return `${rowLabel(table, c.row)} ${valueName(column)} = ${quote(table.rows[c.row]![c.column]!.trim())}`
  })
}

/** The rows the cells are in, each once, in order. */
export function rowsOf(cells: readonly CellRef[]): number[] {
  return [...new Set(cells.map((c) => c.row))].sort((a, b) => a - b)
}
