/**
 * Ingest: raw CSV or Parquet extracts in, a pseudonymized DuckDB dataset out, all in DuckDB SQL.
 *
 * 1. Each source's columns are read and checked against the spec: a column the spec does not name,
 *    or a named column the source lacks, stops the ingest before anything is written.
 * 2. The person keys of every table are collected (one pass over the key column), people on the
 *    opt-out list (本人の提供停止) are set aside by their raw key, and each remaining person gets a
 *    pseudonym, 'P' and 16 hex digits of HMAC-SHA256(project key, raw key), and a date offset from
 *    other bits of the same HMAC. One HMAC per person, not per row.
 * 3. Each table is written once: joined to the people on the raw key (which drops opted-out
 *    people's rows), direct identifiers never selected, dates moved by the person's offset,
 *    quasi-identifiers generalized, with the spec's descriptions as COMMENTs for the catalog.
 *
 * The key lives in an in-memory table of this process's DuckDB, never in SQL text or the output.
 * The output is written under a temporary name and renamed when complete; DuckDB's spills go to
 * memory-backed storage. Registration gives a `path` in memory-backed storage too, and encrypts it.
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { memoryDir } from '../at-rest.js'
import { type MarkedColumn, marksSql } from '../marks.js'
import { CREATE_PADS_SQL, hmacPads, hmacSql, INSERT_PADS_SQL, PADS_TABLE } from './hmac.js'
import { readOptOut } from './opt-out.js'
import { checkColumns, quote, rawKey, run, sourceSql, sqlString } from './source.js'
import { type IngestSpec, IngestError } from './spec.js'
import { columnSql, describeColumn } from './treatments.js'

export { readOptOut } from './opt-out.js'

export const INGEST_VERSION = 'vre-ingest/1'

export interface IngestOptions {
  spec: IngestSpec
  /** Where to write the DuckDB file. */
  path: string
  /** The project's pseudonymization key (see keys/pseudonym.ts). */
  key: Buffer
  /** The opt-out list; replaces the spec's. */
  optOut?: { file: string; column: string | null }
  /** Name recorded in dataset_info (default: the spec's name). */
  name?: string
  /** Replace an existing file at `path` (default: refuse). */
  overwrite?: boolean
  threads?: number
  memoryLimit?: string
  onProgress?: (message: string) => void
}

export interface IngestTableResult {
  name: string
  /** Rows in the source. */
  sourceRows: number
  /** Rows written. */
  rows: number
  /** Rows of opted-out people, removed. */
  optedOutRows: number
  /** Time spent reading and writing this table. */
  seconds: number
}

export interface IngestResult {
  path: string
  /** People in the output. */
  persons: number
  /** Keys on the opt-out list, and how many of them were people in the sources. */
  optOut: { listed: number; removedPersons: number } | null
  tables: IngestTableResult[]
  sourceRows: number
  rows: number
  seconds: number
}

