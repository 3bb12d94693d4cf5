/**
 * Encryption at rest, what it costs:
 *   1. Session start through the gateway (API call to `running`, and to the first prompt) with the
 *      project's dataset encrypted at rest against the same dataset in plaintext, at 2k and 1M
 *      patients. A start mounts the dataset read-only from the host's one decrypted copy; the
 *      plaintext kind is the same gateway and launch with the mount's source swapped for a read-only
 *      plaintext file on disk, so only what encryption adds differs. Measured twice: starts that find
 *      the copy on the host (every start but the first after the copy went unused for its linger
 *      time), and first starts (the copy removed before each, so the start decrypts the dataset).
 *      One gateway per size; the kinds alternate round by round (ABBA) in one process.
 *   2. Ingest throughput: raw files to a registered-style file on disk, with encryption (DuckDB
 *      written in memory-backed storage, then encrypted into the data directory, as registration
 *      does) against without (DuckDB written straight to disk, the way before encryption).
 *
 *   npx tsx bench/at-rest.ts [--rounds 10] [--large-rounds 3] [--large-patients 1000000] [--skip-large]
 *       [--runtime runsc] [--ingest-patients 2000,1000000] [--skip-start] [--out at-rest.json]
 * Writes bench/results/at-rest.json (or --out). Goal: encrypted start within 10% of plaintext (ratio <= 1.1).
 */
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { withMemoryDir } from '../server/src/datasets/at-rest.js'
import { generateRawDataset, ingestDataset, loadIngestSpec } from '../server/src/datasets/index.js'
import { writeEncryptedFile } from '../server/src/keys/encrypted-file.js'
import { DockerDriver } from '../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime, SandboxSpec } from '../server/src/sandbox/driver.js'
import { benchGateway, startThroughGateway, stopThroughGateway, syntheticDataset } from './bench-gateway.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    'large-rounds': { type: 'string', default: '3' },
    'large-patients': { type: 'string', default: '1000000' },
    'skip-large': { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'runsc' },
    'ingest-patients': { type: 'string', default: '2000,1000000' },
    'skip-start': { type: 'boolean', default: false },
    out: { type: 'string', default: 'at-rest.json' }
  }
})
const runtime = values.runtime as SandboxRuntime
const largePatients = Number(values['large-patients'])
const work = mkdtempSync(join(tmpdir(), 'vre-bench-at-rest-'))
const round3 = (x: number) => Math.round(x * 1000) / 1000
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const mib = (bytes: number) => round3(bytes / 2 ** 20)

/**
 * The engine, with a switch: in `plain` mode the dataset mounts the launch asked for come from the
 * plaintext dataset file instead of the host's decrypted copy.
 */
