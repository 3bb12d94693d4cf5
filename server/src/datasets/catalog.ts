/**
 * Catalog metadata of a DuckDB dataset file: tables, columns, types, row counts and the
 * descriptions stored as COMMENT ON TABLE / COMMENT ON COLUMN. Opens the file read-only.
 */
import { existsSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'

export interface CatalogColumn {
  name: string
  /** DuckDB type, e.g. 'VARCHAR', 'INTEGER', 'DATE'. */
  type: string
  /** The column comment; '' when there is none. */
  description: string
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
      const tables: CatalogTable[] = []
      for (const t of tableRows) {
        const name = String(t.table_name)
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
              description: typeof c.comment === 'string' ? c.comment : ''
            }))
        })
      }
      let info: Catalog['info'] = null
      if (tables.some((t) => t.name === 'dataset_info')) {
        const row = (await con.runAndReadAll('SELECT * FROM main.dataset_info LIMIT 1')).getRowObjectsJson()[0]
        if (row) info = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]))
      }
      return { tables, info }
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
