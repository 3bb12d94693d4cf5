/**
 * Disclosure check benchmark: `checkOutput` on a 100,000-cell CSV (10,000 rows x 10 columns of
 * grouped counts by prefecture, age band, sex, year and ICD-10 chapter, with some small cells and
 * zeros), with the individuals behind each row and one earlier release to difference against, as
 * the airlock calls it. Timed end to end: SHA-256, parsing, classification, every rule; then as
 * the gateway runs it, a round on its checks thread (the earlier release parsed there too, bytes
 * and reports copied across). Goal: p50 <= 1 s (reported, not asserted).
 *
 *   npx tsx bench/disclosure.ts [--rows 10000] [--rounds 20]
 * Writes bench/results/disclosure.json.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { ChecksThread } from '../server/src/airlock/checks-thread.js'
import { checkOutput, parseTable, resolveAirlockParams } from '../server/src/airlock/disclosure/index.js'
import { hashWords } from '../server/src/datasets/synthetic/prng.js'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '20' }
  }
})
const rowCount = Number(values.rows)
const rounds = Number(values.rounds)

/** Deterministic noise in [0, 1) per (row, salt), so every run checks the same file. */
const noise = (row: number, salt: number) => hashWords(row, salt) / 0x1_0000_0000

const AGE_BANDS = ['0-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80-89', '90+']
const CHAPTERS = ['I', 'II', 'IV', 'V', 'IX', 'X', 'XI', 'XIII', 'XIV', 'XIX']

function makeCsv(rows: number, shift: number): { csv: string; individuals: number[] } {
  const lines = [
    '都道府県コード,age_band,sex,year,icd10_chapter,n_patients,n_claims,mean_points,rate_per_1000,total_cost_yen'
  ]
  const individuals: number[] = []
  for (let r = 0; r < rows; r++) {
    const pref = String((r % 47) + 1).padStart(2, '0')
    const age = AGE_BANDS[Math.floor(r / 47) % AGE_BANDS.length]!
    const sex = Math.floor(r / 470) % 2 === 0 ? 'M' : 'F'
    const year = 2015 + (Math.floor(r / 940) % 10)
    const chapter = CHAPTERS[Math.floor(r / 9400) % CHAPTERS.length]!
    // Heavy-tailed group sizes: most cells are large, about one in twenty is 1-9, a few are 0.
    const u = noise(r, 1)
    const patients =
      u < 0.01 ? 0 : u < 0.06 ? 1 + Math.floor(noise(r, 2) * 9) : Math.floor(10 + Math.exp(noise(r, 3) * 8))
    const shifted = noise(r, 4) < 0.01 ? patients + shift : patients
    const claims = patients * (1 + Math.floor(noise(r, 5) * 6))
    const meanPoints = patients === 0 ? 0 : 800 + noise(r, 6) * 4000
    const rate = (shifted / 1000) * (1 + noise(r, 7))
    lines.push(
      [
        pref,
        age,
        sex,
        year,
        chapter,
        shifted,
        claims,
        meanPoints.toFixed(1),
        rate.toFixed(3),
        Math.round(meanPoints * claims * 10)
      ].join(',')
    )
    individuals.push(noise(r, 8) < 0.02 ? Math.max(1, Math.floor(patients / 10)) : shifted)
  }
  return { csv: `${lines.join('\n')}\n`, individuals }
}

const params = resolveAirlockParams({ preset: 'ndb-japan' })
const current = makeCsv(rowCount, 3)
const earlier = makeCsv(rowCount, 0)
const bytes = Buffer.from(current.csv)
const sha256 = createHash('sha256').update(bytes).digest('hex')
const earlierBytes = Buffer.from(earlier.csv)
const evidence = {
  individualsPerRow: current.individuals,
  earlierReleases: [
    {
      name: 'last-year.csv',
      sha256: createHash('sha256').update(earlierBytes).digest('hex'),
      table: parseTable(earlierBytes, { format: 'csv' })
    }
  ]
}
const run = () => checkOutput({ name: 'claims-by-group.csv', bytes, sha256, evidence, params })

// warm-up: JIT
for (let i = 0; i < 3; i++) run()

const times: number[] = []
const parseTimes: number[] = []
let last = run()
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now()
  last = run()
  times.push(performance.now() - t0)
  const t1 = performance.now()
  parseTable(bytes, { format: 'csv' })
  parseTimes.push(performance.now() - t1)
}
// as the gateway runs it: the round on the checks thread, the earlier release parsed there too,
// bytes and reports copied across the thread boundary
const thread = new ChecksThread()
const job = {
  params,
  files: [{ name: 'claims-by-group.csv', sha256, bytes, evidence: { individualsPerRow: current.individuals } }],
  earlier: [{ name: 'last-year.csv', sha256: evidence.earlierReleases[0]!.sha256, bytes: earlierBytes }]
}
for (let i = 0; i < 3; i++) await thread.run(job)
const threadTimes: number[] = []
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now()
  await thread.run(job)
  threadTimes.push(performance.now() - t0)
}
await thread.close()

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
const p50 = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!
const round = (ms: number) => Math.round(ms * 10) / 10
const columns = last.table!.columns.length
const result = {
  benchmark: 'disclosure-check',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  settings: { rows: rowCount, columns, cells: rowCount * columns, bytes: bytes.length, rounds, preset: params.preset },
  checkOutputMs: { rounds: times.map(round), p50: round(p50(times)), max: round(Math.max(...times)) },
  parseTableMs: { p50: round(p50(parseTimes)), max: round(Math.max(...parseTimes)) },
  /** the gateway's way: the round on the checks thread (parsing the earlier release included) */
  checksThreadMs: { p50: round(p50(threadTimes)), max: round(Math.max(...threadTimes)) },
  outcome: last.outcome,
  results: last.results.map((r) => ({ rule: r.rule, outcome: r.outcome, cells: r.cells.length })),
  goalMs: 1000,
  meetsGoal: p50(times) <= 1000
}
console.log(
  `${rowCount} rows x ${columns} columns (${(bytes.length / 2 ** 20).toFixed(1)} MiB), ${rounds} rounds: checkOutput p50 ${result.checkOutputMs.p50} ms, max ${result.checkOutputMs.max} ms (goal <= 1000 ms); parsing alone p50 ${result.parseTableMs.p50} ms`
)
console.log(
  `  on the gateway's checks thread (earlier release parsed there too): p50 ${result.checksThreadMs.p50} ms, max ${result.checksThreadMs.max} ms`
)
for (const r of result.results) console.log(`  ${r.rule.padEnd(13)} ${r.outcome.padEnd(7)} ${r.cells} cells`)
const out = resolve(PROJECT_ROOT, 'bench', 'results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'disclosure.json'), `${JSON.stringify(result, null, 2)}\n`)
