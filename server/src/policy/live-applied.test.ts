import { describe, expect, it } from 'vitest'
import type { Policy } from './schema.js'
import { liveApplied } from './live-applied.js'

const policy = (sandbox: Record<string, unknown>) => ({ sandbox }) as unknown as Policy

describe('what a policy change did to running sessions', () => {
  it('says no running session needed a change when none did', () => {
    const out = liveApplied({ changes: [], pending: [] }, null, policy({}))
    expect(out).toEqual({ sessions: [], pending: [], newSessionsOnly: [], note: 'No running session needed a change.' })
  })

  it('counts the sessions that took new limits, names those not changed in place once, and those still starting', () => {
    const out = liveApplied(
      {
        changes: [
          { sessionId: 's1', projectId: 'p', applied: [{ key: 'memoryMiB' as never, from: 1, to: 2 }], notApplied: [] },
          {
            sessionId: 's2',
            projectId: 'p',
            applied: [],
            notApplied: [{ key: 'pids' as never, to: 9, reason: 'engine refused' }]
          },
          {
            sessionId: 's3',
            projectId: 'p',
            applied: [],
            notApplied: [{ key: 'pids' as never, to: 9, reason: 'engine refused' }]
          }
        ],
        pending: ['s4']
      },
      null,
      policy({})
    )
    expect(out.note).toBe(
      '1 running session took the new limits. Not changed in place: pids (engine refused). 1 session(s) still starting get it once they run.'
    )
    expect(out.sessions.map((s) => s.sessionId)).toEqual(['s1', 's2', 's3'])
    expect(out.pending).toEqual(['s4'])
  })
})

describe('keys a running session keeps', () => {
  it('names the changed keys that apply to new sessions only, against the policy before', () => {
    const out = liveApplied(
      { changes: [], pending: [] },
      policy({ image: 'a', tmpMiB: 64 }),
      policy({ image: 'b', tmpMiB: 64 })
    )
    expect(out.newSessionsOnly).toEqual(['sandbox.image'])
    expect(out.note).toBe('No running session needed a change. sandbox.image apply to new sessions only.')
  })
})
