/**
 * Workspace benchmark on the real engine (runsc, the default policy, or --runtime runc), each figure
 * next to its floor measured in the same run:
 *   - keystroke echo round trip through the gateway's terminal WebSocket vs a raw docker exec TTY
 *     (p50, p99; goal: at most 5 ms added at p99);
 *   - terminal throughput for a `cat` of 100 MB through the WebSocket, acknowledged as the browser
 *     does, vs the raw exec stream (goal >= 35 MB/s, every byte arrives);
 *   - SQL cell latency through POST /cells vs the same query sent to vre-kernel over a raw exec
 *     (goal: at most 20 ms added).
 *
 *   npx tsx bench/workspace.ts [--runtime runsc|runc] [--cpus N] [--keys 200] [--cells 30] [--megabytes 100]
 * Writes bench/results/workspace.json (runsc) or workspace-runc.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import WebSocket from 'ws'
import { build } from '../server/src/app.js'
import { totpCode } from '../server/src/auth/totp.js'
import { loadConfig, PROJECT_ROOT } from '../server/src/config/config.js'
import { DEMO_PROJECT, type DemoCredentials, seedDemo } from '../server/src/demo/seed.js'
import { DockerDriver } from '../server/src/sandbox/docker-driver.js'
import { rawShell } from './raw-shell.js'

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '200' },
    cells: { type: 'string', default: '30' },
    megabytes: { type: 'string', default: '100' },
    runtime: { type: 'string', default: 'runsc' },
    // the policy's CPU limit for the sandbox (default: as policies/default.yaml says); under gVisor
    // the sandbox kernel's own work counts against it, terminal output included
    cpus: { type: 'string' }
  }
})
const RUNTIME = values.runtime === 'runc' ? 'runc' : 'runsc'
const CPUS = values.cpus === undefined ? null : Number(values.cpus)
const KEYS = Number(values.keys)
const CELLS = Number(values.cells)
const BYTES = Number(values.megabytes) * 1_000_000
const LINE = '0123456789012345678901234567890123456789012345678' // 49 characters and a newline: 50 bytes
const PROMPT = /researcher@vre:[^\r\n]*\$ $/
/** In the sandbox's /tmp (memory, counted against the sandbox, never saved with the workspace). */
const OUTPUT_FILE = '/tmp/vre-bench-output.txt'
const THROUGHPUT_COMMAND = `cat ${OUTPUT_FILE}; echo bench-end-$((3 + 4))\r`

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
const r2 = (x: number) => Math.round(x * 100) / 100

/** A TTY byte stream both paths provide: send text, get every output chunk. */
interface Tty {
  send(data: string): void
  onData(fn: (c: Buffer) => void): void
  /** what the browser does after drawing: acknowledge (no-op for the raw exec) */
  ack(bytes: number): void
  close(): void
}

function waitFor(tty: Tty, test: (seen: string) => boolean, ms = 30_000): Promise<void> {
  return new Promise((resolveWait, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`timed out; saw ${JSON.stringify(seen.slice(-200))}`)), ms)
    tty.onData((c) => {
      seen = (seen + c.toString('latin1')).slice(-4096)
      if (test(seen)) {
        clearTimeout(timer)
        resolveWait()
      }
    })
  })
}

/** Keystroke echo: one character typed at the prompt, timed until it is echoed; then erased. */
async function echoTimes(tty: Tty, listeners: { fn: ((c: Buffer) => void) | null }): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < KEYS; i++) {
    const ch = String.fromCharCode(97 + (i % 26))
    const t0 = performance.now()
    await new Promise<void>((res) => {
      listeners.fn = (c) => {
        if (c.includes(ch)) res()
      }
      tty.send(ch)
    })
    times.push(performance.now() - t0)
    await new Promise<void>((res) => {
      listeners.fn = () => res()
      tty.send('\x7f')
    })
  }
  listeners.fn = null
  return times
}

