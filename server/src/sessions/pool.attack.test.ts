/**
 * Attacks on the warm pool (pool.ts, launch.ts handOver), written by a security review against the
 * first version; each asserts the defence that holds now. Fake driver: these are about the
 * gateway's bookkeeping, not isolation.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { createLaunch } from './launch.js'
import { createPool } from './pool.js'

let bench: SessionBench
afterEach(() => bench.close())

const GiB = 1024 ** 3
const plenty = () => ({ memTotalBytes: 64 * GiB, memAvailableBytes: 60 * GiB, threads: 500, threadsMax: 1_000_000 })

async function setup(size: number) {
  bench = await sessionBench({ sessionsPerUser: 5 })
  bench.sandbox.pool = { size, idleMinutes: 30, activeMinutes: 60 }
  bench.core.deps.admission.read = plenty
  const pool = createPool(bench.core)
  return pool
}

/** a gate: `wait` resolves once `open` is called */
function gate() {
  let open!: () => void
  const wait = new Promise<void>((r) => (open = r))
  return { wait, open }
}
const tick = () => new Promise((r) => setTimeout(r, 20))

describe('(d) one pooled sandbox, two claims', () => {
  it('tend() running beside a claim does not put the claimed sandbox back in the pool', async () => {
    const pool = await setup(2)
    await pool.fill(bench.project.id)
    const before = pool.members()[bench.project.id]!
    expect(before).toHaveLength(2)
    // a recent start keeps the project active for tend
    const a = await bench.session('starting')
    const b = await bench.session('starting')
    // the engine answers tend's first poll slowly (a busy Docker daemon)
    const g = gate()
    const poll = bench.driver.poll.bind(bench.driver)
    let first = true
    bench.driver.poll = async (id) => {
      if (first) {
        first = false
        await g.wait
      }
      return poll(id)
    }
    const tending = pool.tend()
    await tick()
    const claimedByA = await pool.claim(a, bench.sandbox)
    g.open()
    await tending
    const claimedByB = await pool.claim(b, bench.sandbox)
    expect(claimedByA).not.toBeNull()
    expect(pool.members()[bench.project.id] ?? [], 'a claimed sandbox is back in the pool').not.toContain(claimedByA)
    expect(claimedByB, "researcher B was handed researcher A's sandbox").not.toBe(claimedByA)
  })

  it('fill() finishing during a claim does not leave the claimed sandbox in the pool', async () => {
    const pool = await setup(1)
    await pool.fill(bench.project.id)
    const [m1] = pool.members()[bench.project.id]!
    const a = await bench.session('starting')
    const b = await bench.session('starting')
    // the pool grows: fill starts another member; the engine is slow to start it
    bench.sandbox.pool = { ...bench.sandbox.pool!, size: 2 }
    const starts = gate()
    bench.driver.holdStarts = starts.wait
    const filling = pool.fill(bench.project.id)
    await tick()
    // A's claim reads the project (the store answers slowly) while the new member comes up
    const slow = gate()
    const getProject = bench.store.getProject.bind(bench.store)
    let slowOnce = true
    ;(bench.store as { getProject: typeof bench.store.getProject }).getProject = (async (id: string) => {
      if (slowOnce) {
        slowOnce = false
        await slow.wait
      }
      return getProject(id)
    }) as typeof bench.store.getProject
    const claiming = pool.claim(a, bench.sandbox)
    await tick()
    bench.driver.holdStarts = null
    starts.open()
    await filling
    slow.open()
    const claimedByA = await claiming
    expect(claimedByA).toBe(m1)
    const claimedByB = await pool.claim(b, bench.sandbox)
    expect(pool.members()[bench.project.id] ?? [], 'a claimed sandbox is back in the pool').not.toContain(m1)
    expect(claimedByB, "researcher B was handed researcher A's sandbox").not.toBe(m1)
  })
})

describe('(f) a claim recorded, then the hand-over fails', () => {
  it('the claimed sandbox is removed when the copy into it fails', async () => {
    const pool = await setup(1)
    await pool.fill(bench.project.id)
    const [m1] = pool.members()[bench.project.id]!
    const launch = createLaunch(bench.core, pool)
    const s = await bench.session('starting')
    bench.driver.copyIn = async () => {
      throw new Error('the engine refused the copy')
    }
    await launch(s, bench.sandbox)
    const row = await bench.store.getSandboxSession(s.id)
    expect(row!.state).toBe('failed')
    expect(row!.sandboxId).toBe(m1)
    expect(bench.driver.sandboxes.has(m1!), 'the claimed sandbox of a failed session still runs').toBe(false)
  })
})

describe('(g) the pool and admission', () => {
  it('pool members are not started past what admission admits when several projects fill at once', async () => {
    const pool = await setup(5)
    // the host's free memory falls as sandboxes start: room for 3 above the reserve
    const room = 3
    bench.core.deps.admission.read = () => ({
      memTotalBytes: 8 * GiB,
      memAvailableBytes: (1024 + 256 * (room - bench.driver.sandboxes.size) + 100) * 1024 * 1024,
      threads: 500,
      threadsMax: 1_000_000
    })
    // the engine takes a moment per start
    const start = bench.driver.start.bind(bench.driver)
    bench.driver.start = async (spec, seed) => {
      await tick()
      return start(spec, seed)
    }
    const p2 = await bench.store.createProject(
      {
        title: 'Another project',
        purpose: 'testing',
        approvalReference: 'IRB-2',
        startDate: bench.project.startDate,
        endDate: bench.project.endDate,
        memberIds: [bench.researcher.id],
        datasetIds: []
      },
      { actor: 'test', action: 'project.create', sourceIp: null, target: null, outcome: 'success' }
    )
    await Promise.all([pool.fill(bench.project.id), pool.fill(p2.id)])
    expect(bench.driver.sandboxes.size, 'sandboxes started on a host with room for 3').toBeLessThanOrEqual(room)
  })
})
