/**
 * The airlock's individual recount on the real engine (runsc): `vre-recount` replays a notebook
 * query in the requester's sandbox with count(DISTINCT person_id) added, next to the floor, the
 * same query run once in a fresh DuckDB in the same sandbox (`vre-query`). Alternating rounds, for
 * the demo dataset (2,000 patients) and a large one (1M patients, generated once and cached).
 *
 *   npx tsx bench/airlock.ts [--rounds 3] [--large-patients 1000000] [--skip-large]
 * Writes bench/results/airlock.json. The disclosure checks themselves: bench/disclosure.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { DockerDriver } from '../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../server/src/sandbox/driver.js'
import { benchGateway, syntheticDataset } from './bench-gateway.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'large-patients': { type: 'string', default: '1000000' },
    'skip-large': { type: 'boolean', default: false }
  }
})
const ROUNDS = Number(values.rounds)
const QUERY =
  'select p.sex, c.claim_type, count(*) as claims from claims c join patients p using (person_id) group by all order by 1, 2'
const driver = new DockerDriver()
const work = mkdtempSync(join(tmpdir(), 'vre-bench-airlock-'))
const r3 = (x: number) => Math.round(x * 1000) / 1000
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const sizes = values['skip-large'] ? [2000] : [2000, Number(values['large-patients'])]
const results: Record<string, unknown>[] = []
for (const patients of sizes) {
  const file = await syntheticDataset(patients)
  const fileMiB = statSync(file).size / 1024 / 1024
  const g = await benchGateway({
    driver,
    work,
    runtime: 'runsc',
    datasetFile: file,
    dataMiB: Math.ceil(fileMiB * 1.2) + 64
  })
  const auth = { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' }
  const started = await fetch(`${g.url}/api/v1/sessions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ projectId: g.projectId })
  })
  const sessionId = ((await started.json()) as { id: string }).id
  await g.app.sessions.settle()
  const session = (await g.app.sessions.get(sessionId))!
  if (session.state !== 'running') throw new Error(`the session is ${session.state}: ${session.reason}`)
  const sandboxId = session.sandboxId!

  const floor: number[] = []
  const recount: number[] = []
  let groups = 0
  let individuals = 0
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now()
    const plain = await runInSandbox(driver, sandboxId, { cmd: ['vre-query', QUERY] })
    floor.push((performance.now() - t) / 1000)
    if (plain.exitCode !== 0) throw new Error(`vre-query failed: ${plain.stdout} ${plain.stderr}`)
    t = performance.now()
    const counted = await runInSandbox(driver, sandboxId, {
      cmd: ['vre-recount'],
      input: JSON.stringify({ source: QUERY, personColumn: 'person_id' })
    })
    recount.push((performance.now() - t) / 1000)
    const out = JSON.parse(counted.stdout) as { ok: boolean; reason?: string; individuals?: number[] }
    if (!out.ok) throw new Error(`vre-recount: ${out.reason}`)
    groups = out.individuals!.length
    individuals = out.individuals!.reduce((a, b) => a + b, 0)
  }
  const entry = {
    patients,
    fileMiB: r3(fileMiB),
    groups,
    individualsCounted: individuals,
    floorSeconds: floor.map(r3),
    recountSeconds: recount.map(r3),
    ratioMedian: r3(median(recount) / median(floor))
  }
  results.push(entry)
  console.log(
    `${patients} patients: recount ${entry.recountSeconds.join(', ')} s vs the query alone ${entry.floorSeconds.join(', ')} s (x${entry.ratioMedian}), ${groups} groups`
  )
  await g.app.sessions.stop(sessionId, 'bench over', { actor: 'bench', sourceIp: null })
  await g.app.close()
}

const out = {
  benchmark: 'airlock',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  settings: { rounds: ROUNDS, query: QUERY, runtime: 'runsc' },
  recount: results
}
mkdirSync(resolve(PROJECT_ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(resolve(PROJECT_ROOT, 'bench', 'results', 'airlock.json'), `${JSON.stringify(out, null, 2)}\n`)
rmSync(work, { recursive: true, force: true })
