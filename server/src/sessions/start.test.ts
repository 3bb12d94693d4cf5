import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import type { SandboxPolicy } from '../policy/schema.js'
import type { SandboxSessionRow } from '../store/types.js'
import type { SessionChange } from './events.js'
import { createLaunch } from './launch.js'
import { createStart } from './start.js'

let bench: SessionBench
afterEach(() => bench.close())

const ctx = { sourceIp: '192.0.2.9' } as Parameters<ReturnType<typeof createStart>>[2]

/** a start whose launches are only recorded, so the start's own rules are seen alone */
async function recordedStart(sandbox: Partial<SandboxPolicy> = {}) {
  bench = await sessionBench(sandbox)
  const launched: { row: SandboxSessionRow; p: SandboxPolicy }[] = []
  const start = createStart(bench.core, async (row, p) => {
    launched.push({ row, p })
  })
  return { start, launched }
}

const lastStart = async () => (await bench.audit()).filter((r) => r.action === 'session.start').at(-1)

describe('starting a session', () => {
  it('records a starting session and launches it under the policy in force', async () => {
    const { start, launched } = await recordedStart()
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    expect(row).toMatchObject({ state: 'starting', userId: bench.researcher.id, projectId: bench.project.id })
    expect(await bench.store.getSandboxSession(row.id)).toMatchObject({ state: 'starting' })
    expect(launched).toEqual([{ row, p: bench.sandbox }])
    expect(await lastStart()).toMatchObject({
      actor: bench.researcher.id,
      sourceIp: ctx.sourceIp,
      target: row.id,
      outcome: 'success',
      details: { runtime: bench.sandbox.runtime, image: bench.sandbox.image }
    })
  })

  it('answers a project the researcher is not in as one that does not exist, and records the refusal', async () => {
    const { start, launched } = await recordedStart()
    await expect(start(bench.researcher, 'no-such-project', ctx)).rejects.toThrow('There is no such project.')
    expect(await lastStart()).toMatchObject({ outcome: 'denied', details: { reason: 'no such project' } })
    expect(launched).toEqual([])
  })

  it('refuses a researcher whose certification is suspended, naming why', async () => {
    const { start } = await recordedStart()
    await bench.store.setCertification(
      { ...(await bench.store.getCertification(bench.researcher.organizationId!))!, status: 'suspended' },
      { actor: 'test', action: 'certification.set', sourceIp: null, target: null, outcome: 'success' }
    )
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      'You cannot start a session: certification T2-1 is suspended.'
    )
    expect(await lastStart()).toMatchObject({
      outcome: 'denied',
      details: { reasons: ['certification T2-1 is suspended'] }
    })
  })

  it("refuses a session over the policy's quota, naming the live ones", async () => {
    const { start } = await recordedStart({ sessionsPerUser: 1 })
    const first = await start(bench.researcher, bench.project.id, ctx)
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      `You already have 1 live session (the policy allows 1); end one first: ${first.id}.`
    )
    expect(await lastStart()).toMatchObject({
      outcome: 'denied',
      details: { reason: 'session quota', live: [first.id] }
    })
  })

  it('refuses a runtime the host does not have, never falling back', async () => {
    const { start } = await recordedStart({ runtime: 'runsc' })
    bench.driver.available = ['runc']
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      'the policy asks for the runsc runtime, which this host does not have'
    )
    expect(await lastStart()).toMatchObject({
      outcome: 'error',
      details: { reason: 'the policy asks for the runsc runtime, which this host does not have' }
    })
    expect(await bench.store.listSandboxSessions({ userId: bench.researcher.id })).toEqual([])
  })
})

describe('launching a session', () => {
  it("brings up the sandbox with the project's datasets, telling each step, then records it running", async () => {
    bench = await sessionBench()
    const start = createStart(bench.core, createLaunch(bench.core))
    const heard: SessionChange[] = []
    const row = await start(bench.researcher, bench.project.id, ctx)
    bench.core.events.subscribe(row.id, (c) => heard.push(c))
    await bench.settle()
    const after = (await bench.store.getSandboxSession(row.id))!
    expect(after.state).toBe('running')
    expect(bench.driver.sandboxes.get(after.sandboxId!)!.spec.env).toMatchObject({
      VRE_SESSION: row.id,
      VRE_DATASET: '/data/claims.duckdb'
    })
    expect(heard.map((c) => (c.kind === 'state' ? c.state : c.step))).toEqual(
      expect.arrayContaining(['sandbox', 'workspace', 'running'])
    )
    expect(heard.at(-1)).toEqual({ kind: 'state', state: 'running' })
    expect((await bench.audit()).at(-1)).toMatchObject({
      action: 'session.running',
      details: { sandbox: after.sandboxId, datasets: ['claims'], workspaceRestored: false }
    })
  })

  it('fails the session, removing its sandbox, when the shell cannot start in it', async () => {
    bench = await sessionBench()
    const shells = {
      // fails once the init has unpacked the seed, so nothing of the launch is left reading
      startSession: async (_: unknown, sandboxId: string) => {
        await bench.driver.sandboxes.get(sandboxId)!.seeded
        throw new Error('no shell')
      }
    }
    const core = { ...bench.core, deps: { ...bench.core.deps, shells } }
    const start = createStart(bench.core, createLaunch(core))
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    expect(await bench.store.getSandboxSession(row.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox could not be started: no shell'
    })
    expect(bench.driver.sandboxes.size).toBe(0)
  })
})
