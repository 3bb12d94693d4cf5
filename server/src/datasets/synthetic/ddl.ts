/** A synthetic table's spec by name, and the statements that create it with its catalog comments. */
import { sqlString, type TableSpec, TABLES } from './schema.js'

export function tableSpec(name: string): TableSpec {
  const t = TABLES.find((x) => x.name === name)
  if (!t) throw new Error(`no such table: ${name}`)
  return t
}

/** CREATE TABLE and COMMENT statements for a table. */
export function ddl(t: TableSpec, schema = 'main'): string[] {
  const q = `${schema}.${t.name}`
  return [
    `CREATE TABLE ${q} (${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`,
    `COMMENT ON TABLE ${q} IS ${sqlString(t.description)}`,
    ...t.columns.map((c) => `COMMENT ON COLUMN ${q}.${c.name} IS ${sqlString(c.description)}`)
  ]
}
