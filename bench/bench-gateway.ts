import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import { ensureTestToken } from '../test/support/hsm.js'
import { build } from '../server/src/app.js'
import { totpCode } from '../server/src/auth/totp.js'
import { loadConfig, PROJECT_ROOT } from '../server/src/config/config.js'
import { generateSyntheticDataset } from '../server/src/datasets/index.js'
import { registerDataset } from '../server/src/datasets/registration.js'
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
  /** seconds to register the dataset (copy into memory, encrypt into the data directory) */
  registerSeconds: number
}

/**
 * The real gateway on a fresh data directory under `work`, listening on a free port, seeded with the
 * demo accounts, its demo dataset registered from `datasetFile` (encrypted at rest), with the default policy but `runtime`,
 * room for the data, and as many sessions per user as a benchmark starts.
 */
export async function benchGateway(options: {
  driver: DockerDriver
  work: string
  runtime: SandboxRuntime
  datasetFile: string
  dataMiB: number
  /** how many live sessions the researcher may hold (default 20) */
  sessionsPerUser?: number
  /** a warm pool for the project (policy sandbox.pool), none by default */
  pool?: { size: number; idleMinutes: number; activeMinutes: number }
}): Promise<BenchGateway> {
  const { runtime, datasetFile, dataMiB } = options
  const sessionsPerUser = options.sessionsPerUser ?? 20
  // a throwaway SoftHSM2 token, as the tests use, unless the environment names a key provider
  if (process.env.VRE_KEY_PROVIDER === undefined) ensureTestToken()
  const dataDir = mkdtempSync(join(options.work, `${runtime}-`))
  const policyFile = join(dataDir, 'policy.yaml')
  const base = readFileSync(resolve(PROJECT_ROOT, 'policies', 'default.yaml'), 'utf8')
  writeFileSync(
    policyFile,
    base
      .replace(/^ {2}runtime: .*$/m, `  runtime: ${runtime}`)
      .replace(
        /^ {2}sessionsPerUser: .*$/m,
        `  sessionsPerUser: ${sessionsPerUser}` +
          (options.pool === undefined
            ? ''
            : `\n  pool:\n    size: ${options.pool.size}\n    idleMinutes: ${options.pool.idleMinutes}\n    activeMinutes: ${options.pool.activeMinutes}`)
      )
      // the datasets are shared from the host, not held in the sandbox's memory
      .replace(/^ {2}dataMiB: .*$/m, `  dataMiB: ${dataMiB}`)
  )
  // the key provider from the environment, nothing else of it
  const keyEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => /^VRE_(KEY_PROVIDER|PKCS11_|FILE_KEYS)/.test(k))
  ) as Record<string, string>
  const config = loadConfig({ dataDir, port: 0, webRoot: null, logLevel: 'warn', policyFile }, keyEnv)
  const app = await build({ config, logger: false, sessions: { driver: options.driver } })
  await app.ready()
  const { credentials } = await seedDemo(app.store, app.keys, dataDir, { now: new Date(), timeZone: config.timeZone })
  // registered as any dataset is: encrypted at rest under a key of its own
  const t0 = performance.now()
  await registerDataset(
    app.store,
    dataDir,
    app.keys.keyring,
    {
      name: DEMO_DATASET,
      write: async (path) => {
        copyFileSync(datasetFile, path)
        return { details: { source: 'bench', from: datasetFile } }
      }
    },
    { actor: 'bench', sourceIp: null }
  )
  const registerSeconds = (performance.now() - t0) / 1000
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
  return { app, url, token, projectId, dataDir, registerSeconds }
}

/**
 * What a researcher's browser does: POST /sessions, follow its events until it runs, get a terminal
 * ticket, open the terminal WebSocket and wait for the prompt. Returns seconds to the prompt and to
 * `running`, and the session id.
 */
export async function startThroughGateway(
  g: BenchGateway,
  token = g.token
): Promise<{ seconds: number; runningSeconds: number; id: string; sandboxId: string }> {
  const t0 = performance.now()
  const res = await fetch(`${g.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ projectId: g.projectId })
  })
  if (res.status !== 201) throw new Error(`start failed: ${res.status} ${await res.text()}`)
  const { id } = (await res.json()) as { id: string }
  // follow the session's events, as the web app does, until it leaves "starting"
  const events = await fetch(`${g.url}/api/v1/sessions/${id}/events`, {
    headers: { authorization: `Bearer ${token}` }
  })
  const reader = events.body!.getReader()
  let buffered = ''
  for (let state = 'starting'; state === 'starting';) {
    const { value, done } = await reader.read()
    if (done) throw new Error('the session events ended while it was starting')
    buffered += Buffer.from(value).toString('utf8')
    let end: number
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const [event, data] = buffered.slice(0, end).split('\n')
      buffered = buffered.slice(end + 2)
      if (event !== 'event: session') continue
      const s = JSON.parse(data!.slice(6)) as { state: string; reason: string | null }
      state = s.state
      if (state !== 'starting' && state !== 'running') throw new Error(`session ${s.state}: ${s.reason}`)
    }
  }
  await reader.cancel()
  const runningSeconds = (performance.now() - t0) / 1000
  // then open its terminal as the browser does: a ticket, the WebSocket, the prompt
  const ticket = (await (
    await fetch(`${g.url}/api/v1/sessions/${id}/terminal-ticket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` }
    })
  ).json()) as { ticket: string }
  const ws = new WebSocket(
    `${g.url.replace('http', 'ws')}/api/v1/sessions/${id}/terminal?ticket=${ticket.ticket}&cols=120&rows=40`,
    { origin: g.url }
  )
  await new Promise<void>((resolvePrompt, reject) => {
    let seen = ''
    const timer = setTimeout(
      () => reject(new Error(`no prompt within 30 s: ${JSON.stringify(seen.slice(-200))}`)),
      30_000
    )
    ws.on('message', (d: Buffer, binary: boolean) => {
      if (!binary) return
      seen += d.toString('utf8')
      if (/researcher@vre:[^\r\n]*\$ /.test(seen)) {
        clearTimeout(timer)
        resolvePrompt()
      }
    })
    ws.on('error', reject)
  })
  const seconds = (performance.now() - t0) / 1000
  ws.close()
  const session = (await g.app.store.getSandboxSession(id))!
  return { seconds, runningSeconds, id, sandboxId: session.sandboxId! }
}

/** Runs one notebook cell as the researcher's browser does; seconds until its answer, and the answer. */
export async function cellThroughGateway(
  g: BenchGateway,
  id: string,
  language: 'sql' | 'python',
  source: string,
  token = g.token
): Promise<{ seconds: number; status: string; outputs: unknown[] }> {
  const t0 = performance.now()
  const res = await fetch(`${g.url}/api/v1/sessions/${id}/cells`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ language, source })
  })
  if (res.status !== 200) throw new Error(`the cell failed: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { status: string; outputs: unknown[] }
  return { seconds: (performance.now() - t0) / 1000, ...body }
}

export async function stopThroughGateway(g: BenchGateway, id: string, token = g.token): Promise<void> {
  await fetch(`${g.url}/api/v1/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
}
