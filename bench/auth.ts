/**
 * Auth overhead benchmark: authenticated GET /api/v1/me against the same handler without
 * authentication, on the real gateway over loopback, measured in one run with alternating rounds
 * so machine noise hits both sides alike. Goal: ratio >= 0.8.
 *
 *   npx tsx bench/auth.ts [--seconds 5] [--rounds 3] [--connections 16]
 * Writes bench/results/auth.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, cpus } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { build } from '../server/src/app.js'
import { totpCode } from '../server/src/auth/totp.js'
import { loadConfig, PROJECT_ROOT } from '../server/src/config/config.js'
import { CREDENTIALS_FILE, type DemoCredentials, seedDemo } from '../server/src/demo/seed.js'
import { MeResponse } from '../server/src/schemas/auth.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)

const dataDir = mkdtempSync(join(tmpdir(), 'vre-bench-'))
const config = loadConfig({ dataDir, port: 0, webRoot: null, logLevel: 'warn' }, {})
const app = await build({ config, logger: false })

// The floor: the same handler, response schema, path prefix and hooks for the same user, minus
// authentication.
let benchUserId = ''
app.get('/api/v1/bench-me-unauthenticated', { schema: { response: { 200: MeResponse } } }, async () => {
  const user = await app.store.getUserById(benchUserId)
  return app.self.me(user!)
})

await app.ready()
await seedDemo(app.store, app.keys, dataDir, { now: new Date(), timeZone: config.timeZone })
const creds = JSON.parse(readFileSync(join(dataDir, CREDENTIALS_FILE), 'utf8')) as DemoCredentials
benchUserId = (await app.store.getUserByUsername('researcher1'))!.id
await app.listen({ host: '127.0.0.1', port: 0 })
const port = (app.server.address() as { port: number }).port
const base = `http://127.0.0.1:${port}`

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    username: 'researcher1',
    password: creds.researcher1!.password,
    totp: totpCode(creds.researcher1!.totpSecret, new Date())
  })
})
if (login.status !== 200) throw new Error(`bench login failed: ${login.status} ${await login.text()}`)
const { accessToken } = (await login.json()) as { accessToken: string }

const run = promisify(execFile)
const autocannon = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'autocannon')

/** The load comes from a separate process, so it does not share the gateway's event loop. */
async function measure(path: string, headers: Record<string, string>): Promise<number> {
  const args = ['--json', '-c', String(connections), '-d', String(seconds)]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  const { stdout } = await run(autocannon, [...args, `${base}${path}`], { maxBuffer: 16 * 1024 * 1024 })
  const result = JSON.parse(stdout) as { non2xx: number; errors: number; requests: { average: number } }
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${path}: ${result.non2xx} non-2xx responses, ${result.errors} errors`)
  }
  return result.requests.average
}

// warm-up: JIT, statement caches
await measure('/api/v1/bench-me-unauthenticated', {})
await measure('/api/v1/me', { authorization: `Bearer ${accessToken}` })

const floor: number[] = []
const authed: number[] = []
for (let i = 0; i < rounds; i++) {
  floor.push(await measure('/api/v1/bench-me-unauthenticated', {}))
  authed.push(await measure('/api/v1/me', { authorization: `Bearer ${accessToken}` }))
  console.log(
    `round ${i + 1}: unauthenticated ${floor.at(-1)!.toFixed(0)} req/s, authenticated ${authed.at(-1)!.toFixed(0)} req/s`
  )
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ratio = median(authed) / median(floor)
const result = {
  benchmark: 'auth-overhead',
  route: 'GET /api/v1/me',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  settings: { seconds, rounds, connections },
  unauthenticatedReqPerSec: { rounds: floor, median: median(floor) },
  authenticatedReqPerSec: { rounds: authed, median: median(authed) },
  ratio,
  goal: 0.8,
  meetsGoal: ratio >= 0.8
}
console.log(
  `authenticated / unauthenticated = ${median(authed).toFixed(0)} / ${median(floor).toFixed(0)} req/s = ${ratio.toFixed(3)} (goal >= 0.8)`
)
const out = resolve(PROJECT_ROOT, 'bench', 'results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'auth.json'), `${JSON.stringify(result, null, 2)}\n`)
await app.close()
rmSync(dataDir, { recursive: true, force: true })
