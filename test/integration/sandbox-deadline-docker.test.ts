import { hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { readDemoCredentials } from '../../server/src/demo/seed.js'
import { closeKeys } from '../../server/src/keys/keys.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { DEADLINE_EXIT_CODE } from '../../server/src/sandbox/driver.js'
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js'
import { EXPIRED_REMOVAL_MARGIN_MS } from '../../server/src/sessions/deadline.js'
import { TestClock, testGateway } from '../support/gateway.js'
import { DEFAULT_POLICY_YAML } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'
import { dataDirKeys, openStateDb } from '../support/keys.js'

let docker: DockerDriver
const dirs: string[] = []
const gateways: GatewayProcess[] = []
beforeAll(async () => {
  docker = await requireDocker()
})
afterAll(async () => {
  for (const g of gateways) await g.kill9()
  for (const dir of dirs) {
    for (const s of await docker.list({ 'vre.gateway': gatewayIdOf(dir) })) await docker.stop(s.id)
    rmSync(hostCopiesRoot(gatewayIdOf(dir)), { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  }
})

function gatewayIdOf(dataDir: string): string {
  const db = openStateDb(dataDir, { readonly: true })
  try {
    return (db.prepare("SELECT value FROM settings WHERE key = 'gateway_id'").get() as { value: string }).value
  } finally {
    db.close()
  }
}

/** A gateway of its own, as an operator runs one, on a policy whose longest session is one minute. */
async function gateway(): Promise<{ gw: GatewayProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vre-deadline-'))
  dirs.push(dataDir)
  const policyFile = join(dataDir, 'policy.yaml')
  writeFileSync(policyFile, DEFAULT_POLICY_YAML.replace(/^ {2}maxDurationMinutes: \d+$/m, '  maxDurationMinutes: 1'))
  const gw = await startGatewayProcess('demo', dataDir, { VRE_POLICY_FILE: policyFile })
  gateways.push(gw)
  return { gw, dataDir }
}

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, ms: number): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await read()
    if (done(v)) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

describe('a sandbox whose gateway is gone (runsc, real engine)', () => {
  it('ends itself at its policy’s longest session plus the grace, and a gateway that starts later removes it, on record', async () => {
    const a = await gateway()
    const keys = dataDirKeys(a.dataDir)
    const creds = readDemoCredentials(a.dataDir, keys.keyring)
    closeKeys(keys)
    const login = await fetch(`${a.gw.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'researcher1',
        password: creds.researcher1!.password,
        totp: totpCode(creds.researcher1!.totpSecret, new Date())
      })
    })
    expect(login.status).toBe(200)
    const auth = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` }
    const me = (await (await fetch(`${a.gw.url}/api/v1/me`, { headers: auth })).json()) as {
      projects: { id: string }[]
    }
    const started = await fetch(`${a.gw.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ projectId: me.projects[0]!.id })
    })
    expect(started.status).toBe(201)
    const session = (await started.json()) as { id: string; createdAt: string; runtime: string }
    expect(session.runtime).toBe('runsc')
    await waitFor(
      async () =>
        (
          (await (await fetch(`${a.gw.url}/api/v1/sessions/${session.id}`, { headers: auth })).json()) as {
            state: string
          }
        ).state,
      (s) => s !== 'starting',
      'the session to start',
      90_000
    )
    const [box] = await docker.list({ 'vre.session': session.id })
    expect(box!.running).toBe(true)
    // one minute from the request, and the grace of 30 s the gateway has to end it first
    const deadline = box!.deadline!.getTime()
    expect(deadline).toBe(Date.parse(session.createdAt) + 90_000)

    // the engine's word on how the sandbox ends, whatever becomes of it afterwards
    const died = new Promise<{ exitCode: number | null; at: number }>((resolve) => {
      const unwatch = docker.watch({ 'vre.session': session.id }, (e) => {
        if (e.kind !== 'died') return
        unwatch()
        resolve({ exitCode: e.exitCode, at: Date.now() })
      })
    })
    // the gateway is gone for good: no reaper, no shutdown hook
    await a.gw.kill9()
    const end = await Promise.race([
      died,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the sandbox outlived its deadline')), deadline - Date.now() + 30_000)
      )
    ])
    expect(end.exitCode).toBe(DEADLINE_EXIT_CODE)
    // not before its time (the init counts whole seconds from its own start), and not long after
    expect(end.at).toBeGreaterThanOrEqual(deadline - 2_000)
    expect(end.at).toBeLessThan(deadline + 10_000)
    expect((await docker.inspect(box!.id)).State.Running).toBe(false)

    // Another gateway on this engine starts after the removal margin (its clock a little ahead, so
    // the test need not wait): it removes the leftover, and its audit log says whose it was.
    const clock = new TestClock(deadline + EXPIRED_REMOVAL_MARGIN_MS + 1_000)
    const b = await testGateway({}, {}, { sessions: { driver: docker }, clock })
    try {
      expect(await docker.list({ 'vre.session': session.id })).toEqual([])
      const removed = (await b.app.store.recentAudit(50)).filter(
        (r) => r.action === 'sandbox.expired_removed' && r.target === box!.id
      )
      expect(removed).toHaveLength(1)
      expect(removed[0]!.details).toMatchObject({
        gateway: gatewayIdOf(a.dataDir),
        session: session.id,
        deadline: new Date(deadline).toISOString(),
        stillRunning: false
      })
    } finally {
      await b.close()
    }
  }, 240_000)
})