/**
 * Throughput: a `cat` of a BYTES-long file of LINEs, every byte counted (the TTY turns \n into
 * \r\n). The file is written first, untimed, so the figure is the terminal's and not that of the
 * programs making the text (under gVisor a `yes | head` pipeline costs the sandbox's one CPU about
 * half the rate).
 */
async function throughput(
  tty: Tty,
  listeners: { fn: ((c: Buffer) => void) | null }
): Promise<{ mbPerS: number; complete: boolean }> {
  const lines = BYTES / (LINE.length + 1)
  const want = lines * (LINE.length + 2) // each "\n" arrives as "\r\n"
  let got = 0
  let acked = 0
  let t0 = 0
  let tail = ''
  const done = new Promise<number>((res) => {
    listeners.fn = (c) => {
      if (t0 === 0) t0 = performance.now()
      got += c.length
      if (got - acked >= 64 * 1024) {
        acked = got
        tty.ack(acked)
      }
      tail = (tail + c.toString('latin1')).slice(-200)
      if (/bench-end-7\r\n/.test(tail)) res(performance.now())
    }
  })
  tty.send(THROUGHPUT_COMMAND)
  const end = await done
  listeners.fn = null
  // subtract what is not the data: the echoed command line, the marker, the prompt
  const extra = got - want
  return { mbPerS: r2(BYTES / 1e6 / ((end - t0) / 1000)), complete: extra >= 0 && extra < 1024 }
}

