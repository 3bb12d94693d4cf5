/**
 * Writes a synthetic dataset to a DuckDB file.
 *
 * The generator's numeric rows are appended as DuckDB data chunks (typed arrays, no per-value
 * calls into the native layer) to staging tables in an in-memory database; DuckDB itself then turns
 * each batch into the final string-bearing tables with one INSERT ... SELECT per table, on its own
 * threads. Two staging buffers alternate, so JavaScript generates batch k+1 while DuckDB loads
 * batch k. Memory stays bounded by the batch size whatever the number of patients.
 *
 * The file is written under a temporary name and renamed when complete.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  type DuckDBVector
} from '@duckdb/node-api'
import { type RowSink, SyntheticGenerator } from './generator.js'
import { hashWords, seedWords } from './prng.js'
import { GENERATOR_VERSION, ICD10, MONTHS } from './reference.js'
import { marksSql } from '../marks.js'
import { columnMarks, ddl, sqlString, type TableSpec, TABLES } from './schema.js'

export interface GenerateSyntheticDatasetOptions {
  /** Where to write the DuckDB file. */
  path: string
  /** Number of persons, 1 to 10,000,000. */
  patients: number
  /** Seed: a non-negative integer or any string. Same seed and size give the same data. */
  seed: number | string
  /** Replace an existing file at `path` (default: refuse). */
  overwrite?: boolean
  /** Name recorded in dataset_info. */
  name?: string
  /** Patients per staging batch (default 50,000); bounds memory. */
  batchPatients?: number
  /** DuckDB threads (default: DuckDB's, the number of cores). */
  threads?: number
  /** DuckDB memory_limit, e.g. '2GB' (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string
  /** Called after each batch is generated. */
  onProgress?: (progress: { patients: number; total: number; seconds: number }) => void
}

export interface GenerateSyntheticDatasetResult {
  path: string
  tables: { name: string; rows: number }[]
  seconds: number
}

const CHUNK_ROWS = 2048 // DuckDB's standard vector size: the most rows a data chunk holds

/** A numeric staging table filled through typed arrays, appended one data chunk at a time. */
class Stage {
  readonly c0: Float64Array | Int32Array
  readonly c1: Float64Array | Int32Array
  readonly c2: Float64Array | Int32Array
  readonly c3: Float64Array | Int32Array
  readonly c4: Float64Array | Int32Array
  readonly c5: Float64Array | Int32Array
  readonly c6: Float64Array | Int32Array
  private readonly cols: (Float64Array | Int32Array)[]
  private readonly chunk: DuckDBDataChunk
  private appender: DuckDBAppender | null = null
  n = 0
  /** Rows staged in the current batch. */
  rows = 0

  constructor(
    readonly spec: TableSpec,
    readonly table: string
  ) {
    const staging = spec.staging!
    this.cols = staging.map((c) => (c.type === 'DOUBLE' ? new Float64Array(CHUNK_ROWS) : new Int32Array(CHUNK_ROWS)))
    // Fixed fields rather than an array keep the sink's stores monomorphic; unused ones are empty.
    const col = (i: number) => this.cols[i] ?? new Int32Array(0)
    this.c0 = col(0)
    this.c1 = col(1)
    this.c2 = col(2)
    this.c3 = col(3)
    this.c4 = col(4)
    this.c5 = col(5)
    this.c6 = col(6)
    this.chunk = DuckDBDataChunk.create(
      staging.map((c) => (c.type === 'DOUBLE' ? DOUBLE : INTEGER)),
      CHUNK_ROWS
    )
  }

  createSql(): string {
    return `CREATE TABLE stage.${this.table} (${this.spec.staging!.map((c) => `${c.name} ${c.type}`).join(', ')})`
  }

  insertSql(): string {
    const cols = this.spec.columns.map((c) => c.sql!).join(',\n  ')
    return `INSERT INTO main.${this.spec.name}\nSELECT\n  ${cols}\nFROM stage.${this.table}`
  }

  async open(con: DuckDBConnection): Promise<void> {
    this.appender = await con.createAppender(this.table, 'main', 'stage')
    this.n = 0
    this.rows = 0
  }

  /** Count the row just written to c0..c6[n]. */
  commit(): void {
    this.rows++
    if (++this.n === CHUNK_ROWS) this.flush()
  }

