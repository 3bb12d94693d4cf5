import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench, shiftDay } from '../../../test/support/session-core.js'
import { addDays, createRetention, DEFAULT_RETENTION_DAYS } from './retention.js'
import { workspaceSnapshot } from './workspace.js'

// set by each test that needs one (the first needs none), closed and forgotten after it
let bench: SessionBench
afterEach(() => {
  bench?.close()
  bench = undefined as never
})

const DAY = 24 * 60 * 60_000

/** the project ended yesterday; its researcher's workspace snapshot holds `bytes` bytes */
async function endedYesterday(bytes = 1234): Promise<string> {
  await bench.store.updateProject(
    bench.project.id,
    { startDate: shiftDay(bench.today(), -60), endDate: shiftDay(bench.today(), -1) },
    { actor: 'test', action: 'project.update', sourceIp: null, target: bench.project.id, outcome: 'success' }
  )
  const snapshot = workspaceSnapshot(bench.dataDir, bench.project.id, bench.researcher.id)
  mkdirSync(dirname(snapshot), { recursive: true })
  writeFileSync(snapshot, Buffer.alloc(bytes))
  return snapshot
}

const days = (n: number) => {
  bench.clock.now = new Date(bench.clock.now.getTime() + n * DAY)
}

describe('workspace retention', () => {
  it('counts calendar days after the end date', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
  })

  it("wipes an ended project's workspaces only after its retention days, recording each file first", async () => {
    bench = await sessionBench({ workspaceRetentionDays: 2 })
    const wipe = createRetention(bench.core)
    const snapshot = await endedYesterday()
    expect(await wipe()).toEqual([])
    days(1)
    expect(await wipe()).toEqual([])
    expect(existsSync(snapshot)).toBe(true)
    days(1)
    expect(await wipe()).toEqual([bench.project.id])
    expect(existsSync(dirname(snapshot))).toBe(false)
    const record = (await bench.audit()).find((r) => r.action === 'workspace.wipe')
    expect(record).toMatchObject({
      actor: 'system',
      target: bench.project.id,
      outcome: 'success',
      details: {
        project: bench.project.title,
        retentionDays: 2,
        directory: `workspaces/${bench.project.id}`,
        fileCount: 1,
        totalBytes: 1234,
        files: [{ path: `workspaces/${bench.project.id}/${bench.researcher.id}.tar.enc`, bytes: 1234 }]
      }
    })
  })

  it('keeps them the default retention when the policy does not say', async () => {
    bench = await sessionBench({ workspaceRetentionDays: undefined })
    const wipe = createRetention(bench.core)
    const snapshot = await endedYesterday()
    days(DEFAULT_RETENTION_DAYS - 1)
    expect(await wipe()).toEqual([])
    days(1)
    expect(await wipe()).toEqual([bench.project.id])
    expect(existsSync(snapshot)).toBe(false)
  })

  it('keeps them while a session of the project is live, and keeps those of a current project', async () => {
    bench = await sessionBench({ workspaceRetentionDays: 0 })
    const wipe = createRetention(bench.core)
    const current = workspaceSnapshot(bench.dataDir, bench.project.id, bench.researcher.id)
    mkdirSync(dirname(current), { recursive: true })
    writeFileSync(current, 'work')
    days(1)
    expect(await wipe()).toEqual([])
    const snapshot = await endedYesterday()
    const live = await bench.session('stopping')
    days(1)
    expect(await wipe()).toEqual([])
    expect(existsSync(snapshot)).toBe(true)
    await bench.store.transitionSandboxSession(
      live.id,
      ['stopping'],
      { state: 'stopped' },
      {
        actor: 'system',
        action: 'session.stopped',
        sourceIp: null,
        target: live.id,
        outcome: 'success'
      }
    )
    expect(await wipe()).toEqual([bench.project.id])
    expect((await bench.audit()).filter((r) => r.action === 'workspace.wipe')).toHaveLength(1)
  })
})