function switchableDriver(driver: DockerDriver) {
  const state: { plain: null | string } = { plain: null }
  const proxy = new Proxy(driver, {
    get(target, key, receiver) {
      if (key === 'start') {
        return (spec: SandboxSpec, seed?: Readable) => {
          const plain = state.plain
          if (plain === null) return target.start(spec, seed)
          return target.start({ ...spec, readOnlyFiles: spec.readOnlyFiles.map((f) => ({ ...f, source: plain })) }, seed)
        }
      }
      const value = Reflect.get(target, key, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { driver: proxy, state }
}

const p50s = (xs: { encrypted: number[]; plaintext: number[] }) => ({
  encryptedP50: round3(median(xs.encrypted)),
  plaintextP50: round3(median(xs.plaintext)),
  ratioP50: round3(median(xs.encrypted) / median(xs.plaintext)),
  encrypted: xs.encrypted,
  plaintext: xs.plaintext
})

async function sessionStart(patients: number, rounds: number) {
  const cached = await syntheticDataset(patients)
  const fileBytes = statSync(cached).size
  // the plaintext dataset as a mount wants it: a file nobody can write, on disk
  const plainFile = join(work, `plain-${patients}.duckdb`)
  copyFileSync(cached, plainFile)
  chmodSync(plainFile, 0o444)
  const engine = switchableDriver(new DockerDriver())
  const dataMiB = Math.ceil((fileBytes / 2 ** 20) * 1.2) + 64
  const g = await benchGateway({ driver: engine.driver, work, runtime, datasetFile: cached, dataMiB })
  const copyFound = { encrypted: [] as number[], plaintext: [] as number[] }
  const copyFoundRunning = { encrypted: [] as number[], plaintext: [] as number[] }
  const first = { encrypted: [] as number[], plaintext: [] as number[] }
  const once = async (kind: 'encrypted' | 'plaintext', decrypt: boolean) => {
    engine.state.plain = kind === 'plaintext' ? plainFile : null
    // a first start on the host: no copy there, so the start decrypts the dataset
    if (decrypt) await g.app.sessions.pruneDatasets({ lingerMs: 0 })
    const s = await startThroughGateway(g)
    await stopThroughGateway(g, s.id)
    return s
  }
  // warm-up, one of each
  await once('encrypted', false)
  await once('plaintext', false)
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['encrypted', 'plaintext'] as const) : (['plaintext', 'encrypted'] as const)
    for (const kind of order) {
      const s = await once(kind, false)
      copyFound[kind].push(round3(s.seconds))
      copyFoundRunning[kind].push(round3(s.runningSeconds))
    }
    for (const kind of order) first[kind].push(round3((await once(kind, kind === 'encrypted')).seconds))
  }
  await g.app.close()
  const entry = {
    patients,
    fileMiB: mib(fileBytes),
    registerSeconds: round3(g.registerSeconds),
    rounds,
    toRunning: p50s(copyFoundRunning),
    toPrompt: p50s(copyFound),
    firstStartOnHost: p50s(first)
  }
  console.log(
    `${patients} patients (${entry.fileMiB} MiB, ${runtime}): to the prompt p50 encrypted ${entry.toPrompt.encryptedP50} s, ` +
      `plaintext ${entry.toPrompt.plaintextP50} s, ratio ${entry.toPrompt.ratioP50}; the first start on a host ` +
      `(decrypting) ${entry.firstStartOnHost.encryptedP50} s against ${entry.firstStartOnHost.plaintextP50} s, ratio ${entry.firstStartOnHost.ratioP50}`
  )
  return entry
}

/** The raw form of `patients`, written once (seed 42, Parquet) and kept for later runs (ignored by git). */
async function rawDataset(patients: number): Promise<string> {
  const dir = resolve(PROJECT_ROOT, 'var', 'bench-datasets', `raw-${patients}`)
  if (!existsSync(join(dir, 'spec.yaml'))) {
    console.log(`writing the raw form of ${patients} patients ...`)
    rmSync(`${dir}.partial`, { recursive: true, force: true })
    await generateRawDataset({ dir: `${dir}.partial`, patients, seed: 42, format: 'parquet' })
    renameSync(`${dir}.partial`, dir)
  }
  return join(dir, 'spec.yaml')
}

async function ingestRun(spec: string, encrypted: boolean, out: string) {
  const key = randomBytes(32)
  const t0 = performance.now()
  let sourceRows = 0
  if (encrypted) {
    const dataKey = randomBytes(32)
    await withMemoryDir('bench-ingest', async (dir) => {
      const plain = join(dir, 'out.duckdb')
      sourceRows = (await ingestDataset({ spec: loadIngestSpec(spec), path: plain, key })).sourceRows
      await writeEncryptedFile(out, createReadStream(plain), 'bench-key', dataKey, 'dataset:bench')
    })
  } else {
    sourceRows = (await ingestDataset({ spec: loadIngestSpec(spec), path: out, key })).sourceRows
  }
  const seconds = (performance.now() - t0) / 1000
  const bytes = statSync(out).size
  rmSync(out, { force: true })
  return { seconds: round3(seconds), sourceRows, outputMiB: mib(bytes) }
}

async function ingestThroughput(patients: number) {
  const spec = await rawDataset(patients)
  const disk = mkdtempSync(join(work, 'ingest-'))
  const runs = patients <= 100_000 ? 3 : 1
  const by = {
    encrypted: [] as Awaited<ReturnType<typeof ingestRun>>[],
    plaintext: [] as Awaited<ReturnType<typeof ingestRun>>[]
  }
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false]
    for (const enc of order) {
      by[enc ? 'encrypted' : 'plaintext'].push(
        await ingestRun(spec, enc, join(disk, enc ? 'out.duckdb.enc' : 'out.duckdb'))
      )
    }
  }
  rmSync(disk, { recursive: true, force: true })
  const summary = (rs: Awaited<ReturnType<typeof ingestRun>>[]) => {
    const seconds = median(rs.map((r) => r.seconds))
    const rows = rs[0]!.sourceRows
    const outMiB = rs[0]!.outputMiB
    return {
      seconds: round3(seconds),
      rowsPerSecond: Math.round(rows / seconds),
      outputMiBPerSecond: round3(outMiB / seconds),
      outputMiB: outMiB,
      samples: rs.map((r) => r.seconds)
    }
  }
  const entry = {
    patients,
    runs,
    sourceRows: by.plaintext[0]!.sourceRows,
    encrypted: summary(by.encrypted),
    plaintext: summary(by.plaintext),
    ratioSeconds: round3(median(by.encrypted.map((r) => r.seconds)) / median(by.plaintext.map((r) => r.seconds)))
  }
  console.log(
    `ingest ${patients} patients: encrypted ${entry.encrypted.rowsPerSecond} rows/s, ${entry.encrypted.outputMiBPerSecond} MiB/s; ` +
      `plaintext ${entry.plaintext.rowsPerSecond} rows/s, ${entry.plaintext.outputMiBPerSecond} MiB/s; time ratio ${entry.ratioSeconds}`
  )
  return entry
}

