/** Reading a raw source: its SQL, its columns checked against the spec, statements over it. */
import type { DuckDBConnection } from '@duckdb/node-api'
import { IngestError, type SpecTable } from './spec.js'

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`

export const DATE_TYPES = new Set([
  'DATE',
  'TIMESTAMP',
  'TIMESTAMP_NS',
  'TIMESTAMP_MS',
  'TIMESTAMP_S',
  'TIMESTAMP WITH TIME ZONE'
])
export const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/
export const INTEGRAL = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/

/** The raw person key as compared and hashed: text, trimmed, '' as missing. */
export function rawKey(t: SpecTable): string {
  return `nullif(trim(CAST(s.${quote(t.personKey!)} AS VARCHAR)), '')`
}

export function sourceSql(t: SpecTable, types?: Map<string, string>): string {
  if (t.format === 'parquet') return `read_parquet(${sqlString(t.source)})`
  const options = ['header = true']
  if (t.delimiter !== null) options.push(`delim = ${sqlString(t.delimiter)}`)
  if (types !== undefined) {
    // Identifiers and codes are text: a sniffed integer would lose the leading zeros of a key or a postcode.
    const forced = t.columns.flatMap((c) => {
      const tr = c.treatment
      if (tr.kind === 'person' || tr.kind === 'drop' || (tr.kind === 'quasi' && tr.rule === 'truncate')) {
        return [[c.source, 'VARCHAR']]
      }
      if (tr.kind === 'date' && tr.format === 'month') return [[c.source, 'VARCHAR']]
      if (tr.kind === 'keep' && tr.type !== undefined) return [[c.source, tr.type]]
      return []
    })
    if (forced.length > 0) {
      options.push(`types = {${forced.map(([c, type]) => `${sqlString(c!)}: ${sqlString(type!)}`).join(', ')}}`)
    }
  }
  return `read_csv(${sqlString(t.source)}, ${options.join(', ')})`
}

/** The source's columns and types; refuses a column the spec does not name and a named one it lacks. */
export async function checkColumns(con: DuckDBConnection, t: SpecTable): Promise<Map<string, string>> {
  let rows: Record<string, unknown>[]
  try {
    rows = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${sourceSql(t)}`)).getRowObjectsJS()
  } catch (err) {
    throw new IngestError(`tables.${t.name}.source: cannot read ${t.source} as ${t.format}`, (err as Error).message)
  }
  const types = new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]))
  const named = new Set(t.columns.map((c) => c.source))
  const unknown = [...types.keys()].filter((c) => !named.has(c))
  const missing = [...named].filter((c) => !types.has(c))
  const problems: string[] = []
  // the names are read from the source: without a header line they are the first person's data,
  // so they go to the administrator's terminal only, never into the message the audit keeps
  let unknownNames: string | undefined
  if (unknown.length > 0) {
    unknownNames = `columns of ${t.source} the spec does not mention: ${unknown.join(', ')}`
    problems.push(
      `tables.${t.name}: the source has ${unknown.length} column(s) the spec does not mention ` +
        '(name each under drop, dates, quasi or keep; nothing passes through unnamed)' +
        (unknown.length === types.size && t.format === 'csv'
          ? '; none of its columns is in the spec: has the file a header line?'
          : '')
    )
  }
  if (missing.length > 0) problems.push(`tables.${t.name}: the source has no column ${missing.join(', ')}`)
  // a key stored as a number has lost its leading zeros: 1234 would never meet 0001234 on the
  // opt-out list, and the person would stay in the data without anyone noticing
  const keyType = t.personKey === null ? undefined : types.get(t.personKey)
  if (keyType !== undefined && keyType !== 'VARCHAR') {
    problems.push(
      `tables.${t.name}.personKey: ${t.personKey} is ${keyType}; a person key must be text, as on the opt-out list ` +
        '(a number loses leading zeros, and an opted-out person would not be found)'
    )
  }
  for (const c of t.columns) {
    const type = types.get(c.source)
    if (type === undefined) continue
    const tr = c.treatment
    const dateLike = DATE_TYPES.has(type) || type === 'VARCHAR'
    if (tr.kind === 'date' && tr.format === 'month' && type !== 'VARCHAR' && t.format === 'parquet') {
      problems.push(`tables.${t.name}.dates.${c.source}: format month reads 'YYYY-MM' text, and the column is ${type}`)
    }
    if (tr.kind === 'date' && tr.format === 'date' && !dateLike) {
      problems.push(`tables.${t.name}.dates.${c.source}: is ${type}, not a date`)
    }
    if (tr.kind === 'quasi' && ['year', 'year-month', 'age'].includes(tr.rule) && !dateLike) {
      problems.push(`tables.${t.name}.quasi.${c.source}: the ${tr.rule} rule needs a date, and the column is ${type}`)
    }
    if (tr.kind === 'quasi' && ['top-code', 'bottom-code', 'band'].includes(tr.rule)) {
      if (!NUMERIC.test(type) && type !== 'VARCHAR') {
        problems.push(
          `tables.${t.name}.quasi.${c.source}: the ${tr.rule} rule needs a number, and the column is ${type}`
        )
      }
    }
  }
  if (problems.length > 0) throw new IngestError(problems.join('\n'), unknownNames)
  return types
}

/** Runs a statement that reads a source; DuckDB's reason goes in the detail, which may quote data. */
export async function run(con: DuckDBConnection, sql: string, t: SpecTable): Promise<void> {
  try {
    await con.run(sql)
  } catch (err) {
    if (err instanceof IngestError) throw err
    throw new IngestError(`tables.${t.name}: ${t.source} could not be pseudonymized`, (err as Error).message)
  }
}
