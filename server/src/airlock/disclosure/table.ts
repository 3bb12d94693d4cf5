import { CsvError, parse } from 'csv-parse/sync'
import { missing, normalized, readNumber } from './cells.js'
import { pandasHeader } from './pandas-headers.js'
import { classify } from './roles.js'
import type { DeclaredRole } from './types.js'
import { ERROR_MAX, quote } from './wording.js'

export { readNumber } from './cells.js'
export { countLikeName, identifierLikeName } from './roles.js'

export type ColumnKind = 'numeric' | 'text' | 'empty'

/**
 * What a column holds, as far as the rules need to know:
 * - `count`: numbers of individuals or events (the threshold, zeros and differencing rules read these)
 * - `magnitude`: values summed or averaged over individuals, such as costs (dominance and p-percent)
 * - `statistic`: numbers derived from counts or a model: rates, percentages, coefficients
 * - `identifier`: one value per individual, such as a pseudonymized ID (row-level data)
 * - `key`: what a row is about: a group label, a year, an age band
 */
export type ColumnRole = 'count' | 'magnitude' | 'statistic' | 'identifier' | 'key'

export interface Column {
  index: number
  name: string
  kind: ColumnKind
  /** a numeric column's numbers by data row (null where a cell is empty or already suppressed); null for text */
  values: (number | null)[] | null
  /** every number is whole (numeric columns only) */
  integer: boolean
  /** no number is negative (numeric columns only) */
  nonNegative: boolean
  /** cells that hold a value (not empty, not a suppression mark) */
  filled: number
  /** distinct values among the filled cells */
  distinct: number
  role: ColumnRole
  /** why the column got its role, for the reviewer */
  why: string
  /** the role was declared (by the recorded query or the export helper), not inferred from names and values */
  declared: boolean
  /**
   * whole numbers whose role nothing declares or names: read as a count (threshold) but possibly a
   * sum or a mean (dominance, p-percent), so no rule may pass them on the printed numbers alone
   */
  uncertain: boolean
  /** what the column computes, where declared, or a maximum or minimum where its name says so */
  aggregate?: DeclaredRole
}

/** A parsed output table: its columns, classified, and its data rows as printed. */
export interface Table {
  columns: Column[]
  /** data rows (the header excluded), each with one string per column */
  rows: string[][]
}

export interface TableLimits {
  /** bytes of CSV or TSV read at most */
  maxBytes: number
  /** cells read at most, header included */
  maxCells: number
}

/** Far above any aggregate output; they bound the memory a hostile file can take while it is parsed. */
export const TABLE_LIMITS: TableLimits = { maxBytes: 64 * 1024 * 1024, maxCells: 2_000_000 }

/** Bytes that are not a table, or a table too large to check. The message says what to fix. */
export class TableError extends Error {
  override name = 'TableError'
}

export interface ParseTableOptions {
  format: 'csv' | 'tsv'
  limits?: Partial<TableLimits>
  /** roles known from the query, by column name, in place of the heuristics */
  roles?: Record<string, ColumnRole>
  /** what each column computes, by column name, declared by the query or the export helper */
  declared?: Record<string, DeclaredRole>
}

class TooManyCells extends Error {}

/**
 * Parses CSV or TSV bytes (UTF-8, with or without a byte-order mark; LF or CRLF; RFC 4180 quoting)
 * into a classified table. The first record is the header; blank lines are skipped; every record
 * must have as many fields as the header. Throws TableError.
 */
export function parseTable(bytes: Uint8Array, options: ParseTableOptions): Table {
  const limits = { ...TABLE_LIMITS, ...options.limits }
  if (bytes.length > limits.maxBytes) {
    throw new TableError(
      `The table is ${bytes.length} bytes, more than the ${limits.maxBytes} the checks read; an output this large is not an aggregate: split it or aggregate further.`
    )
  }
  let text: string
  try {
    // fatal: a Shift_JIS file must be refused, not read as mojibake that no rule can interpret
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TableError(
      'The table is not UTF-8 text (spreadsheets in Japan often save Shift_JIS): save it as UTF-8, for example with pandas to_csv(encoding="utf-8").'
    )
  }
  let cells = 0
  let header = 0
  let records: string[][]
  try {
    records = parse(text, {
      delimiter: options.format === 'tsv' ? '\t' : ',',
      bom: true,
      skip_empty_lines: true,
      on_record: (record: string[]) => {
        if (header === 0) header = record.length
        cells += record.length
        if (cells > limits.maxCells) throw new TooManyCells()
        return record
      }
    })
  } catch (err) {
    throw new TableError(describeParseError(err, options.format, header, limits.maxCells))
  }
  if (records.length === 0) throw new TableError('The table is empty: it has no header row.')
  // pandas writes a pivot table's or crosstab's levels of columns as several header rows
  const { names, rows } = pandasHeader(records)
  return tableFromRows(names, rows, options.roles, options.declared)
}

