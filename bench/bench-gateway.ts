import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { build } from '../server/src/app.js'
import { totpCode } from '../server/src/auth/totp.js'
import { loadConfig, PROJECT_ROOT } from '../server/src/config/config.js'
import { generateSyntheticDataset } from '../server/src/datasets/index.js'
import { DEMO_DATASET, DEMO_PROJECT, type DemoCredentials, seedDemo } from '../server/src/demo/seed.js'
import type { DockerDriver } from '../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime } from '../server/src/sandbox/driver.js'

/** Where generated benchmark datasets are kept between runs (ignored by git). */
const CACHE_DIR = resolve(PROJECT_ROOT, 'var', 'bench-datasets')

/** A synthetic dataset of `patients`, generated once (seed 2026) and kept for later runs. */
export async function syntheticDataset(patients: number): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true })
  const path = join(CACHE_DIR, `synthetic-${patients}.duckdb`)
  if (!existsSync(path)) {
    console.log(`generating ${patients} patients ...`)
    const r = await generateSyntheticDataset({ path: `${path}.partial`, patients, seed: 2026, overwrite: true })
    renameSync(`${path}.partial`, path)
    console.log(`  ${r.seconds.toFixed(1)} s`)
  }
  return path
}

export interface BenchGateway {
  app: FastifyInstance
  url: string
  /** researcher1's access token */
  token: string
  projectId: string
  dataDir: string
}

/**
 * The real gateway on a fresh data directory under `work`, listening on a free port, seeded with the
 * demo accounts, its demo dataset replaced by `datasetFile`, with the default policy but `runtime`,
 * room for the data, and as many sessions per user as a benchmark starts.
 */
export async function benchGateway(options: {
  driver: DockerDriver
  work: string
  runtime: SandboxRuntime
  datasetFile: string
  dataMiB: number
}): Promise<BenchGateway> {
  const { runtime, datasetFile, dataMiB } = options
  const dataDir = mkdtempSync(join(options.work, `${runtime}-`))
  const policyFile = join(dataDir, 'policy.yaml')
  const base = readFileSync(resolve(PROJECT_ROOT, 'policies', 'default.yaml'), 'utf8')
  writeFileSync(
    policyFile,
    base
      .replace(/^ {2}runtime: .*$/m, `  runtime: ${runtime}`)
      .replace(/^ {2}sessionsPerUser: .*$/m, '  sessionsPerUser: 20')
      .replace(/^ {2}dataMiB: .*$/m, `  dataMiB: ${dataMiB}`)
      .replace(/^ {2}memoryMiB: .*$/m, `  memoryMiB: ${dataMiB + 2048}`)
  )
  const config = loadConfig({ dataDir, port: 0, webRoot: null, logLevel: 'warn', policyFile }, {})
  const app = await build({ config, logger: false, sessions: { driver: options.driver } })
  await app.ready()
  const { credentials } = await seedDemo(app.store, app.keys, dataDir, { now: new Date(), timeZone: config.timeZone })
  const ds = (await app.store.getDatasetByName(DEMO_DATASET))!
  mkdirSync(join(dataDir, 'datasets'), { recursive: true })
  symlinkSync(datasetFile, join(dataDir, 'datasets', `${DEMO_DATASET}.duckdb`))
  await app.store.setDatasetFile(ds.id, `datasets/${DEMO_DATASET}.duckdb`, {
    actor: 'bench',
    action: 'dataset.file',
    sourceIp: null,
    target: ds.id,
    outcome: 'success'
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const c = (credentials as DemoCredentials).researcher1!
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'researcher1', password: c.password, totp: totpCode(c.totpSecret, new Date()) })
  })
  const token = ((await res.json()) as { accessToken: string }).accessToken
  const projectId = (await app.store.getProjectByTitle(DEMO_PROJECT))!.id
  return { app, url, token, projectId, dataDir }
}
