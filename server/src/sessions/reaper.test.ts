import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { START_TIMEOUT_MS } from './core.js'
import { createLimits } from './limits.js'
import { createReaper } from './reaper.js'
import { createStop } from './stop.js'
import { WORK_DIR } from './workspace.js'

let bench: SessionBench
let reaper: ReturnType<typeof createReaper>
let limits: ReturnType<typeof createLimits>

beforeEach(async () => {
  bench = await sessionBench()
  const stop = createStop(bench.core)
  limits = createLimits(bench.core, stop)
  reaper = createReaper(bench.core, stop, limits)
})
afterEach(() => bench.close())

const minutes = (n: number) => {
  bench.clock.now = new Date(bench.clock.now.getTime() + n * 60_000)
}

/** a running session whose sandbox has a workspace to save */
async function running() {
  const s = await bench.session('running')
  mkdirSync(join(bench.driver.sandboxes.get(s.sandboxId!)!.root, WORK_DIR), { recursive: true })
  bench.core.lastActivity.set(s.id, bench.clock.now.getTime())
  return s
}

const trail = async (target: string) =>
  (await bench.audit()).filter((r) => r.target === target).map((r) => `${r.action}:${r.outcome}`)

describe('the reaper', () => {
  it('ends a session past its maximum duration, saving its workspace, as the system', async () => {
    const s = await running()
    minutes(bench.sandbox.maxDurationMinutes)
    bench.core.lastActivity.set(s.id, bench.clock.now.getTime())
    await reaper.reap()
    await bench.settle()
    const after = (await bench.store.getSandboxSession(s.id))!
    expect(after.state).toBe('stopped')
    expect(after.reason).toBe(`the session reached its maximum duration of ${bench.sandbox.maxDurationMinutes} minutes`)
    expect(bench.driver.sandboxes.has(s.sandboxId!)).toBe(false)
    expect(await trail(s.id)).toEqual([
      'session.start:success',
      'session.stop:success',
      'workspace.save:success',
      'session.stopped:success'
    ])
    const stopRecord = (await bench.audit()).find((r) => r.action === 'session.stop')!
    expect(stopRecord).toMatchObject({ actor: 'system', details: { reason: after.reason, from: 'running' } })
  })

  it("ends a session idle for the policy's idle minutes, and keeps one touched within them", async () => {
    const idle = await running()
    const busy = await running()
    minutes(bench.sandbox.idleMinutes - 1)
    bench.core.lastActivity.set(busy.id, bench.clock.now.getTime())
    minutes(1)
    await reaper.reap()
    await bench.settle()
    expect(await bench.store.getSandboxSession(idle.id)).toMatchObject({
      state: 'stopped',
      reason: `the session was idle for ${bench.sandbox.idleMinutes} minutes`
    })
    expect((await bench.store.getSandboxSession(busy.id))!.state).toBe('running')
  })

  it('fails a running session whose sandbox is gone, and a start that took too long', async () => {
    const lost = await running()
    bench.driver.vanish(lost.sandboxId!)
    const slow = await bench.session('starting')
    bench.clock.now = new Date(bench.clock.now.getTime() + START_TIMEOUT_MS + 1)
    await reaper.reap()
    expect(await bench.store.getSandboxSession(lost.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox stopped unexpectedly: the sandbox no longer exists'
    })
    expect(await bench.store.getSandboxSession(slow.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox did not start in time'
    })
    expect(await trail(lost.id)).toEqual(['session.start:success', 'session.failed:error'])
  })

  it('leaves alone a session whose change is under way', async () => {
    const s = await running()
    bench.driver.vanish(s.sandboxId!)
    let release: () => void = () => undefined
    const held = bench.core.locked(s.id, () => new Promise<void>((r) => (release = r)))
    await reaper.reap()
    expect((await bench.store.getSandboxSession(s.id))!.state).toBe('running')
    release()
    await held
  })

  it('records a sandbox at its process limit once per episode', async () => {
    const s = await running()
    const pids = bench.driver.sandboxes.get(s.sandboxId!)!.spec.pids
    const limitRecords = async () => (await bench.audit()).filter((r) => r.action === 'sandbox.limit')
    bench.driver.pidsNow = pids
    await reaper.reap()
    await reaper.reap()
    expect(await limitRecords()).toHaveLength(1)
    expect((await limitRecords())[0]).toMatchObject({
      target: s.id,
      outcome: 'denied',
      details: { limit: 'pids', pids, max: pids }
    })
    bench.driver.pidsNow = 1
    await reaper.reap()
    bench.driver.pidsNow = pids
    await reaper.reap()
    expect(await limitRecords()).toHaveLength(2)
  })
})

describe('engine events', () => {
  it('records a process killed for memory, and fails a session whose sandbox died', async () => {
    const s = await running()
    const labels = bench.driver.sandboxes.get(s.sandboxId!)!.info.labels
    await limits.onSandboxEvent({ sandboxId: s.sandboxId!, labels, kind: 'oom', exitCode: null })
    expect((await bench.audit()).at(-1)).toMatchObject({
      action: 'sandbox.limit',
      target: s.id,
      outcome: 'denied',
      details: { limit: 'memory', sandbox: s.sandboxId }
    })
    bench.driver.crash(s.sandboxId!)
    await limits.onSandboxEvent({ sandboxId: s.sandboxId!, labels, kind: 'died', exitCode: 137 })
    expect(await bench.store.getSandboxSession(s.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox stopped unexpectedly: the sandbox ran out of memory'
    })
  })
})

describe('a lapsed right to work', () => {
  it('ends the sessions of a suspended account at once, before any limit', async () => {
    const s = await running()
    await bench.store.setUserStatus(bench.researcher.id, 'suspended', {
      actor: 'test',
      action: 'user.suspend',
      sourceIp: null,
      target: bench.researcher.id,
      outcome: 'success'
    })
    expect(await reaper.endLapsed()).toEqual([s.id])
    await bench.settle()
    expect(await bench.store.getSandboxSession(s.id)).toMatchObject({
      state: 'stopped',
      reason: 'your account is suspended'
    })
  })

  it('ends the live sessions of one project for a reason given, by whoever asked', async () => {
    const s = await running()
    const by = { actor: 'admin-1', sourceIp: '192.0.2.1' }
    expect(await reaper.endProjectSessions(bench.project.id, 'the dataset was revoked', by)).toEqual([s.id])
    expect(await reaper.endProjectSessions('another-project', 'no matter', by)).toEqual([])
    await bench.settle()
    expect(await bench.store.getSandboxSession(s.id)).toMatchObject({
      state: 'stopped',
      reason: 'the dataset was revoked'
    })
    expect((await bench.audit()).find((r) => r.action === 'session.stop')).toMatchObject(by)
  })
})
