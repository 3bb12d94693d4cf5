/**
 * Synthetic dataset generation benchmark: writes datasets of 1k, 100k and 1M patients to a temp
 * directory and reports wall time, rows per second and file size for each, with per-table row counts.
 *
 *   npx tsx bench/dataset.ts [--sizes 1000,100000,1000000] [--seed 42] [--keep]
 * Writes bench/results/dataset.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateSyntheticDataset, GENERATOR_VERSION } from '../server/src/datasets/index.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,100000,1000000' },
    seed: { type: 'string', default: '42' },
    keep: { type: 'boolean', default: false }
  }
})
const sizes = values.sizes.split(',').map(Number)
const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed
const dir = mkdtempSync(join(tmpdir(), 'vre-bench-dataset-'))
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10

const runs = []
for (const patients of sizes) {
  const path = join(dir, `synthetic-${patients}.duckdb`)
  // The machine may be shared: the load average says how much else was running.
  const loadBefore = loadavg()[0]!
  let last = 0
  const result = await generateSyntheticDataset({
    path,
    patients,
    seed,
    onProgress: ({ patients: done, total, seconds }) => {
      if (seconds - last >= 10 || done === total) {
        last = seconds
        console.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} patients, ${seconds.toFixed(1)} s`)
      }
    }
  })
  const rows = result.tables.reduce((s, t) => s + t.rows, 0)
  const run = {
    patients,
    seconds: Math.round(result.seconds * 100) / 100,
    rows,
    rowsPerSecond: Math.round(rows / result.seconds),
    patientsPerSecond: Math.round(patients / result.seconds),
    fileMB: mb(statSync(path).size),
    maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
    loadAverage1m: { before: Math.round(loadBefore * 100) / 100, after: Math.round(loadavg()[0]! * 100) / 100 },
    tables: Object.fromEntries(result.tables.map((t) => [t.name, t.rows]))
  }
  runs.push(run)
  console.log(
    `${patients.toLocaleString('en')} patients: ${run.seconds} s, ${rows.toLocaleString('en')} rows, ` +
      `${run.rowsPerSecond.toLocaleString('en')} rows/s, ${run.fileMB} MB (peak RSS so far ${run.maxRssMB} MB)`
  )
  if (!values.keep) rmSync(path, { force: true })
}

const result = {
  benchmark: 'synthetic-dataset-generation',
  generator: GENERATOR_VERSION,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryMB: mb(totalmem()), node: process.version },
  settings: { seed, sizes },
  runs
}
const out = resolve(dirname(fileURLToPath(import.meta.url)), 'results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'dataset.json'), `${JSON.stringify(result, null, 2)}\n`)
if (values.keep) console.log(`datasets kept in ${dir}`)
else rmSync(dir, { recursive: true, force: true })
