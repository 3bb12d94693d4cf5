import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { MiB } from './core.js'
import { createLiveLimits } from './live-limits.js'

let bench: SessionBench
afterEach(() => bench.close())

const admin = { actor: 'admin-1', sourceIp: '192.0.2.7' }

describe('live limits', () => {
  it("changes a running runc sandbox's resources through the engine, recording the request first", async () => {
    bench = await sessionBench({ runtime: 'runc' })
    const live = createLiveLimits(bench.core)
    const s = await bench.session('running')
    const was = { ...bench.sandbox }
    Object.assign(bench.sandbox, { cpus: 2, memoryMiB: 4096, pids: 512, idleMinutes: 10 })
    const { changes, pending } = await live.applyPolicy(admin)
    expect(pending).toEqual([])
    expect(changes).toEqual([
      {
        sessionId: s.id,
        projectId: bench.project.id,
        applied: [
          { key: 'cpus', from: was.cpus, to: 2 },
          { key: 'memoryMiB', from: was.memoryMiB, to: 4096 },
          { key: 'pids', from: was.pids, to: 512 },
          { key: 'idleMinutes', from: was.idleMinutes, to: 10 }
        ],
        notApplied: []
      }
    ])
    expect(bench.driver.sandboxes.get(s.sandboxId!)!.spec).toMatchObject({
      cpus: 2,
      memoryBytes: 4096 * MiB,
      pids: 512
    })
    expect((await bench.store.getSandboxSession(s.id))!.limits).toMatchObject({
      cpus: 2,
      memoryMiB: 4096,
      pids: 512,
      idleMinutes: 10
    })
    const records = (await bench.audit()).filter((r) => r.action.startsWith('session.limits'))
    expect(records.map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'session.limits.request:success',
      'session.limits:success'
    ])
    expect(records[0]).toMatchObject({
      ...admin,
      target: s.id,
      details: { to: { cpus: 2, memoryMiB: 4096, pids: 512 } }
    })
  })

  it('records a change gVisor refuses as not applied, keeping the limits the sandbox runs under', async () => {
    bench = await sessionBench({ runtime: 'runsc' })
    const live = createLiveLimits(bench.core)
    const s = await bench.session('running')
    const was = bench.sandbox.memoryMiB
    bench.sandbox.memoryMiB = was * 2
    const change = await live.applyLimits(s.id, admin)
    expect(change).toEqual({
      sessionId: s.id,
      projectId: bench.project.id,
      applied: [],
      notApplied: [{ key: 'memoryMiB', to: was * 2, reason: 'the fake gVisor cannot change limits' }]
    })
    expect((await bench.store.getSandboxSession(s.id))!.limits).toMatchObject({ memoryMiB: was })
    expect((await bench.audit()).at(-1)).toMatchObject({ action: 'session.limits', outcome: 'error' })
  })

  it('keeps the deadline a sandbox started with and the row cap its kernel started with when they are raised', async () => {
    bench = await sessionBench()
    const live = createLiveLimits(bench.core)
    const s = await bench.session('running')
    const { maxDurationMinutes, rowCap } = { rowCap: 1000, ...bench.sandbox }
    Object.assign(bench.sandbox, { maxDurationMinutes: maxDurationMinutes + 60, rowCap: rowCap + 1 })
    const change = (await live.applyLimits(s.id, admin))!
    expect(change.applied).toEqual([])
    expect(change.notApplied.map((n) => n.key)).toEqual(['maxDurationMinutes', 'rowCap'])
    // the record keeps the old maximum (what the reaper reads) but takes the new cap (a later kernel's)
    expect((await bench.store.getSandboxSession(s.id))!.limits).toMatchObject({
      maxDurationMinutes,
      rowCap: rowCap + 1
    })
    Object.assign(bench.sandbox, { maxDurationMinutes: maxDurationMinutes - 60, rowCap: 10 })
    const lowered = (await live.applyLimits(s.id, admin))!
    expect(lowered.applied).toEqual([
      { key: 'maxDurationMinutes', from: maxDurationMinutes, to: maxDurationMinutes - 60 },
      { key: 'rowCap', from: rowCap + 1, to: 10 }
    ])
    expect(lowered.notApplied).toEqual([])
  })

  it('does nothing to a session already under the policy in force, and names starting sessions pending', async () => {
    bench = await sessionBench()
    const live = createLiveLimits(bench.core)
    const running = await bench.session('running')
    const starting = await bench.session('starting')
    const before = (await bench.audit()).length
    expect(await live.applyLimits(running.id, admin)).toBeNull()
    expect(await live.applyPolicy(admin)).toEqual({ changes: [], pending: [starting.id] })
    await bench.settle()
    expect(await bench.audit()).toHaveLength(before)
  })
})
