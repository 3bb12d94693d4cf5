/**
 * Attack on the warm pool on the real engine (runsc): the pool's tend pass running beside a claim
 * puts the claimed sandbox back in the pool, and the next researcher's start claims it again.
 * Written by a security review against the first version; each test asserts the defence that now holds.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { HOME } from '../../server/src/sessions/workspace.js'
import { addResearcher, startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { poolPolicyFile } from '../support/policy.js'
import { waitFor } from '../support/wait.js'
import { requireDocker } from '../support/sandbox.js'

/** Pool fills wait for a sandbox and its Python kernel to start. */
const until = <T>(read: () => Promise<T>, done: (v: T) => boolean, what: string) => waitFor(read, done, what, 120_000)

describe('(d)/(a) a claim racing the pool tend pass (runsc)', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let policyDir: string
  const by = { actor: 'test', sourceIp: null }
  const members = async () => Object.values(gw.app.sessions.pool.members()).flat()

  beforeAll(async () => {
    docker = await requireDocker()
    policyDir = mkdtempSync(join(tmpdir(), 'vre-pool-race-'))
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: poolPolicyFile(policyDir, { size: 2, idleMinutes: 10, activeMinutes: 60 }) })
    await addResearcher(gw, 'researcher3')
  }, 120_000)

  afterAll(async () => {
    for (const s of await gw.app.store.listSandboxSessions({ states: ['starting', 'running'] })) {
      await gw.app.sessions.stop(s.id, 'test over', by).catch(() => undefined)
    }
    const gatewayId = await gw.app.store.gatewayId()
    await gw?.close()
    // whatever the gateway left behind (a member the race dropped from the pool's books) goes too
    const left = await docker.list({ 'vre.gateway': gatewayId })
    if (left.length > 0) console.log('[race] left running after the gateway closed:', left.map((s) => s.name))
    for (const s of left) await docker.stop(s.id)
    rmSync(policyDir, { recursive: true, force: true })
  })

  it("researcher B's start is never handed researcher A's live sandbox", async () => {
    const cold = await startRunningSession(gw, 'researcher1')
    await until(members, (m) => m.length === 2, 'the pool to fill')

    // the engine answers the tend pass's first inspect slowly (a busy daemon): the claim lands meanwhile
    const poll = docker.poll.bind(docker)
    let armed = true
    let hit!: () => void
    const hitP = new Promise<void>((r) => (hit = r))
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    docker.poll = async (id: string) => {
      if (armed) {
        armed = false
        hit()
        await released
      }
      return poll(id)
    }
    const tending = gw.app.sessions.pool.tend()
    await hitP
    const a = await startRunningSession(gw, 'researcher1')
    release()
    await tending
    docker.poll = poll
    const sandboxA = (await gw.app.sessions.get(a.sessionId))!.sandboxId!
    console.log('[race] pool after the claim and the tend pass:', await members(), 'A holds', sandboxA)
    // A works: something of A's in A's home
    await runInSandbox(docker, sandboxA, { cmd: ['sh', '-c', `echo A-private > ${HOME}/a-secret.txt`] })
    await gw.app.sessions.stop(cold.sessionId, 'room for B', by)

    const b = await startRunningSession(gw, 'researcher3')
    const sandboxB = (await gw.app.sessions.get(b.sessionId))!.sandboxId!
    const seen = await runInSandbox(docker, sandboxB, { cmd: ['sh', '-c', `cat ${HOME}/a-secret.txt 2>&1; true`] })
    console.log(`[race] B's sandbox ${sandboxB}; A's file from B's sandbox: ${seen.stdout.trim()}`)
    expect(sandboxB, "researcher3's session was handed researcher1's live sandbox").not.toBe(sandboxA)
    expect(seen.stdout).not.toMatch(/A-private/)
  }, 300_000)

  it('every unclaimed pooled sandbox still running is on the pool\'s books (drain can remove it)', async () => {
    const gatewayId = await gw.app.store.gatewayId()
    const claimed = new Set((await gw.app.store.listSandboxSessions({})).map((s) => s.sandboxId))
    const books = new Set(await members())
    const lost = (await docker.list({ 'vre.pool': true, 'vre.gateway': gatewayId }))
      .filter((s) => s.running && !claimed.has(s.id) && !books.has(s.id))
      .map((s) => s.name)
    expect(lost, 'pooled sandboxes running that the pool no longer knows of').toEqual([])
  }, 60_000)
})