/** The file format alone: encrypting and decrypting 256 MiB, MiB/s. */
async function formatThroughput() {
  return withMemoryDir('bench-format', async (dir) => {
    const plain = join(dir, 'plain')
    const enc = join(dir, 'enc')
    const bytes = 256 * 2 ** 20
    writeFileSync(plain, randomBytes(bytes))
    const key = randomBytes(32)
    let t0 = performance.now()
    await writeEncryptedFile(enc, createReadStream(plain), 'k', key, 'dataset:bench')
    const encryptS = (performance.now() - t0) / 1000
    const { readEncryptedFile } = await import('../server/src/keys/encrypted-file.js')
    t0 = performance.now()
    for await (const _ of readEncryptedFile(enc, () => key, 'dataset:bench')) void _
    const decryptS = (performance.now() - t0) / 1000
    return { mib: 256, encryptMiBPerSecond: round3(256 / encryptS), decryptMiBPerSecond: round3(256 / decryptS) }
  })
}

const format = await formatThroughput()
console.log(`format: encrypt ${format.encryptMiBPerSecond} MiB/s, decrypt ${format.decryptMiBPerSecond} MiB/s`)
const starts = []
if (!values['skip-start']) {
  starts.push(await sessionStart(2000, Number(values.rounds)))
  if (!values['skip-large']) starts.push(await sessionStart(largePatients, Number(values['large-rounds'])))
}
const ingest = []
for (const p of values['ingest-patients'].split(',').map(Number).filter((n) => n > 0)) {
  if (values['skip-large'] && p > 100_000) continue
  ingest.push(await ingestThroughput(p))
}

const out = {
  benchmark: 'at-rest',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryMB: Math.round(totalmem() / 2 ** 20), node: process.version },
  settings: { runtime, rounds: Number(values.rounds), largeRounds: Number(values['large-rounds']) },
  goals: { sessionStartRatioP50: 1.1 },
  format,
  sessionStart: starts,
  ingest
}
mkdirSync(resolve(PROJECT_ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(resolve(PROJECT_ROOT, 'bench', 'results', values.out), `${JSON.stringify(out, null, 2)}\n`)
rmSync(work, { recursive: true, force: true })
