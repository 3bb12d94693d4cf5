/**
 * Session start benchmark on the real engine: API call to the first shell prompt in the terminal
 * WebSocket, p50 and p95, under runc and runsc, next to the floor (create + start + exec of the same image and launch spec straight
 * through dockerode, no gateway) as a ratio measured in the same run with alternating rounds; then
 * 10 simultaneous starts, memory per idle sandbox, and start time against dataset size.
 *
 *   npx tsx bench/session-start.ts [--rounds 10] [--large-patients 1000000]
 * Writes bench/results/session-start.json. Goals (2 cores): ratio <= 1.3, p95 <= 1.5 s under runsc,
 * 10 simultaneous starts all usable within 10 s.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { containerOptions, DockerDriver } from '../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime } from '../server/src/sandbox/driver.js'
import { sandboxSpec } from '../server/src/sessions/session-service.js'
import { benchGateway, startThroughGateway, stopThroughGateway, syntheticDataset } from './bench-gateway.js'
import { rawShell } from './raw-shell.js'

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

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
const round3 = (x: number) => Math.round(x * 1000) / 1000

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

  const entry = {
    gateway: { p50: round3(pct(ours, 50)), p95: round3(pct(ours, 95)), samples: ours.map(round3) },
    floor: { p50: round3(pct(floor, 50)), p95: round3(pct(floor, 95)), samples: floor.map(round3) },
    ratioP50: round3(pct(ours, 50) / pct(floor, 50)),
    tenSimultaneous: { allUsableSeconds: round3(allUsable), slowest: round3(Math.max(...ten.map((s) => s.seconds))) },
    idleSandboxMemoryMiB: memoryBytes === null ? null : round3(memoryBytes / 1024 / 1024)
  }
  results[runtime] = entry
  console.log(
    `${runtime}: gateway p50 ${entry.gateway.p50} s p95 ${entry.gateway.p95} s | floor p50 ${entry.floor.p50} s | ratio ${entry.ratioP50} | ` +
      `10 at once usable in ${entry.tenSimultaneous.allUsableSeconds} s | idle sandbox ${entry.idleSandboxMemoryMiB} MiB`
  )
  await g.app.close()
}

// start time against dataset size (runsc, the default policy runtime)
const sizes: { patients: number; fileMiB: number; seconds: number[] }[] = []
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
  const seconds: number[] = []
  for (let i = 0; i < 3; i++) {
    const s = await startThroughGateway(g)
    seconds.push(round3(s.seconds))
    await stopThroughGateway(g, s.id)
  }
  sizes.push({ patients, fileMiB: round3(fileMiB), seconds })
  console.log(`runsc, ${patients} patients (${fileMiB.toFixed(0)} MiB): start ${seconds.join(', ')} s`)
  await g.app.close()
}
results.datasetSize = sizes

const out = {
  benchmark: 'session-start',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  settings: { rounds },
  goals: { ratioP50: 1.3, runscP95Seconds: 1.5, tenSimultaneousSeconds: 10 },
  ...results
}
mkdirSync(resolve(PROJECT_ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(resolve(PROJECT_ROOT, 'bench', 'results', 'session-start.json'), `${JSON.stringify(out, null, 2)}\n`)
rmSync(work, { recursive: true, force: true })