export async function ingestDataset(options: IngestOptions): Promise<IngestResult> {
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  const { spec } = options
  const path = resolve(options.path)
  const progress = options.onProgress ?? (() => {})
  if (existsSync(path) && !options.overwrite) throw new IngestError(`${path} already exists`)
  for (const t of spec.tables) {
    if (!existsSync(t.source)) throw new IngestError(`tables.${t.name}.source: there is no file ${t.source}`)
  }
  const optOutSource = options.optOut ?? spec.optOut
  const optOutKeys = optOutSource ? readOptOut(optOutSource.file, optOutSource.column) : null

  const partial = `${path}.partial-${process.pid}`
  removeDatabase(partial)
  // what DuckDB spills holds raw keys: memory-backed storage only the owner may look in, never a disk
  const scratch = memoryScratch()
  const config: Record<string, string> = {
    preserve_insertion_order: 'false',
    temp_directory: scratch,
    // Sources are local files; nothing is fetched, no extension is installed behind our back.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false'
  }
  if (options.threads !== undefined) config.threads = String(options.threads)
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit
  const instance = await DuckDBInstance.create(':memory:', config).catch((err: unknown) => {
    rmSync(scratch, { recursive: true, force: true })
    throw err
  })
  let ok = false
  try {
    const con = await instance.connect()
    try {
      // 1. Every source column accounted for.
      const sourceTypes = new Map<string, Map<string, string>>()
      for (const t of spec.tables) sourceTypes.set(t.name, await checkColumns(con, t))

      await con.run(CREATE_PADS_SQL)
      const pads = hmacPads(options.key)
      const insert = await con.prepare(INSERT_PADS_SQL)
      insert.bindVarchar(1, pads.ipad.toString('hex'))
      insert.bindVarchar(2, pads.opad.toString('hex'))
      await insert.run()
      pads.ipad.fill(0)
      pads.opad.fill(0)

      await con.run('CREATE TABLE optout (k VARCHAR PRIMARY KEY)')
      if (optOutKeys !== null && optOutKeys.size > 0) {
        const appender = await con.createAppender('optout')
        for (const k of optOutKeys) {
          appender.appendVarchar(k)
          appender.endRow()
        }
        appender.closeSync()
      }

      // 2. People: raw keys of every table, minus opt-outs, each with a pseudonym and an offset.
      const timing = new Map<string, number>()
      const counts = new Map<string, { sourceRows: number; optedOutRows: number }>()
      const personTables = spec.tables.filter((t) => t.personKey !== null)
      for (const [i, t] of personTables.entries()) {
        const t0 = performance.now()
        progress(`reading the person keys of ${t.name}`)
        await run(
          con,
          `CREATE TABLE keys_${i} AS SELECT ${rawKey(t)} AS k, count(*) AS n FROM ${sourceSql(t, sourceTypes.get(t.name)!)} s GROUP BY ALL`,
          t
        )
        const [row] = (
          await con.runAndReadAll(
            `SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE k IS NULL), 0),
                    coalesce(sum(n) FILTER (WHERE k IN (SELECT k FROM optout)), 0)
             FROM keys_${i}`
          )
        ).getRowsJS()
        const [sourceRows, missing, optedOutRows] = row!.map(Number) as [number, number, number]
        if (missing > 0) {
          throw new IngestError(
            `tables.${t.name}: ${missing} of ${sourceRows} rows have no person key (${t.personKey}); ` +
              'every row of a table with a personKey must name its person'
          )
        }
        counts.set(t.name, { sourceRows, optedOutRows })
        timing.set(t.name, (performance.now() - t0) / 1000)
      }
      const n = spec.person.dateShiftDays
      let persons = 0
      let removedPersons = 0
      if (personTables.length > 0) {
        progress('making pseudonyms')
        const all = personTables.map((_, i) => `SELECT k FROM keys_${i}`).join(' UNION ')
        await con.run(`CREATE TABLE people AS
          SELECT k,
                 'P' || upper(substr(h, 1, 16)) AS pseudonym,
                 CAST(CAST(('0x' || substr(h, 17, 8)) AS UBIGINT) % ${2 * n + 1} AS INTEGER) - ${n} AS shift
          FROM (SELECT u.k, ${hmacSql('u.k')} AS h
                FROM (${all}) u, ${PADS_TABLE}
                WHERE u.k IS NOT NULL AND NOT EXISTS (SELECT 1 FROM optout o WHERE o.k = u.k))`)
        const [row] = (
          await con.runAndReadAll(
            `SELECT count(*), count(DISTINCT pseudonym),
                    (SELECT count(*) FROM optout o WHERE o.k IN (${all}))
             FROM people`
          )
        ).getRowsJS()
        const [count, distinct, removed] = row!.map(Number) as [number, number, number]
        // 64 bits: a collision is a 1 in 10^5 event at ten million people; refuse it rather than merge two people.
        if (distinct !== count)
          throw new IngestError('two people got the same pseudonym; ingest again under another project key')
        persons = count
        removedPersons = removed
        for (const i of personTables.keys()) await con.run(`DROP TABLE keys_${i}`)
      }

      // 3. The output.
      await con.run(`ATTACH ${sqlString(partial)} AS out`)
      const tables: IngestTableResult[] = []
      for (const t of spec.tables) {
        const t0 = performance.now()
        progress(`writing ${t.name}`)
        const types = sourceTypes.get(t.name)!
        // The source's column order, which the people who know the data are used to.
        const position = new Map([...types.keys()].map((c, i) => [c, i]))
        const outputs = t.columns
          .filter((c) => c.output !== null)
          .sort((a, b) => position.get(a.source)! - position.get(b.source)!)
        const select = outputs
          .map((c) => `${columnSql(t, c, types.get(c.source)!)} AS ${quote(c.output!)}`)
          .join(',\n  ')
        const from =
          t.personKey !== null
            ? `${sourceSql(t, types)} s JOIN people p ON p.k = ${rawKey(t)}`
            : `${sourceSql(t, types)} s`
        await run(con, `CREATE TABLE out.${quote(t.name)} AS SELECT\n  ${select}\nFROM ${from}`, t)
        await con.run(`COMMENT ON TABLE out.${quote(t.name)} IS ${sqlString(t.description)}`)
        for (const c of outputs) {
          await con.run(
            `COMMENT ON COLUMN out.${quote(t.name)}.${quote(c.output!)} IS ${sqlString(describeColumn(spec, c))}`
          )
        }
        const [row] = (await con.runAndReadAll(`SELECT count(*) FROM out.${quote(t.name)}`)).getRowsJS()
        const rows = Number(row![0])
        let c = counts.get(t.name)
        if (c === undefined) {
          c = { sourceRows: rows, optedOutRows: 0 }
          counts.set(t.name, c)
        }
        tables.push({
          name: t.name,
          sourceRows: c.sourceRows,
          rows,
          optedOutRows: c.optedOutRows,
          seconds: (timing.get(t.name) ?? 0) + (performance.now() - t0) / 1000
        })
      }

      await con.run(`CREATE TABLE out.dataset_info (
        name VARCHAR, description VARCHAR, method VARCHAR, persons INTEGER, date_shift_max_days INTEGER,
        ingested_at TIMESTAMP, spec_sha256 VARCHAR)`)
      const info = await con.prepare(
        `INSERT INTO out.dataset_info VALUES ($1, $2, $3, $4, $5, CAST(now() AS TIMESTAMP), $6)`
      )
      info.bindVarchar(1, options.name ?? spec.name ?? basename(path).replace(/\.duckdb$/, ''))
      info.bindVarchar(2, spec.description)
      info.bindVarchar(3, INGEST_VERSION)
      info.bindInteger(4, persons)
      info.bindInteger(5, n)
      info.bindVarchar(6, spec.sha256)
      await info.run()
      for (const [column, text] of [
        ['name', 'Name of the dataset.'],
        ['description', 'What the data are.'],
        ['method', 'Program and version that pseudonymized the data.'],
        ['persons', 'Number of distinct persons.'],
        [
          'date_shift_max_days',
          "Each person's dates are moved by one offset of at most this many days either way; intervals are exact."
        ],
        ['ingested_at', 'When the data were pseudonymized (UTC).'],
        ['spec_sha256', 'SHA-256 of the dataset spec that said how.']
      ] as const) {
        await con.run(`COMMENT ON COLUMN out.dataset_info.${column} IS ${sqlString(text)}`)
      }
      await con.run(
        `COMMENT ON TABLE out.dataset_info IS ${sqlString('One row describing this dataset and how it was pseudonymized.')}`
      )
      // the person key identifies; the generalized quasi-identifiers still single people out in combination
      const marks = spec.tables.flatMap((t) =>
        t.columns.flatMap((c): MarkedColumn[] =>
          c.output === null || (c.treatment.kind !== 'person' && c.treatment.kind !== 'quasi')
            ? []
            : [
                {
                  table: t.name,
                  column: c.output,
                  mark: c.treatment.kind === 'person' ? 'identifier' : 'quasi-identifier'
                }
              ]
        )
      )
      for (const sql of marksSql('out', marks)) await con.run(sql)
      await con.run('CHECKPOINT out')
      await con.run('DETACH out')
      ok = true
      const sourceRows = tables.reduce((s, t) => s + t.sourceRows, 0)
      const result: IngestResult = {
        path,
        persons,
        optOut: optOutKeys === null ? null : { listed: optOutKeys.size, removedPersons },
        tables,
        sourceRows,
        rows: tables.reduce((s, t) => s + t.rows, 0),
        seconds: 0
      }
      con.closeSync()
      instance.closeSync()
      try {
        if (options.overwrite) removeDatabase(path)
        renameSync(partial, path)
      } catch (err) {
        removeDatabase(partial)
        throw err
      }
      result.seconds = elapsed()
      return result
    } finally {
      if (!ok) con.closeSync()
    }
  } finally {
    if (!ok) {
      instance.closeSync()
      removeDatabase(partial)
    }
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** A fresh directory (mode 0700) in memory-backed storage for DuckDB's spills. */
function memoryScratch(): string {
  return memoryDir('ingest')
}

function removeDatabase(path: string): void {
  rmSync(path, { force: true })
  rmSync(`${path}.wal`, { force: true })
}
