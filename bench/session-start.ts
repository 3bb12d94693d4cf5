/**
 * Session start benchmark on the real engine: API call to the first shell prompt in the terminal
 * WebSocket, p50 and p95, under runc and runsc, next to the floor (create + start + exec of the same image and launch spec straight
 * through dockerode, no gateway) as a ratio measured in the same run with alternating rounds; then
 * 10 simultaneous starts, memory per idle sandbox, and start time against dataset size.
 *
 *   npx tsx bench/session-start.ts [--rounds 10] [--large-patients 1000000]
 * Writes bench/results/session-start.json. Goals (2 cores): ratio <= 1.3, p95 <= 1.5 s under runsc,
 * 10 simultaneous starts all usable within 10 s; a start with the large dataset within 1.2x of one
 * with 2,000 patients (the dataset decrypted once per host, then shared); the first Python cell
 * after the session runs within 1 s (p95).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { containerOptions, DockerDriver } from '../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime } from '../server/src/sandbox/driver.js'
import { sandboxSpec } from '../server/src/sessions/session-service.js'
import {
  benchGateway,
  cellThroughGateway,
  startThroughGateway,
  stopThroughGateway,
  syntheticDataset
} from './bench-gateway.js'
import { rawShell } from './raw-shell.js'
import { pct, round3 } from './stats.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    'large-patients': { type: 'string', default: '1000000' },
    'skip-large': { type: 'boolean', default: false }
  }
})
const rounds = Number(values.rounds)
const largePatients = Number(values['large-patients'])
const driver = new DockerDriver()
const work = mkdtempSync(join(tmpdir(), 'vre-bench-start-'))

/**
 * The floor's prompt: a TTY bash exec'd straight through the engine as the researcher (through
 * vre-confine under gVisor, as the gateway would run it), waited on until it prints its prompt.
 */
async function firstPrompt(id: string, runtime: SandboxRuntime): Promise<void> {
  const stream = await rawShell(driver, id, runtime, ['-i'])
  await new Promise<void>((resolvePrompt, reject) => {
    let seen = ''
    const timer = setTimeout(
      () => reject(new Error(`no prompt within 30 s: ${JSON.stringify(seen.slice(-200))}`)),
      30_000
    )
    stream.on('data', (c: Buffer) => {
      seen += c.toString('utf8')
      if (/researcher@vre:[^\r\n]*\$ /.test(seen)) {
        clearTimeout(timer)
        resolvePrompt()
      }
    })
  })
  stream.end('exit\n')
}

/** The floor: the same image and launch spec through dockerode, nothing else. */
async function startRaw(runtime: SandboxRuntime, i: number): Promise<{ seconds: number; id: string }> {
  const spec = sandboxSpec(
    { id: `floor-${process.pid}-${i}`, userId: 'bench', projectId: 'bench', createdAt: new Date().toISOString() },
    'bench-floor',
    {
      ...(await import('../server/src/policy/load.js')).loadPolicyFile(
        resolve(PROJECT_ROOT, 'policies', 'default.yaml')
      ).sandbox,
      runtime
    },
    {}
  )
  const t0 = performance.now()
  const c = await driver.docker.createContainer(
    containerOptions({ ...spec, name: `${spec.name}-${Date.now()}` }, driver.seccompProfile())
  )
  await c.start()
  await firstPrompt(c.id, runtime)
  return { seconds: (performance.now() - t0) / 1000, id: c.id }
}


const demoFile = await syntheticDataset(2000)
const results: Record<string, unknown> = {}

