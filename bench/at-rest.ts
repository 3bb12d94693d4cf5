/**
 * Encryption at rest, what it costs:
 *   1. Session start through the gateway (API call to `running`, and to the first prompt) with the
 *      project's dataset encrypted at rest (decrypted as it streams into the sandbox) against the
 *      same dataset streamed as a plaintext seed file, at 2k and 1M patients. One gateway per size;
 *      the two kinds alternate round by round (ABBA) in one process. The plaintext kind is the same
 *      gateway and launch with the driver's seed swapped for a tar of the plaintext file (and the
 *      encrypted workspace snapshot, as the launch makes it), so only the dataset's decryption differs.
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
import { DEMO_DATASET } from '../server/src/demo/seed.js'
import { writeEncryptedFile } from '../server/src/keys/encrypted-file.js'
import { DockerDriver } from '../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime, SandboxSpec } from '../server/src/sandbox/driver.js'
import { STAGED_WORKSPACE } from '../server/src/sessions/launch.js'
import {
  encryptedSeedFile,
  filesAsTar,
  plainSeedFile,
  type SeedFile,
  snapshotContext,
  workspaceSnapshot
} from '../server/src/sessions/workspace.js'
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
 * The engine, with a switch: in `plain` mode the seed the launch made (the dataset decrypting as it
 * streams) is dropped before it is read, and the same files go in from the plaintext dataset instead.
 */
function switchableDriver(driver: DockerDriver) {
  const state: { plain: null | (() => SeedFile[]) } = { plain: null }
  const proxy = new Proxy(driver, {
    get(target, key, receiver) {
      if (key === 'start') {
        return (spec: SandboxSpec, seed?: Readable) => {
          if (state.plain === null) return target.start(spec, seed)
          seed?.destroy()
          return target.start(spec, filesAsTar(state.plain()))
        }
      }
      const value = Reflect.get(target, key, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { driver: proxy, state }
}

async function sessionStart(patients: number, rounds: number) {
  const plainFile = await syntheticDataset(patients)
  const fileBytes = statSync(plainFile).size
  const engine = switchableDriver(new DockerDriver())
  const dataMiB = Math.ceil((fileBytes / 2 ** 20) * 1.2) + 64
  const g = await benchGateway({ driver: engine.driver, work, runtime, datasetFile: plainFile, dataMiB })
  const user = (await g.app.store.getUserByUsername('researcher1'))!
  const keyring = g.app.keys.keyring
  // what the launch puts in, with the dataset from its plaintext file
  const plainFiles = (): SeedFile[] => {
    const snapshot = workspaceSnapshot(g.dataDir, g.projectId, user.id)
    return [
      ...(existsSync(snapshot)
        ? [encryptedSeedFile(snapshot, STAGED_WORKSPACE, 0o444, keyring, snapshotContext(g.projectId, user.id))]
        : []),
      plainSeedFile(plainFile, `${DEMO_DATASET}.duckdb`, 0o444)
    ]
  }
  const samples = { encrypted: [] as number[], plaintext: [] as number[] }
  const toRunning = { encrypted: [] as number[], plaintext: [] as number[] }
  const once = async (kind: 'encrypted' | 'plaintext') => {
    engine.state.plain = kind === 'plaintext' ? plainFiles : null
    const s = await startThroughGateway(g)
    await stopThroughGateway(g, s.id)
    return s
  }
  // warm-up, one of each
  await once('encrypted')
  await once('plaintext')
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['encrypted', 'plaintext'] as const) : (['plaintext', 'encrypted'] as const)
    for (const kind of order) {
      const s = await once(kind)
      samples[kind].push(round3(s.seconds))
      toRunning[kind].push(round3(s.runningSeconds))
    }
  }
  await g.app.close()
  const entry = {
    patients,
    fileMiB: mib(fileBytes),
    registerSeconds: round3(g.registerSeconds),
    rounds,
    toRunning: {
      encryptedP50: round3(median(toRunning.encrypted)),
      plaintextP50: round3(median(toRunning.plaintext)),
      ratioP50: round3(median(toRunning.encrypted) / median(toRunning.plaintext)),
      encrypted: toRunning.encrypted,
      plaintext: toRunning.plaintext
    },
    toPrompt: {
      encryptedP50: round3(median(samples.encrypted)),
      plaintextP50: round3(median(samples.plaintext)),
      ratioP50: round3(median(samples.encrypted) / median(samples.plaintext)),
      encrypted: samples.encrypted,
      plaintext: samples.plaintext
    }
  }
  console.log(
    `${patients} patients (${entry.fileMiB} MiB, ${runtime}): running p50 encrypted ${entry.toRunning.encryptedP50} s, ` +
      `plaintext ${entry.toRunning.plaintextP50} s, ratio ${entry.toRunning.ratioP50}; prompt ratio ${entry.toPrompt.ratioP50}`
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
