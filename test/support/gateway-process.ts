import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { totpCode } from '../../server/src/auth/totp.js'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { readDemoCredentials } from '../../server/src/demo/seed.js'
import { closeKeys, dataDirKeys } from './keys.js'

/** A free loopback port, found by binding port 0 and letting it go. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.once('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => res(port))
    })
  })
}

export interface GatewayProcess {
  url: string
  child: ChildProcess
  output: () => string
  /** SIGKILL: no shutdown hooks run, as in a crash */
  kill9(): Promise<void>
  stop(): Promise<void>
}

/** Runs `vre <command>` as its own process (the way an operator does) and waits until it answers. */
export async function startGatewayProcess(
  command: 'serve' | 'demo',
  dataDir: string,
  env: NodeJS.ProcessEnv = {}
): Promise<GatewayProcess> {
  const port = await freePort()
  // node itself with tsx's loader, not the tsx wrapper: the wrapper runs the gateway in a child
  // process, and a SIGKILL to the wrapper would leave the gateway running.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/src/cli/index.ts', command, '--data-dir', dataDir, '--port', String(port)],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, VRE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vre ${command} exited with ${child.exitCode}:\n${out}`)
    try {
      const res = await fetch(`${url}/api/v1/me`)
      if (res.status === 401) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`vre ${command} did not answer within 60 s:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    child,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    }
  }
}

/** Signs a demo account in to a gateway process; the demo's credentials are sealed in its data directory. */
export async function signInToProcess(gw: GatewayProcess, dataDir: string, username: string): Promise<string> {
  // sealed under the data directory's state key: opened with its keys from the token, as the gateway does
  const keys = dataDirKeys(dataDir)
  const creds = readDemoCredentials(dataDir, keys.keyring)
  closeKeys(keys)
  const res = await fetch(`${gw.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username,
      password: creds[username]!.password,
      totp: totpCode(creds[username]!.totpSecret, new Date())
    })
  })
  if (res.status !== 200) throw new Error(`${username} could not sign in: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { accessToken: string }).accessToken
}