  private flush(): void {
    const n = this.n
    if (n === 0) return
    const chunk = this.chunk
    chunk.reset()
    chunk.rowCount = n
    for (let c = 0; c < this.cols.length; c++) {
      const values = this.cols[c]!
      const vector: DuckDBVector = chunk.getColumnVector(c)
      for (let i = 0; i < n; i++) vector.setItem(i, values[i]!)
      vector.flush()
    }
    this.appender!.appendDataChunk(chunk)
    this.n = 0
  }

  close(): void {
    this.flush()
    this.appender?.closeSync()
    this.appender = null
  }
}

/** One staging buffer: a stage per generated table, and the sink that fills them. */
class StageSet implements RowSink {
  readonly patients: Stage
  readonly claims: Stage
  readonly diagnoses: Stage
  readonly procedures: Stage
  readonly drugs: Stage
  readonly admissions: Stage
  readonly labs: Stage
  readonly facilities: Stage
  readonly all: Stage[]

  constructor(buffer: number) {
    const stage = (name: string) =>
      new Stage(
        TABLES.find((t) => t.name === name)!,
        `${name}_${buffer}`
      )
    this.patients = stage('patients')
    this.claims = stage('claims')
    this.diagnoses = stage('claim_diagnoses')
    this.procedures = stage('procedures')
    this.drugs = stage('drugs')
    this.admissions = stage('admissions')
    this.labs = stage('lab_results')
    this.facilities = stage('facilities')
    this.all = [
      this.patients,
      this.claims,
      this.diagnoses,
      this.procedures,
      this.drugs,
      this.admissions,
      this.labs,
      this.facilities
    ]
  }

  facility(fid: number, type: number, prefecture: number, dpc: boolean, beds: number): void {
    const t = this.facilities
    const k = t.n
    t.c0[k] = fid
    t.c1[k] = type
    t.c2[k] = prefecture
    t.c3[k] = dpc ? 1 : 0
    t.c4[k] = beds
    t.commit()
  }

  patient(pid: number, sex: number, birthAbsMonth: number, prefecture: number, insurer: number): void {
    const t = this.patients
    const k = t.n
    t.c0[k] = pid
    t.c1[k] = sex
    t.c2[k] = birthAbsMonth
    t.c3[k] = prefecture
    t.c4[k] = insurer
    t.commit()
  }

  claim(seq: number, pid: number, month: number, type: number, fid: number, points: number): void {
    const t = this.claims
    const k = t.n
    t.c0[k] = seq
    t.c1[k] = pid
    t.c2[k] = month
    t.c3[k] = type
    t.c4[k] = fid
    t.c5[k] = points
    t.commit()
  }

  diagnosis(seq: number, pid: number, icd: number, primary: boolean, suspected: boolean): void {
    const t = this.diagnoses
    const k = t.n
    t.c0[k] = seq
    t.c1[k] = pid
    t.c2[k] = icd
    t.c3[k] = primary ? 1 : 0
    t.c4[k] = suspected ? 1 : 0
    t.commit()
  }

  procedure(seq: number, pid: number, procedure: number): void {
    const t = this.procedures
    const k = t.n
    t.c0[k] = seq
    t.c1[k] = pid
    t.c2[k] = procedure
    t.commit()
  }

  drug(seq: number, pid: number, drug: number, daysSupply: number, quantity: number): void {
    const t = this.drugs
    const k = t.n
    t.c0[k] = seq
    t.c1[k] = pid
    t.c2[k] = drug
    t.c3[k] = daysSupply
    t.c4[k] = quantity
    t.commit()
  }

  admission(
    seq: number,
    pid: number,
    admitDay: number,
    dischargeDay: number,
    fid: number,
    icd: number,
    dpc: number
  ): void {
    const t = this.admissions
    const k = t.n
    t.c0[k] = seq
    t.c1[k] = pid
    t.c2[k] = admitDay
    t.c3[k] = dischargeDay
    t.c4[k] = fid
    t.c5[k] = icd
    t.c6[k] = dpc
    t.commit()
  }

  lab(pid: number, day: number, test: number, value: number): void {
    const t = this.labs
    const k = t.n
    t.c0[k] = pid
    t.c1[k] = day
    t.c2[k] = test
    t.c3[k] = value
    t.commit()
  }

  async create(con: DuckDBConnection): Promise<void> {
    for (const s of this.all) await con.run(s.createSql())
  }

  async open(con: DuckDBConnection): Promise<void> {
    for (const s of this.all) await s.open(con)
  }

  close(): void {
    for (const s of this.all) s.close()
  }

