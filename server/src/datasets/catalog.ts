/**
 * Catalog metadata of a DuckDB dataset file: tables, columns, types, row counts, the
 * descriptions stored as COMMENT ON TABLE / COMMENT ON COLUMN, and the columns marked as
 * identifiers or quasi-identifiers (marks.ts). Opens the file read-only.
 */
import { existsSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'
import { type ColumnMark, MARKS_TABLE, UNMARKED_IDENTIFIERS } from './marks.js'

export interface CatalogColumn {
  name: string
  /** DuckDB type, e.g. 'VARCHAR', 'INTEGER', 'DATE'. */
  type: string
  /** The column comment; '' when there is none. */
  description: string
  /** Whether the column identifies a person or singles people out in combination; null when neither. */
  mark: ColumnMark | null
}

export interface CatalogTable {
  name: string
  /** The table comment; '' when there is none. */
  description: string
  rowCount: number
  columns: CatalogColumn[]
}

export interface Catalog {
  /** Base tables of the main schema, by name. */
  tables: CatalogTable[]
  /** The single row of a `dataset_info` table, when the file has one (synthetic datasets do). */
  info: Record<string, string | number | boolean | null> | null
  /** Whether the file records its marks; one written before them has only its person key marked. */
  marked: boolean
}

/** The identifier and quasi-identifier columns of some datasets, by name (what the airlock's checks take). */
export function catalogMarks(catalogs: readonly Catalog[]): { identifiers: string[]; quasiIdentifiers: string[] } {
  const identifiers = new Set<string>()
  const quasiIdentifiers = new Set<string>()
  for (const c of catalogs) {
    for (const t of c.tables) {
      for (const col of t.columns) {
        if (col.mark === 'identifier') identifiers.add(col.name)
        else if (col.mark === 'quasi-identifier') quasiIdentifiers.add(col.name)
      }
    }
  }
  return { identifiers: [...identifiers].sort(), quasiIdentifiers: [...quasiIdentifiers].sort() }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export async function readCatalog(path: string): Promise<Catalog> {
  if (!existsSync(path)) throw new Error(`no dataset file at ${path}`)
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  try {
    const con = await instance.connect()
    try {
      const tableRows = (
        await con.runAndReadAll(
          `SELECT table_name, comment FROM duckdb_tables()
           WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
           ORDER BY table_name`
        )
      ).getRowObjectsJS()
      const columnRows = (
        await con.runAndReadAll(
          `SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
           ORDER BY table_name, column_index`
        )
      ).getRowObjectsJS()
      const marked = tableRows.some((t) => t.table_name === MARKS_TABLE)
      const marks = new Map<string, ColumnMark>()
      if (marked) {
        const rows = (
          await con.runAndReadAll(`SELECT table_name, column_name, mark FROM main.${quoteIdentifier(MARKS_TABLE)}`)
        ).getRowObjectsJS()
        for (const m of rows) {
          if (m.mark !== 'identifier' && m.mark !== 'quasi-identifier') {
            throw new Error(
              `${MARKS_TABLE} marks ${String(m.table_name)}.${String(m.column_name)} as ${String(m.mark)}`
            )
          }
          marks.set(`${String(m.table_name)}\0${String(m.column_name)}`, m.mark)
        }
      }
      const markOf = (table: string, column: string): ColumnMark | null =>
        marked
          ? (marks.get(`${table}\0${column}`) ?? null)
          : UNMARKED_IDENTIFIERS.includes(column)
            ? 'identifier'
            : null
      const tables: CatalogTable[] = []
      for (const t of tableRows) {
        const name = String(t.table_name)
        if (name === MARKS_TABLE) continue
        const count = (await con.runAndReadAll(`SELECT count(*) AS n FROM main.${quoteIdentifier(name)}`)).getRowsJS()
        tables.push({
          name,
          description: typeof t.comment === 'string' ? t.comment : '',
          rowCount: Number(count[0]![0]),
          columns: columnRows
            .filter((c) => c.table_name === name)
            .map((c) => ({
              name: String(c.column_name),
              type: String(c.data_type),
              description: typeof c.comment === 'string' ? c.comment : '',
              mark: markOf(name, String(c.column_name))
            }))
        })
      }
      let info: Catalog['info'] = null
      if (tables.some((t) => t.name === 'dataset_info')) {
        const row = (await con.runAndReadAll('SELECT * FROM main.dataset_info LIMIT 1')).getRowObjectsJson()[0]
        if (row) info = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]))
      }
      return { tables, info, marked }
    } finally {
      con.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}

function plain(v: unknown): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  return String(v)
}
