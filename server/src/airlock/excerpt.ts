import { fileType } from './disclosure/file-type.js'
import { parseTable, type Table, TableError, tableFromRecords } from './disclosure/table.js'

/**
 * What a reviewer reads of an output that may hold individual records, in place of its bytes: its
 * header, its first rows (each cell, and the whole, cut to a bound) and how many rows it has. A
 * list of records is recognised by that much, and sent back; what one reviewer could carry out of
 * a preview of it is bounded by this, not by the file's size.
 */

/** Data rows (or lines) shown at most. */
export const EXCERPT_ROWS = 50
/** Characters of one cell (or line) shown at most; a longer one is cut with an ellipsis. */
export const EXCERPT_CELL_CHARS = 200
/** Columns shown at most. */
export const EXCERPT_COLUMNS = 50
/** Characters of the whole excerpt at most: rows past it are counted, not shown. */
export const EXCERPT_CHARS = 32 * 1024

/** Outputs the row-level check reads as tables or text: those that can be a list of records. */
export const RECORD_TYPES: readonly string[] = ['csv', 'tsv', 'json', 'txt', 'md']

export type Excerpt =
  | { format: 'table'; header: string[]; rows: string[][]; totalRows: number; cut: boolean }
  | { format: 'text'; lines: string[]; totalLines: number; cut: boolean }

const clip = (s: string) => (s.length > EXCERPT_CELL_CHARS ? `${s.slice(0, EXCERPT_CELL_CHARS - 1)}…` : s)

function tableExcerpt(table: Table): Excerpt {
  let cut = table.columns.length > EXCERPT_COLUMNS
  const width = Math.min(table.columns.length, EXCERPT_COLUMNS)
  const row = (cells: readonly string[]) =>
    cells.slice(0, width).map((c) => {
      const shown = clip(c)
      if (shown !== c) cut = true
      return shown
    })
  const header = row(table.columns.map((c) => c.name))
  let budget = EXCERPT_CHARS - header.join('').length
  const rows: string[][] = []
  for (const r of table.rows.slice(0, EXCERPT_ROWS)) {
    const shown = row(r)
    budget -= shown.join('').length + shown.length
    if (budget < 0) break
    rows.push(shown)
  }
  return { format: 'table', header, rows, totalRows: table.rows.length, cut }
}

function textExcerpt(text: string): Excerpt {
  const all = text.split(/\r\n|\n|\r/)
  if (all.at(-1) === '') all.pop()
  let cut = false
  let budget = EXCERPT_CHARS
  const lines: string[] = []
  for (const line of all.slice(0, EXCERPT_ROWS)) {
    const shown = clip(line)
    if (shown !== line) cut = true
    budget -= shown.length + 1
    if (budget < 0) break
    lines.push(shown)
  }
  return { format: 'text', lines, totalLines: all.length, cut }
}

/** Whether a file has an excerpt: a table or text, by its name. */
export const hasExcerpt = (name: string): boolean => RECORD_TYPES.includes(fileType(name, RECORD_TYPES))

/** The excerpt of an output: a table for CSV, TSV and JSON records, lines for any other text. */
export function excerptOf(name: string, bytes: Uint8Array): Excerpt {
  const type = fileType(name, RECORD_TYPES)
  const text = () => new TextDecoder().decode(bytes)
  try {
    if (type === 'csv' || type === 'tsv') return tableExcerpt(parseTable(bytes, { format: type }))
    if (type === 'json') {
      const table = tableFromRecords(JSON.parse(text()))
      if (table !== null) return tableExcerpt(table)
    }
  } catch (err) {
    // not a table after all (the checks said so too): shown as lines
    if (!(err instanceof TableError) && !(err instanceof SyntaxError)) throw err
  }
  return textExcerpt(text())
}