  /**
   * Move the batch into the final tables, then replace the staging tables with empty ones (frees
   * memory). One multi-statement call: awaiting each statement would need the event loop, which
   * the generator keeps busy, so only the first statement would overlap with generation.
   */
  async load(con: DuckDBConnection): Promise<void> {
    const statements = this.all.flatMap((s) => [
      ...(s.rows > 0 ? [s.insertSql()] : []),
      `DROP TABLE stage.${s.table}`,
      s.createSql()
    ])
    await con.run(statements.join(';\n'))
  }
}

/** generated_at: a fixed instant in April 2025 chosen by the seed, so the output never depends on the clock. */
export function nominalGeneratedAt(seed: number | string): Date {
  const [a, b] = seedWords(seed)
  const seconds = hashWords(a, b, 0x6174) % (30 * 86_400)
  return new Date(Date.UTC(2025, 3, 1) + seconds * 1000)
}

export async function generateSyntheticDataset(
  options: GenerateSyntheticDatasetOptions
): Promise<GenerateSyntheticDatasetResult> {
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  const path = resolve(options.path)
  const generator = new SyntheticGenerator({ patients: options.patients, seed: options.seed })
  const batch = options.batchPatients ?? 50_000
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batchPatients must be a positive integer: ${batch}`)
  if (existsSync(path) && !options.overwrite) throw new Error(`${path} already exists`)
  mkdirSync(dirname(path), { recursive: true })
  const partial = `${path}.partial-${process.pid}`
  removeDatabase(partial)

  const config: Record<string, string> = { preserve_insertion_order: 'true' }
  if (options.threads !== undefined) config.threads = String(options.threads)
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit
  const instance = await DuckDBInstance.create(partial, config)
  const counts = new Map<string, number>(TABLES.map((t) => [t.name, 0]))
  let pending: Promise<void> | undefined
  let ok = false
  try {
    const con = await instance.connect()
    const loader = await instance.connect()
    for (const t of TABLES) for (const sql of ddl(t)) await con.run(sql)
    await con.run(`ATTACH ':memory:' AS stage`)
    const buffers = [new StageSet(0), new StageSet(1)]
    for (const b of buffers) await b.create(con)

    let turn = 0
    let first = true
    while (!generator.done) {
      const set = buffers[turn]!
      await set.open(con)
      if (first) generator.emitFacilities(set)
      first = false
      generator.emitPatients(batch, set)
      set.close()
      for (const s of set.all) counts.set(s.spec.name, counts.get(s.spec.name)! + s.rows)
      if (pending) await pending
      pending = set.load(loader)
      turn ^= 1
      options.onProgress?.({ patients: generator.counts.patients, total: generator.patients, seconds: elapsed() })
    }
    if (pending) await pending
    pending = undefined

    const icd = await con.createAppender('icd10_codes')
    for (const c of ICD10) {
      icd.appendVarchar(c.code)
      icd.appendVarchar(c.en)
      icd.appendVarchar(c.ja)
      icd.endRow()
    }
    icd.closeSync()
    counts.set('icd10_codes', ICD10.length)

    const name = options.name ?? `Synthetic Japanese claims and EHR, ${options.patients} patients`
    const generatedAt = nominalGeneratedAt(options.seed).toISOString().replace('T', ' ').replace('Z', '')
    await con.run(
      `INSERT INTO dataset_info VALUES (${[
        sqlString(name),
        sqlString(GENERATOR_VERSION),
        sqlString(String(options.seed)),
        String(options.patients),
        sqlString(MONTHS[0]!),
        sqlString(MONTHS[MONTHS.length - 1]!),
        `TIMESTAMP ${sqlString(generatedAt)}`,
        'true'
      ].join(', ')})`
    )
    counts.set('dataset_info', 1)
    for (const sql of marksSql('main', columnMarks())) await con.run(sql)

    await con.run('DETACH stage')
    await con.run('CHECKPOINT')
    loader.closeSync()
    con.closeSync()
    ok = true
  } finally {
    // Never close the database under a running load.
    if (pending) await pending.catch(() => {})
    instance.closeSync()
    if (!ok) removeDatabase(partial)
  }
  if (options.overwrite) removeDatabase(path)
  renameSync(partial, path)
  return { path, tables: TABLES.map((t) => ({ name: t.name, rows: counts.get(t.name)! })), seconds: elapsed() }
}

function removeDatabase(path: string): void {
  rmSync(path, { force: true })
  rmSync(`${path}.wal`, { force: true })
}
