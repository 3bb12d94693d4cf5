import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { createStop } from './stop.js'
import { WORK_DIR, workspaceSnapshot } from './workspace.js'

let bench: SessionBench
let stop: ReturnType<typeof createStop>
beforeEach(async () => {
  bench = await sessionBench()
  stop = createStop(bench.core)
})
afterEach(() => bench.close())

const researcherAt = { actor: 'researcher', sourceIp: '192.0.2.3' }

describe('stopping a session', () => {
  it('saves the workspace, removes the sandbox and records each step with who asked', async () => {
    const s = await bench.session('running')
    const work = join(bench.driver.sandboxes.get(s.sandboxId!)!.root, WORK_DIR)
    mkdirSync(work, { recursive: true })
    writeFileSync(join(work, 'analysis.sql'), 'select 1')
    bench.core.lastActivity.set(s.id, 1)
    const after = await stop.stop(s.id, 'the researcher ended it', researcherAt)
    expect(after).toMatchObject({ state: 'stopped', reason: 'the researcher ended it' })
    expect(after.endedAt).toBe(bench.clock.now.toISOString())
    expect(existsSync(workspaceSnapshot(bench.dataDir, bench.project.id, bench.researcher.id))).toBe(true)
    expect(bench.driver.sandboxes.has(s.sandboxId!)).toBe(false)
    expect(bench.core.lastActivity.has(s.id)).toBe(false)
    const trail = (await bench.audit()).filter((r) => r.target === s.id)
    expect(trail.map((r) => `${r.actor}:${r.action}:${r.outcome}`)).toEqual([
      `${bench.researcher.id}:session.start:success`,
      'researcher:session.stop:success',
      'system:workspace.save:success',
      'system:session.stopped:success'
    ])
    expect(trail[2]!.details).toMatchObject({ files: 1, dropped: 0 })
  })

  it('records a workspace that could not be saved and still ends the session', async () => {
    const s = await bench.session('running')
    const after = await stop.stop(s.id, 'ended', researcherAt)
    expect(after.state).toBe('stopped')
    expect((await bench.audit()).find((r) => r.action === 'workspace.save')).toMatchObject({ outcome: 'error' })
  })

  it('answers an ended session as it is, and an unknown one as not found', async () => {
    const s = await bench.session('running')
    await stop.stop(s.id, 'first', researcherAt)
    const before = (await bench.audit()).length
    expect(await stop.stop(s.id, 'second', researcherAt)).toMatchObject({ state: 'stopped', reason: 'first' })
    expect(await bench.audit()).toHaveLength(before)
    await expect(stop.stop('no-such-session', 'x', researcherAt)).rejects.toThrow('There is no such session.')
  })

  it('fails a session, removing its sandbox', async () => {
    const s = await bench.session('running')
    await stop.fail(s, 'the sandbox ran out of memory')
    expect(await bench.store.getSandboxSession(s.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox ran out of memory'
    })
    expect(bench.driver.sandboxes.has(s.sandboxId!)).toBe(false)
    expect((await bench.audit()).at(-1)).toMatchObject({ action: 'session.failed', outcome: 'error', actor: 'system' })
  })
})