const driver = new DockerDriver()
const work = mkdtempSync(join(tmpdir(), 'vre-bench-ws-'))
const policyFile = join(work, 'policy.yaml')
writeFileSync(
  policyFile,
  readFileSync(resolve(PROJECT_ROOT, 'policies', 'default.yaml'), 'utf8')
    .replace(/^ {2}runtime: .*$/m, `  runtime: ${RUNTIME}`)
    .replace(/^ {2}cpus: .*$/m, (line) => (CPUS === null ? line : `  cpus: ${CPUS}`))
)
const config = loadConfig({ dataDir: work, port: 0, webRoot: null, logLevel: 'warn', policyFile }, {})
const app = await build({ config, logger: false, sessions: { driver } })
await app.ready()
const { credentials } = await seedDemo(app.store, app.keys, work, {
  now: new Date(),
  timeZone: config.timeZone,
  withDataset: true
})
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
const c = (credentials as DemoCredentials).researcher1!
const token = (
  (await (
    await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'researcher1', password: c.password, totp: totpCode(c.totpSecret, new Date()) })
    })
  ).json()) as { accessToken: string }
).accessToken
const auth = { authorization: `Bearer ${token}` }
const projectId = (await app.store.getProjectByTitle(DEMO_PROJECT))!.id
const session = (await (
  await fetch(`${url}/api/v1/sessions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ projectId })
  })
).json()) as { id: string }
await app.sessions.settle()
const sandboxId = (await app.store.getSandboxSession(session.id))!.sandboxId!

/** The gateway path: ticket, WebSocket, JSON input, binary output, acknowledgements. */
async function gatewayTty(): Promise<{ tty: Tty; listeners: { fn: ((c: Buffer) => void) | null } }> {
  const { ticket } = (await (
    await fetch(`${url}/api/v1/sessions/${session.id}/terminal-ticket`, { method: 'POST', headers: auth })
  ).json()) as { ticket: string }
  const ws = new WebSocket(
    `${url.replace('http', 'ws')}/api/v1/sessions/${session.id}/terminal?ticket=${ticket}&cols=200&rows=50`,
    {
      origin: url
    }
  )
  const listeners: { fn: ((c: Buffer) => void) | null } = { fn: null }
  const others: ((c: Buffer) => void)[] = []
  ws.on('message', (d: Buffer, binary: boolean) => {
    if (!binary) return
    listeners.fn?.(d)
    for (const o of others) o(d)
  })
  await new Promise((r) => ws.on('open', r))
  const tty: Tty = {
    send: (data) => ws.send(JSON.stringify({ type: 'input', data })),
    onData: (fn) => others.push(fn),
    ack: (bytes) => ws.send(JSON.stringify({ type: 'ack', bytes })),
    close: () => ws.close()
  }
  return { tty, listeners }
}

/** The floor: a TTY bash exec'd straight through the engine, as the researcher. */
async function rawTty(): Promise<{ tty: Tty; listeners: { fn: ((c: Buffer) => void) | null } }> {
  const stream = await rawShell(driver, sandboxId, RUNTIME, ['-l'], { cols: 200, rows: 50 })
  const listeners: { fn: ((c: Buffer) => void) | null } = { fn: null }
  const others: ((c: Buffer) => void)[] = []
  stream.on('data', (d: Buffer) => {
    listeners.fn?.(d)
    for (const o of others) o(d)
  })
  const tty: Tty = {
    send: (data) => stream.write(data),
    onData: (fn) => others.push(fn),
    ack: () => undefined,
    close: () => stream.destroy()
  }
  return { tty, listeners }
}

/**
 * Throughput through the gateway, read as a browser would from elsewhere: a WebSocket client on a
 * worker thread (its own event loop), acknowledging every 64 KiB, so the gateway's thread does only
 * the gateway's work. It takes the terminal over from the echo connection, as a new window does.
 */
async function throughputInWorker(): Promise<{ mbPerS: number; complete: boolean }> {
  const { ticket } = (await (
    await fetch(`${url}/api/v1/sessions/${session.id}/terminal-ticket`, { method: 'POST', headers: auth })
  ).json()) as { ticket: string }
  const worker = new Worker(
    `
    const { parentPort, workerData: w } = require('node:worker_threads')
    const WebSocket = require(w.wsPath)
    const ws = new WebSocket(w.url, { origin: w.origin })
    let total = 0, acked = 0, got = 0, t0 = 0, tail = '', started = false
    ws.on('open', () => ws.send(JSON.stringify({ type: 'input', data: '\\r' })))
    ws.on('message', (d, binary) => {
      if (!binary) return
      total += d.length
      if (total - acked >= 65536) { acked = total; ws.send(JSON.stringify({ type: 'ack', bytes: acked })) }
      if (!started) {
        tail = (tail + d.toString('latin1')).slice(-400)
        if (/researcher@vre:[^\\r\\n]*\\$ $/.test(tail)) {
          started = true
          tail = ''
          ws.send(JSON.stringify({ type: 'input', data: w.command }))
        }
        return
      }
      if (t0 === 0) t0 = performance.now()
      got += d.length
      tail = (tail + d.toString('latin1')).slice(-200)
      if (/bench-end-7\\r\\n/.test(tail)) {
        parentPort.postMessage({ got, ms: performance.now() - t0 })
        ws.close()
      }
    })
    `,
    {
      eval: true,
      workerData: {
        wsPath: createRequire(import.meta.url).resolve('ws'),
        url: `${url.replace('http', 'ws')}/api/v1/sessions/${session.id}/terminal?ticket=${ticket}&cols=200&rows=50`,
        origin: url,
        command: THROUGHPUT_COMMAND
      }
    }
  )
  const { got, ms } = await new Promise<{ got: number; ms: number }>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  await worker.terminate()
  const want = (BYTES / (LINE.length + 1)) * (LINE.length + 2)
  const extra = got - want
  return { mbPerS: r2(BYTES / 1e6 / (ms / 1000)), complete: extra >= 0 && extra < 1024 }
}

// the file both paths `cat`, written once as the researcher (the TTY adds no \r to a file)
{
  const maker = await rawShell(driver, sandboxId, RUNTIME, [
    '-c',
    `yes ${LINE} | head -c ${BYTES} > ${OUTPUT_FILE} && echo made-$((1 + 1))`
  ])
  await waitFor(
    { send: () => undefined, onData: (fn) => maker.on('data', fn), ack: () => undefined, close: () => undefined },
    (s) => s.includes('made-2'),
    120_000
  )
  maker.destroy()
}

const results: Record<string, unknown> = {}
for (const [name, open] of [
  ['floor', rawTty],
  ['gateway', gatewayTty]
] as const) {
  const { tty, listeners } = await open()
  tty.send('\r')
  await waitFor(tty, (s) => PROMPT.test(s))
  const echo = await echoTimes(tty, listeners)
  // the browser is another machine: the gateway's reader runs on its own thread, not on the gateway's
  const through = name === 'gateway' ? await throughputInWorker() : await throughput(tty, listeners)
  results[name] = {
    echoMs: { p50: r2(pct(echo, 50)), p99: r2(pct(echo, 99)) },
    throughputMBps: through.mbPerS,
    everyByteArrived: through.complete
  }
  console.log(name, JSON.stringify(results[name]))
  tty.close()
}

// SQL cell latency: POST /cells vs vre-kernel over a raw exec, same query, alternating
const QUERY = 'select sex, count(*) as n from patients group by all order by sex'
const kernel = await driver.exec(sandboxId, { cmd: ['vre-kernel'], stdin: true })
let kbuf = ''
const waiting = new Map<string, () => void>()
kernel.stdout.on('data', (c: Buffer) => {
  kbuf += c.toString('utf8')
  let nl: number
  while ((nl = kbuf.indexOf('\n')) >= 0) {
    const line = kbuf.slice(0, nl)
    kbuf = kbuf.slice(nl + 1)
    const m = JSON.parse(line) as { id?: string }
    if (m.id) waiting.get(m.id)?.()
  }
})
const direct = (i: number) =>
  new Promise<void>((res) => {
    const id = `b${i}`
    waiting.set(id, res)
    kernel.stdin!.write(`${JSON.stringify({ id, language: 'sql', source: QUERY })}\n`)
  })
const viaGateway = async () => {
  const res = await fetch(`${url}/api/v1/sessions/${session.id}/cells`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ language: 'sql', source: QUERY })
  })
  if (res.status !== 200) throw new Error(`cell failed: ${res.status} ${await res.text()}`)
  await res.json()
}
await direct(-1)
await viaGateway() // warm-up: the session's kernel starts on its first cell
const floorCells: number[] = []
const gatewayCells: number[] = []
for (let i = 0; i < CELLS; i++) {
  let t0 = performance.now()
  await direct(i)
  floorCells.push(performance.now() - t0)
  t0 = performance.now()
  await viaGateway()
  gatewayCells.push(performance.now() - t0)
}
kernel.stdin!.end()
results.sqlCell = {
  query: QUERY,
  floorMs: { p50: r2(pct(floorCells, 50)), p95: r2(pct(floorCells, 95)) },
  gatewayMs: { p50: r2(pct(gatewayCells, 50)), p95: r2(pct(gatewayCells, 95)) },
  addedMsP50: r2(pct(gatewayCells, 50) - pct(floorCells, 50))
}
console.log('sql cell', JSON.stringify(results.sqlCell))
const g = results.gateway as { echoMs: { p99: number } }
const f = results.floor as { echoMs: { p99: number } }
results.echoAddedMsP99 = r2(g.echoMs.p99 - f.echoMs.p99)
console.log(`echo added at p99: ${results.echoAddedMsP99} ms`)

await app.sessions.stop(session.id, 'bench over', { actor: 'bench', sourceIp: null })
await app.close()
rmSync(work, { recursive: true, force: true })
const out = {
  benchmark: 'workspace',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  settings: { keys: KEYS, cells: CELLS, bytes: BYTES, runtime: RUNTIME, sandboxCpus: app.policy().sandbox.cpus },
  goals: { echoAddedMsP99: 5, throughputMBps: 35, sqlCellAddedMs: 20 },
  ...results
}
mkdirSync(resolve(PROJECT_ROOT, 'bench', 'results'), { recursive: true })
const file = `workspace${RUNTIME === 'runsc' ? '' : `-${RUNTIME}`}${CPUS === null ? '' : `-${CPUS}cpu`}.json`
writeFileSync(resolve(PROJECT_ROOT, 'bench', 'results', file), `${JSON.stringify(out, null, 2)}\n`)