for (const runtime of ['runc', 'runsc'] as const) {
  const g = await benchGateway({ driver, work, runtime, datasetFile: demoFile, dataMiB: 256 })
  await stopThroughGateway(g, (await startThroughGateway(g)).id) // warm-up
  await driver.stop((await startRaw(runtime, -1)).id)
  const ours: number[] = []
  const floor: number[] = []
  for (let i = 0; i < rounds; i++) {
    const raw = await startRaw(runtime, i)
    floor.push(raw.seconds)
    await driver.stop(raw.id)
    const s = await startThroughGateway(g)
    ours.push(s.seconds)
    await stopThroughGateway(g, s.id)
  }
  // memory of an idle sandbox
  const idle = await startThroughGateway(g)
  await new Promise((r) => setTimeout(r, 3000))
  const memoryBytes = (await driver.stats(idle.sandboxId))?.memoryBytes ?? null
  await stopThroughGateway(g, idle.id)
  // 10 at once
  const t0 = performance.now()
  const ten = await Promise.all(Array.from({ length: 10 }, () => startThroughGateway(g)))
  const allUsable = (performance.now() - t0) / 1000
  await Promise.all(ten.map((s) => stopThroughGateway(g, s.id)))
  // the first Python cell once the session runs and its prompt is there: the kernel started with it
  const firstPython: number[] = []
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    const s = await startThroughGateway(g)
    const cell = await cellThroughGateway(g, s.id, 'python', '1 + 1')
    if (cell.status !== 'ok') throw new Error(`the first Python cell failed: ${JSON.stringify(cell.outputs)}`)
    firstPython.push(cell.seconds)
    await stopThroughGateway(g, s.id)
  }

  const entry = {
    gateway: { p50: round3(pct(ours, 50)), p95: round3(pct(ours, 95)), samples: ours.map(round3) },
    floor: { p50: round3(pct(floor, 50)), p95: round3(pct(floor, 95)), samples: floor.map(round3) },
    ratioP50: round3(pct(ours, 50) / pct(floor, 50)),
    tenSimultaneous: { allUsableSeconds: round3(allUsable), slowest: round3(Math.max(...ten.map((s) => s.seconds))) },
    idleSandboxMemoryMiB: memoryBytes === null ? null : round3(memoryBytes / 1024 / 1024),
    firstPythonCell: { p50: round3(pct(firstPython, 50)), p95: round3(pct(firstPython, 95)), samples: firstPython.map(round3) }
  }
  results[runtime] = entry
  console.log(
    `${runtime}: gateway p50 ${entry.gateway.p50} s p95 ${entry.gateway.p95} s | floor p50 ${entry.floor.p50} s | ratio ${entry.ratioP50} | ` +
      `10 at once usable in ${entry.tenSimultaneous.allUsableSeconds} s | idle sandbox ${entry.idleSandboxMemoryMiB} MiB | ` +
      `first Python cell p50 ${entry.firstPythonCell.p50} s p95 ${entry.firstPythonCell.p95} s`
  )
  await g.app.close()
}

// start time against dataset size (runsc, the default policy runtime). The first start on a host
// decrypts the dataset into memory once; every later one mounts that copy.
const sizes: {
  patients: number
  fileMiB: number
  firstStartSeconds: number
  later: { p50: number; p95: number; samples: number[] }
  queryCheck: string
}[] = []
const sizeList = values['skip-large'] ? [2000] : [2000, largePatients]
for (const patients of sizeList) {
  const file = await syntheticDataset(patients)
  const fileMiB = statSync(file).size / 1024 / 1024
  const g = await benchGateway({
    driver,
    work,
    runtime: 'runsc',
    datasetFile: file,
    dataMiB: Math.ceil(fileMiB * 1.2) + 64
  })
  const first = await startThroughGateway(g)
  const count = await cellThroughGateway(g, first.id, 'sql', 'select count(*) as n from patients')
  await stopThroughGateway(g, first.id)
  const later: number[] = []
  for (let i = 0; i < Math.max(5, Math.min(rounds, 10)); i++) {
    const s = await startThroughGateway(g)
    later.push(s.seconds)
    await stopThroughGateway(g, s.id)
  }
  const entry = {
    patients,
    fileMiB: round3(fileMiB),
    firstStartSeconds: round3(first.seconds),
    later: { p50: round3(pct(later, 50)), p95: round3(pct(later, 95)), samples: later.map(round3) },
    queryCheck: JSON.stringify(count.outputs).slice(0, 120)
  }
  sizes.push(entry)
  console.log(
    `runsc, ${patients} patients (${fileMiB.toFixed(0)} MiB): first start on the host ${entry.firstStartSeconds} s, ` +
      `later starts p50 ${entry.later.p50} s p95 ${entry.later.p95} s`
  )
  await g.app.close()
}
results.datasetSize = sizes
if (sizes.length === 2) {
  results.largeToSmallRatioP50 = round3(sizes[1]!.later.p50 / sizes[0]!.later.p50)
  console.log(`start with ${largePatients} patients against 2000: ${String(results.largeToSmallRatioP50)}x (goal <= 1.2)`)
}

const out = {
  benchmark: 'session-start',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  settings: { rounds },
  goals: {
    ratioP50: 1.3,
    runscP95Seconds: 1.5,
    tenSimultaneousSeconds: 10,
    largeToSmallRatioP50: 1.2,
    firstPythonCellP95Seconds: 1
  },
  ...results
}
mkdirSync(resolve(PROJECT_ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(resolve(PROJECT_ROOT, 'bench', 'results', 'session-start.json'), `${JSON.stringify(out, null, 2)}\n`)
rmSync(work, { recursive: true, force: true })