function describeParseError(err: unknown, format: string, header: number, maxCells: number): string {
  if (err instanceof TooManyCells) {
    return `The table has more than ${maxCells} cells, more than the checks read; an output this large is not an aggregate: split it or aggregate further.`
  }
  if (err instanceof CsvError) {
    const line = typeof err.lines === 'number' ? err.lines : undefined
    const at = line === undefined ? '' : ` on line ${line}`
    switch (err.code) {
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
        const got = Array.isArray(err.record) ? err.record.length : undefined
        const fields = got === undefined ? 'a different number of fields' : got === 1 ? '1 field' : `${got} fields`
        return `The record${at} has ${fields} where the header has ${header}: every row of a table needs one field per column.`
      }
      case 'CSV_QUOTE_NOT_CLOSED':
        return `A quoted field opened${at} is never closed: the file is cut short or a quote inside a field is not doubled ("").`
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'INVALID_OPENING_QUOTE':
        return `A quote${at} is not where ${format.toUpperCase()} allows one: a quote inside a field must be doubled ("") and the whole field quoted.`
      default:
        return `The file cannot be read as ${format.toUpperCase()}${at}: ${quote(err.message, ERROR_MAX)}`
    }
  }
  return `The file cannot be read as ${format.toUpperCase()}: ${quote((err as Error).message, ERROR_MAX)}`
}

/**
 * A table from its header and data rows, with every column classified. Throws TableError when a
 * row does not have one cell per column.
 */
export function tableFromRows(
  names: string[],
  rows: string[][],
  roles?: Record<string, ColumnRole>,
  declared?: Record<string, DeclaredRole>
): Table {
  rows.forEach((row, r) => {
    if (row.length !== names.length) {
      throw new TableError(`Data row ${r + 1} has ${row.length} cells where the header has ${names.length}.`)
    }
  })
  const columns = names.map((name, index) => readColumn(name.trim(), index, rows))
  classify(columns, rows, roles ?? {}, declared ?? {})
  return { columns, rows }
}

/**
 * A table from JSON that is an array of flat objects (pandas `to_json(orient="records")`), or null
 * for any other JSON. Columns are the keys in order of first appearance.
 */
export function tableFromRecords(
  value: unknown,
  roles?: Record<string, ColumnRole>,
  declared?: Record<string, DeclaredRole>
): Table | null {
  if (!Array.isArray(value) || value.length === 0) return null
  const names: string[] = []
  const seen = new Set<string>()
  for (const record of value) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return null
    for (const [key, cell] of Object.entries(record as Record<string, unknown>)) {
      if (cell !== null && typeof cell === 'object') return null
      if (!seen.has(key)) {
        seen.add(key)
        names.push(key)
      }
    }
  }
  const rows = (value as Record<string, unknown>[]).map((record) =>
    names.map((name) => {
      const cell = record[name]
      return cell === null || cell === undefined ? '' : String(cell)
    })
  )
  return tableFromRows(names, rows, roles, declared)
}

function readColumn(name: string, index: number, rows: string[][]): Column {
  const values: (number | null)[] = new Array<number | null>(rows.length)
  const distinct = new Set<string>()
  let numeric = true
  let filled = 0
  let integer = true
  let nonNegative = true
  for (let r = 0; r < rows.length; r++) {
    const raw = rows[r]![index]!
    const n = numeric ? readNumber(raw) : missing(normalized(raw)) ? null : undefined
    if (n === null) {
      values[r] = null
      continue
    }
    filled++
    distinct.add(raw.trim())
    if (n === undefined) {
      numeric = false
      continue
    }
    values[r] = n
    if (!Number.isInteger(n)) integer = false
    if (n < 0) nonNegative = false
  }
  const kind: ColumnKind = filled === 0 ? 'empty' : numeric ? 'numeric' : 'text'
  return {
    index,
    name,
    kind,
    values: kind === 'numeric' ? values : null,
    integer: kind === 'numeric' && integer,
    nonNegative: kind === 'numeric' && nonNegative,
    filled,
    distinct: distinct.size,
    role: 'key',
    why: '',
    declared: false,
    uncertain: false
  }
}

