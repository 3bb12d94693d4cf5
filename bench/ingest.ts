/**
 * Ingest benchmark: writes the raw, identifiable form of a synthetic dataset (1M patients by
 * default) to a temp directory, pseudonymizes it with `ingestDataset` under a random project key,
 * and reports rows per second overall and per table (source rows read over the time spent on that
 * table: its person-key pass and its write), with the time to make the pseudonyms in between.
 *
 *   npx tsx bench/ingest.ts [--patients 1000000] [--seed 42] [--format parquet|csv] [--keep]
 * Writes bench/results/ingest.json.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateRawDataset, ingestDataset, INGEST_VERSION, loadIngestSpec } from '../server/src/datasets/index.js'

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '42' },
    format: { type: 'string', default: 'parquet' },
    keep: { type: 'boolean', default: false }
  }
})
const patients = Number(values.patients)
const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed
const format = values.format === 'csv' ? 'csv' : 'parquet'
const dir = mkdtempSync(join(tmpdir(), 'vre-bench-ingest-'))
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

console.log(`writing the raw form of ${patients.toLocaleString('en')} patients as ${format} to ${dir}`)
let last = 0
const raw = await generateRawDataset({
  dir: join(dir, 'raw'),
  patients,
  seed,
  format,
  onProgress: ({ patients: done, total, seconds }) => {
    if (seconds - last >= 20 || done === total) {
      last = seconds
      console.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} patients, ${seconds.toFixed(1)} s`)
    }
  }
})
const rawMB = raw.files.reduce((s, f) => s + statSync(f.path).size, 0)
console.log(`raw files: ${mb(rawMB)} MB in ${raw.seconds.toFixed(1)} s, ${raw.optedOut} people opted out`)

const loadBefore = loadavg()[0]!
const path = join(dir, 'ingested.duckdb')
let step = performance.now()
const result = await ingestDataset({
  spec: loadIngestSpec(raw.spec),
  path,
  key: randomBytes(32),
  name: `bench-${patients}`,
  onProgress: (message) => {
    const now = performance.now()
    console.log(`  +${((now - step) / 1000).toFixed(1)} s, now ${message}`)
    step = now
  }
})
const loadAfter = loadavg()[0]!
const tableSeconds = result.tables.reduce((s, t) => s + t.seconds, 0)

const run = {
  patients,
  format,
  persons: result.persons,
  optOut: result.optOut,
  sourceRows: result.sourceRows,
  rows: result.rows,
  seconds: round(result.seconds),
  rowsPerSecond: Math.round(result.sourceRows / result.seconds),
  /** Time not spent on any one table: reading the spec's sources' columns, making pseudonyms, writing dataset_info. */
  otherSeconds: round(result.seconds - tableSeconds),
  rawMB: mb(rawMB),
  outputMB: mb(statSync(path).size),
  maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
  loadAverage1m: { before: round(loadBefore), after: round(loadAfter) },
  tables: Object.fromEntries(
    result.tables.map((t) => [
      t.name,
      {
        sourceRows: t.sourceRows,
        rows: t.rows,
        optedOutRows: t.optedOutRows,
        seconds: round(t.seconds),
        rowsPerSecond: Math.round(t.sourceRows / Math.max(t.seconds, 1e-6))
      }
    ])
  )
}

console.log('')
console.log(
  `ingest of ${patients.toLocaleString('en')} patients (${format}): ${result.sourceRows.toLocaleString('en')} rows ` +
    `in ${run.seconds} s = ${run.rowsPerSecond.toLocaleString('en')} rows/s; ${result.persons.toLocaleString('en')} ` +
    `people kept, ${result.optOut?.removedPersons ?? 0} opted out; ${run.outputMB} MB out (peak RSS ${run.maxRssMB} MB)`
)
for (const [name, t] of Object.entries(run.tables)) {
  console.log(
    `  ${name.padEnd(16)} ${t.sourceRows.toLocaleString('en').padStart(12)} rows ${String(t.seconds).padStart(7)} s ` +
      `${t.rowsPerSecond.toLocaleString('en').padStart(12)} rows/s`
  )
}

const out = {
  benchmark: 'dataset-ingest',
  method: INGEST_VERSION,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryMB: mb(totalmem()), node: process.version },
  settings: { seed, patients, format, rawGenerationSeconds: round(raw.seconds) },
  runs: [run]
}
const results = resolve(dirname(fileURLToPath(import.meta.url)), 'results')
mkdirSync(results, { recursive: true })
writeFileSync(join(results, 'ingest.json'), `${JSON.stringify(out, null, 2)}\n`)
if (values.keep) console.log(`files kept in ${dir}`)
else rmSync(dir, { recursive: true, force: true })
