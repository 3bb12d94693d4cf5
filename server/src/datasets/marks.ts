/**
 * Catalog marks: which columns of a dataset identify a person (the pseudonymized person key, a
 * claim id) and which single people out in combination (birth month, sex, prefecture, insurer).
 * They are stored in the dataset file itself, in a small table written by whatever wrote the data
 * (the ingest, the synthetic writer), so the marks travel with the data they describe. The airlock's
 * row-level check fails an output that carries these columns.
 */

/** The table holding the marks; not one of the dataset's tables in its catalog. */
export const MARKS_TABLE = 'vre_column_marks'

export type ColumnMark = 'identifier' | 'quasi-identifier'

export interface MarkedColumn {
  table: string
  column: string
  mark: ColumnMark
}

/** A dataset file written before the marks: its person key is the one column known to identify. */
export const UNMARKED_IDENTIFIERS = ['person_id']

/** Statements that create the marks table in `schema` (a DuckDB catalog name) and fill it. */
export function marksSql(schema: string, marks: readonly MarkedColumn[]): string[] {
  const table = `${schema}.${MARKS_TABLE}`
  const rows = marks.map((m) => `(${literal(m.table)}, ${literal(m.column)}, ${literal(m.mark)})`)
  return [
    `CREATE TABLE ${table} (table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, mark VARCHAR NOT NULL CHECK (mark IN ('identifier', 'quasi-identifier')), PRIMARY KEY (table_name, column_name))`,
    ...(rows.length > 0 ? [`INSERT INTO ${table} VALUES ${rows.join(', ')}`] : []),
    `COMMENT ON TABLE ${table} IS ${literal(
      "Which columns identify a person ('identifier') or single people out in combination ('quasi-identifier'); the airlock's checks read it."
    )}`
  ]
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
