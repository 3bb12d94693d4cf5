/**
 * Warm pool and capacity, on the real engine under runsc, with one project's dataset of
 * --patients (default 1M):
 * 1. warm start: API call to the first shell prompt when the start claims a pooled sandbox
 *    (p50/p95; goal p95 <= 300 ms), and the first Python cell right after it (goal p95 <= 1 s);
 * 2. --live N (default 100) concurrent idle sessions of the project (researchers of 20 sessions
 *    each, as the policy allows at most 20 per researcher): every one answers a query on the
 *    dataset, memory per idle session (the engine's figure, summed), the gateway's memory, the host's
 *    dataset copies, and start p95 with N live.
 *
 *   npx tsx bench/pool.ts [--rounds 10] [--patients 1000000] [--live 100]
 * Writes bench/results/pool.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, freemem, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { totpCode } from '../server/src/auth/totp.js'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { DEMO_PROJECT } from '../server/src/demo/seed.js'
import { createAccount } from '../server/src/identity/accounts.js'
import { setProjectMember } from '../server/src/identity/administration.js'
import { DockerDriver } from '../server/src/sandbox/docker-driver.js'
import {
  type BenchGateway,
  benchGateway,
  cellThroughGateway,
  startThroughGateway,
  stopThroughGateway,
  syntheticDataset
} from './bench-gateway.js'
import { pct, round3 } from './stats.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    patients: { type: 'string', default: '1000000' },
    live: { type: 'string', default: '100' }
  }
})
const rounds = Number(values.rounds)
const patients = Number(values.patients)
const liveTarget = Number(values.live)
const driver = new DockerDriver()
const work = mkdtempSync(join(tmpdir(), 'vre-bench-pool-'))
const MiB = 1024 * 1024
const summary = (xs: number[]) => ({ p50: round3(pct(xs, 50)), p95: round3(pct(xs, 95)), samples: xs.map(round3) })

async function poolReady(g: BenchGateway, n: number): Promise<void> {
  const deadline = Date.now() + 120_000
  while ((g.app.sessions.pool.members()[g.projectId]?.length ?? 0) < n) {
    if (Date.now() > deadline) throw new Error('the pool did not fill within 2 minutes')
    await new Promise((r) => setTimeout(r, 100))
  }
}

const file = await syntheticDataset(patients)
const fileMiB = statSync(file).size / MiB
const results: Record<string, unknown> = {}

// 1. warm starts
{
  const g = await benchGateway({
    driver,
    work,
    runtime: 'runsc',
    datasetFile: file,
    dataMiB: Math.ceil(fileMiB * 1.2) + 64,
    pool: { size: 1, idleMinutes: 30, activeMinutes: 60 }
  })
  // the project's first start is cold, and makes it active
  const cold = await startThroughGateway(g)
  await stopThroughGateway(g, cold.id)
  const warm: number[] = []
  const firstPython: number[] = []
  for (let i = 0; i < rounds; i++) {
    await poolReady(g, 1)
    // a quiet moment, as a researcher's click would find it
    await new Promise((r) => setTimeout(r, 500))
    const s = await startThroughGateway(g)
    warm.push(s.seconds)
    const cell = await cellThroughGateway(g, s.id, 'python', '1 + 1')
    if (cell.status !== 'ok') throw new Error(`the first Python cell failed: ${JSON.stringify(cell.outputs)}`)
    firstPython.push(cell.seconds)
    await stopThroughGateway(g, s.id)
  }
  const claimed = (await g.app.store.recentAudit(5000)).filter((r) => r.action === 'session.claimed').length
  results.warmStart = { ...summary(warm), claimed, rounds, coldSeconds: round3(cold.seconds) }
  results.firstPythonCellWarm = summary(firstPython)
  console.log(
    `warm start (claim to prompt): p50 ${round3(pct(warm, 50))} s p95 ${round3(pct(warm, 95))} s (${claimed}/${rounds} claimed; goal p95 <= 0.3 s) | ` +
      `first Python cell p50 ${round3(pct(firstPython, 50))} s p95 ${round3(pct(firstPython, 95))} s (goal p95 <= 1 s)`
  )
  await g.app.close()
}

// 2. N live idle sessions on one project
{
  const g = await benchGateway({ driver, work, runtime: 'runsc', datasetFile: file, dataMiB: Math.ceil(fileMiB * 1.2) + 64 })
  const project = (await g.app.store.getProjectByTitle(DEMO_PROJECT))!
  const first = (await g.app.store.getUserByUsername('researcher1'))!
  const org = (await g.app.store.getOrganization(first.organizationId!))!
  const tokens: string[] = []
  const by = { actor: 'bench', sourceIp: null }
  for (let i = 0; i < Math.ceil((liveTarget + 5) / 20); i++) {
    const made = await createAccount(
      g.app.store,
      g.app.keys,
      { username: `bench${i}`, displayName: `Bench ${i}`, organization: org.name, roles: ['researcher'] },
      by
    )
    await setProjectMember(g.app.store, project.id, made.user.id, true, { ...by, userId: null })
    const res = await fetch(`${g.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `bench${i}`, password: made.password, totp: totpCode(made.totpSecret, new Date()) })
    })
    tokens.push(((await res.json()) as { accessToken: string }).accessToken)
  }
  const live: { id: string; sandboxId: string; token: string }[] = []
  const startSeconds: number[] = []
  let refused: string | null = null
  for (let i = 0; i < liveTarget; i++) {
    const token = tokens[Math.floor(i / 20)]!
    try {
      const s = await startThroughGateway(g, token)
      startSeconds.push(s.seconds)
      live.push({ id: s.id, sandboxId: s.sandboxId, token })
    } catch (err) {
      refused = (err as Error).message
      console.log(`start ${i + 1} refused: ${refused}`)
      break
    }
    if ((i + 1) % 10 === 0) console.log(`  ${i + 1} live, last start ${round3(startSeconds.at(-1)!)} s, host free ${(freemem() / 1024 ** 3).toFixed(1)} GiB`)
  }
  // let them settle idle (kernels up), then read what they use
  await new Promise((r) => setTimeout(r, 20_000))
  let memory = 0
  for (const s of live) memory += (await driver.stats(s.sandboxId))?.memoryBytes ?? 0
  const gatewayRss = process.memoryUsage().rss
  const usable: number[] = []
  let failures = 0
  for (const s of live) {
    const cell = await cellThroughGateway(g, s.id, 'sql', 'select count(*) as n from patients', s.token)
    if (cell.status === 'ok' && JSON.stringify(cell.outputs).includes(String(patients))) usable.push(cell.seconds)
    else failures++
  }
  // starts with N live
  const more: number[] = []
  const extra = tokens.at(-1)!
  const extraIds: string[] = []
  for (let i = 0; i < 5; i++) {
    try {
      const s = await startThroughGateway(g, extra)
      more.push(s.seconds)
      extraIds.push(s.id)
    } catch (err) {
      console.log(`start with ${live.length} live refused: ${(err as Error).message}`)
      break
    }
  }
  const copies = g.app.sessions.hostCopies.usage()
  results.live = {
    target: liveTarget,
    reached: live.length,
    refusedAt: refused,
    usable: usable.length,
    failures,
    queryAllLive: summary(usable),
    startWhileFilling: summary(startSeconds),
    startWithAllLive: more.length > 0 ? summary(more) : null,
    memoryPerIdleSessionMiB: live.length > 0 ? round3(memory / live.length / MiB) : null,
    sandboxesMemoryGiB: round3(memory / 1024 ** 3),
    gatewayRssMiB: round3(gatewayRss / MiB),
    hostDatasetCopies: { copies: copies.copies, MiB: round3(copies.bytes / MiB) },
    hostFreeGiBWithAllLive: round3(freemem() / 1024 ** 3)
  }
  console.log(JSON.stringify(results.live, null, 1))
  for (const id of extraIds) await stopThroughGateway(g, id, extra)
  for (let i = 0; i < live.length; i += 10) {
    await Promise.all(live.slice(i, i + 10).map((s) => stopThroughGateway(g, s.id, s.token)))
  }
  await g.app.close()
}

const out = {
  benchmark: 'pool',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryGiB: round3(totalmem() / 1024 ** 3), node: process.version },
  settings: { runtime: 'runsc', rounds, patients, fileMiB: round3(fileMiB) },
  goals: { warmStartP95Seconds: 0.3, firstPythonCellP95Seconds: 1, live: liveTarget },
  ...results
}
mkdirSync(resolve(PROJECT_ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(resolve(PROJECT_ROOT, 'bench', 'results', 'pool.json'), `${JSON.stringify(out, null, 2)}\n`)
rmSync(work, { recursive: true, force: true })
