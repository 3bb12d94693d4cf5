import type { Column, Table } from './table.js'
import type { CellRef, Outcome, RuleName, RuleResult } from './types.js'

/** How messages name a column: its header in quotes, or its position when it has none. */
export function columnName(c: Column): string {
  return c.name === '' ? `unnamed column ${c.index + 1}` : `"${c.name}"`
}

export function columnNames(columns: Column[]): string {
  return columns.map(columnName).join(', ')
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
  const parts = keys.map((c) => `${c.name} ${table.rows[row]![c.index]!.trim()}`)
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
  const r: RuleResult = { rule, outcome, message, cells: found.cells ?? [] }
  if (found.rows !== undefined && found.rows.length > 0) r.rows = found.rows
  if (found.columns !== undefined && found.columns.length > 0) r.columns = found.columns
  return r
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
    return `${rowLabel(table, c.row)} ${column.name || 'value'} = ${table.rows[c.row]![c.column]!.trim()}`
  })
}

/** The rows the cells are in, each once, in order. */
export function rowsOf(cells: readonly CellRef[]): number[] {
  return [...new Set(cells.map((c) => c.row))].sort((a, b) => a - b)
}
