import { hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { sandboxDeadline } from '../../server/src/sessions/deadline.js'
import { POOL_LABELS } from '../../server/src/sessions/pool.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { type GatewayProcess, signInToProcess, startGatewayProcess } from '../support/gateway-process.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { openStateDb } from '../support/keys.js'
import { poolPolicyFile } from '../support/policy.js'
import { waitFor } from '../support/wait.js'
import { requireDocker } from '../support/sandbox.js'

/** Pool fills wait for a sandbox and its Python kernel to start. */
const until = <T>(read: () => Promise<T>, done: (v: T) => boolean, what: string) => waitFor(read, done, what, 90_000)

describe('the warm pool on the real engine (runsc)', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let policyDir: string
  const by = { actor: 'test', sourceIp: null }

  const audit = async (action: string) => (await gw.app.store.recentAudit(500)).filter((r) => r.action === action)
  const members = async () => Object.values(gw.app.sessions.pool.members()).flat()

  beforeAll(async () => {
    docker = await requireDocker()
    policyDir = mkdtempSync(join(tmpdir(), 'vre-pool-policy-'))
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: poolPolicyFile(policyDir, { size: 1, idleMinutes: 2, activeMinutes: 60 }) })
  }, 120_000)

  afterAll(async () => {
    await gw?.close()
    rmSync(policyDir, { recursive: true, force: true })
  })

  it('starts nothing ahead for a project nobody has worked in lately', async () => {
    await gw.app.sessions.pool.tend()
    expect(await members()).toEqual([])
  })

  it('after a start, keeps one sandbox ready; the next start claims it, recorded before the hand-over', async () => {
    const first = await startRunningSession(gw, 'researcher1')
    // the first start was cold; the pool fills behind it
    const [ready] = await until(members, (m) => m.length === 1, 'the pool to fill')
    const info = await docker.inspect(ready!)
    expect(info.Config.Labels[POOL_LABELS.project]).toBeDefined()
    expect(info.HostConfig.Runtime).toBe('runsc')
    // nobody's yet: no researcher's workspace in it
    expect((await runInSandbox(docker, ready!, { cmd: ['ls', '-A', `${WORK_DIR}`] })).stdout).toBe('')
    // something of researcher1's in the workspace, saved as the session ends
    const firstBox = (await gw.app.sessions.get(first.sessionId))!.sandboxId!
    expect((await runInSandbox(docker, firstBox, { cmd: ['sh', '-c', `echo mine > ${WORK_DIR}/note.txt`] })).exitCode).toBe(0)
    await gw.app.sessions.stop(first.sessionId, 'next', by)

    // the workspace the first session saved comes back in the claimed sandbox
    const t0 = performance.now()
    const second = await startRunningSession(gw, 'researcher1')
    const claimMs = performance.now() - t0
    const session = (await gw.app.sessions.get(second.sessionId))!
    expect(session.sandboxId).toBe(ready)
    const trail = (await gw.app.store.recentAudit(200)).filter((r) => r.target === second.sessionId).reverse()
    expect(trail.map((r) => r.action)).toEqual(
      expect.arrayContaining(['session.start', 'session.claimed', 'session.running'])
    )
    const order = trail.map((r) => r.action)
    expect(order.indexOf('session.claimed')).toBeLessThan(order.indexOf('session.running'))
    expect(trail.find((r) => r.action === 'session.running')).toMatchObject({ details: { pooled: true, sandbox: ready } })
    console.log(`[pool] claim to running: ${claimMs.toFixed(0)} ms`)
    // the workspace came back in the claimed sandbox, unpacked as the researcher
    expect((await runInSandbox(docker, ready!, { cmd: ['cat', `${WORK_DIR}/note.txt`] })).stdout).toBe('mine\n')

    // the sandbox ends itself at the session's deadline, not the pool's: written by the service account
    const deadline = Math.floor(sandboxDeadline(session.createdAt, gw.app.policyFor(session.projectId).sandbox.maxDurationMinutes).getTime() / 1000)
    const file = await runInSandbox(docker, ready!, { cmd: ['cat', '/data/.vre-deadline'] })
    expect(file.stdout.trim()).toBe(String(deadline))
    const tamper = await runInSandbox(docker, ready!, { cmd: ['sh', '-c', 'echo 99999999999 > /data/.vre-deadline || echo refused'] })
    expect(tamper.stdout).toMatch(/refused/)

    // the kernel started ahead is the session's: a Python cell answers at once
    const cell = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${second.sessionId}/cells`,
      headers: { authorization: `Bearer ${second.token}` },
      payload: { language: 'python', source: '6 * 7' }
    })
    expect(cell.statusCode, cell.body).toBe(200)
    expect(JSON.stringify(cell.json().outputs)).toMatch(/42/)

    // and the pool fills again behind the claim, with another sandbox
    const [next] = await until(members, (m) => m.length === 1, 'the pool to fill again')
    expect(next).not.toBe(ready)
    await gw.app.sessions.stop(second.sessionId, 'test over', by)
    // a claimed sandbox goes with its session: never back to the pool
    expect((await docker.list({ [POOL_LABELS.project]: true })).map((s) => s.id)).not.toContain(ready)
  }, 240_000)

  it('removes a sandbox left unclaimed past the pool idle time, and says so', async () => {
    const [ready] = await until(members, (m) => m.length === 1, 'a pooled sandbox')
    gw.clock.advance(3 * 60_000)
    await gw.app.sessions.pool.tend()
    expect((await docker.list({ [POOL_LABELS.project]: true })).map((s) => s.id)).not.toContain(ready)
    expect((await audit('pool.removed')).map((r) => r.target)).toContain(ready)
  }, 120_000)

  it('refuses a start the host has no room for, with its reason and an audit record, and starts nothing', async () => {
    const tight = await testGatewayWithDataset(docker, { VRE_ADMISSION_RESERVE_MIB: String(64 * 1024 * 1024) })
    try {
      const token = (await tight.login('researcher1')).accessToken
      const projectId = (await tight.app.store.getProjectByTitle(DEMO_PROJECT))!.id
      const res = await tight.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        headers: { authorization: `Bearer ${token}` },
        payload: { projectId }
      })
      expect(res.statusCode).toBe(503)
      expect(res.json().error.message).toMatch(
        /^No sandbox can be started now: the host has [\d.]+ GiB of memory free \(of [\d.]+ GiB\); a new sandbox needs 256 MiB .*above the 67108864 MiB kept for the host\. Try again when sessions have ended\.$/
      )
      const [record] = (await tight.app.store.recentAudit(20)).filter((r) => r.action === 'session.start')
      expect(record).toMatchObject({ outcome: 'denied', details: { reason: 'host capacity' } })
      expect(await tight.app.store.listSandboxSessions({})).toEqual([])
    } finally {
      await tight.close()
    }
  }, 120_000)
})

describe('a claimed sandbox after a gateway kill -9 (runsc)', () => {
  let docker: DockerDriver
  let dataDir: string
  let gw: GatewayProcess | null = null

  beforeAll(async () => {
    docker = await requireDocker()
    dataDir = mkdtempSync(join(tmpdir(), 'vre-pool-kill-'))
  })
  afterAll(async () => {
    await gw?.stop()
    const db = openStateDb(dataDir, { readonly: true })
    const gatewayId = (db.prepare("SELECT value FROM settings WHERE key = 'gateway_id'").get() as { value: string }).value
    db.close()
    for (const s of await docker.list({ 'vre.gateway': gatewayId })) await docker.stop(s.id)
    rmSync(hostCopiesRoot(gatewayId), { recursive: true, force: true })
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('is re-adopted by its sandbox id; what was still unclaimed is removed', async () => {
    const env = { VRE_POLICY_FILE: poolPolicyFile(dataDir, { size: 1, idleMinutes: 2, activeMinutes: 60 }) }
    gw = await startGatewayProcess('demo', dataDir, env)
    const token = await signInToProcess(gw, dataDir, 'researcher1')
    const auth = { authorization: `Bearer ${token}` }
    const me = (await (await fetch(`${gw.url}/api/v1/me`, { headers: auth })).json()) as { projects: { id: string }[] }
    const start = async () => {
      const res = await fetch(`${gw!.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ projectId: me.projects[0]!.id })
      })
      expect(res.status).toBe(201)
      const { id } = (await res.json()) as { id: string }
      const get = async () =>
        (await (await fetch(`${gw!.url}/api/v1/sessions/${id}`, { headers: auth })).json()) as { state: string }
      await until(get, (s) => s.state !== 'starting', 'the session to start')
      return { id, get }
    }
    const state = openStateDb(dataDir, { readonly: true })
    const gatewayId = (state.prepare("SELECT value FROM settings WHERE key = 'gateway_id'").get() as { value: string }).value
    state.close()
    const pooled = () => docker.list({ [POOL_LABELS.project]: true, 'vre.gateway': gatewayId })
    const cold = await start()
    // ready once its kernel runs and it is on record (a sandbox still starting is not claimable yet)
    const startedAhead = async () => {
      const d = openStateDb(dataDir, { readonly: true })
      const rows = d.prepare("SELECT target FROM audit_log WHERE action = 'pool.started'").all() as { target: string }[]
      d.close()
      return rows.map((r) => r.target)
    }
    const [memberId] = await until(startedAhead, (l) => l.length === 1, 'the pool to fill')
    await new Promise((r) => setTimeout(r, 200))
    const member = (await pooled()).find((s) => s.id === memberId)
    const claimed = await start()
    expect((await claimed.get()).state).toBe('running')
    const db = openStateDb(dataDir, { readonly: true })
    const sandboxOf = (id: string) =>
      (db.prepare('SELECT sandbox_id AS s FROM sandbox_sessions WHERE id = ?').get(id) as { s: string }).s
    expect(sandboxOf(claimed.id)).toBe(member!.id)
    db.close()
    // the pool refills behind the claim: one more, nobody's
    const refilled = await until(pooled, (l) => l.some((s) => s.id !== member!.id), 'the pool to refill')
    const unclaimed = refilled.find((s) => s.id !== member!.id)!

    await gw.kill9()
    gw = await startGatewayProcess('serve', dataDir, env)
    expect((await claimed.get()).state).toBe('running')
    expect((await cold.get()).state).toBe('running')
    expect((await docker.poll(member!.id))).toBeNull()
    // the unclaimed one was nobody's: gone, and said so
    await until(async () => docker.poll(unclaimed.id), (p) => p !== null, 'the unclaimed sandbox to go')
    const after = openStateDb(dataDir, { readonly: true })
    const adopted = after
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'session.adopted' AND target = ?")
      .get(claimed.id) as { n: number }
    const orphan = after
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'sandbox.orphan_removed' AND target = ?")
      .get(unclaimed.id) as { n: number }
    after.close()
    expect(adopted.n).toBe(1)
    expect(orphan.n).toBe(1)
  }, 300_000)
})
