import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { createReconcile } from './reconcile.js'
import { LABELS, sandboxSpec } from './sandbox-spec.js'
import { createStop } from './stop.js'

let bench: SessionBench
let reconcile: ReturnType<typeof createReconcile>

beforeEach(async () => {
  bench = await sessionBench()
  reconcile = createReconcile(bench.core, createStop(bench.core))
})
afterEach(() => bench.close())

describe('reconciling after a restart', () => {
  it('adopts a running sandbox of a running session, counting its idle time from now', async () => {
    const s = await bench.session('running')
    expect(await reconcile()).toEqual({ adopted: [s.id], removed: [], failed: [], expired: [] })
    expect(bench.core.lastActivity.get(s.id)).toBe(bench.clock.now.getTime())
    expect(bench.driver.sandboxes.has(s.sandboxId!)).toBe(true)
    expect((await bench.store.getSandboxSession(s.id))!.state).toBe('running')
    expect((await bench.audit()).at(-1)).toMatchObject({
      actor: 'system',
      action: 'session.adopted',
      target: s.id,
      outcome: 'success',
      details: { sandbox: s.sandboxId }
    })
  })

  it('removes a sandbox of this gateway that no session owns', async () => {
    const spec = sandboxSpec(
      { id: 'no-such-session', userId: 'u', projectId: 'p', createdAt: bench.clock.now.toISOString() },
      await bench.store.gatewayId(),
      bench.sandbox,
      {}
    )
    const orphan = await bench.driver.start(spec)
    const elsewhere = await bench.driver.start({ ...spec, labels: { ...spec.labels, [LABELS.gateway]: 'other' } })
    expect(await reconcile()).toEqual({ adopted: [], removed: [orphan.id], failed: [], expired: [] })
    expect(bench.driver.sandboxes.has(orphan.id)).toBe(false)
    // another gateway's sandbox, not past its deadline, is that gateway's business
    expect(bench.driver.sandboxes.has(elsewhere.id)).toBe(true)
    expect((await bench.audit()).at(-1)).toMatchObject({
      action: 'sandbox.orphan_removed',
      target: orphan.id,
      details: { session: 'no-such-session', sessionState: 'unknown' }
    })
  })

  it('fails a session whose sandbox is gone, and one that was starting', async () => {
    const lost = await bench.session('running')
    bench.driver.vanish(lost.sandboxId!)
    const starting = await bench.session('starting')
    const result = await reconcile()
    expect(result.failed.sort()).toEqual([lost.id, starting.id].sort())
    expect(await bench.store.getSandboxSession(lost.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox was gone when the gateway restarted'
    })
    expect(await bench.store.getSandboxSession(starting.id)).toMatchObject({
      state: 'failed',
      reason: 'the gateway restarted while the sandbox was starting'
    })
    expect((await bench.audit()).filter((r) => r.action === 'session.failed')).toHaveLength(2)
  })

  it('finishes the stop of a session that was stopping, sandbox or not', async () => {
    const withSandbox = await bench.session('stopping')
    const without = await bench.session('stopping', { sandboxId: null })
    expect(await reconcile()).toEqual({ adopted: [], removed: [], failed: [], expired: [] })
    expect((await bench.store.getSandboxSession(withSandbox.id))!.state).toBe('stopped')
    expect((await bench.store.getSandboxSession(without.id))!.state).toBe('stopped')
    expect(bench.driver.sandboxes.has(withSandbox.sandboxId!)).toBe(false)
  })

  it("removes a running session's sandbox that is not the one on record, and fails the session", async () => {
    const s = await bench.session('running')
    const other = await bench.session('running')
    // the record names another sandbox than the one labelled for it
    await bench.store.transitionSandboxSession(
      s.id,
      ['running'],
      { state: 'running', sandboxId: other.sandboxId },
      {
        actor: 'test',
        action: 'session.running',
        sourceIp: null,
        target: s.id,
        outcome: 'success'
      }
    )
    const stray = (await bench.driver.list({ [LABELS.session]: s.id }))[0]!
    const result = await reconcile()
    expect(result.removed).toEqual([stray.id])
    expect(result.adopted).toEqual([other.id])
    expect(result.failed).toEqual([s.id])
  })
})
