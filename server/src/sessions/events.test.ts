import { describe, expect, it } from 'vitest'
import { createSessionEvents, type SessionChange } from './events.js'

describe('session events', () => {
  it("gives a late subscriber the starting session's latest step at once, and none once it left starting", () => {
    const events = createSessionEvents()
    events.progress('s-1', { step: 'sandbox' })
    events.progress('s-1', { step: 'data', bytes: 5, totalBytes: 10 })
    const heard: SessionChange[] = []
    const off = events.subscribe('s-1', (c) => heard.push(c))
    expect(heard).toEqual([{ kind: 'progress', step: 'data', bytes: 5, totalBytes: 10 }])
    events.state('s-1', 'running')
    expect(heard.at(-1)).toEqual({ kind: 'state', state: 'running' })
    off()
    events.state('s-1', 'stopping')
    expect(heard).toHaveLength(2)
    const late: SessionChange[] = []
    events.subscribe('s-1', (c) => late.push(c))
    expect(late).toEqual([])
  })

  it("tells each session's subscribers only about that session", () => {
    const events = createSessionEvents()
    const heard: SessionChange[] = []
    events.subscribe('s-1', (c) => heard.push(c))
    events.state('s-2', 'running')
    expect(heard).toEqual([])
  })

  it('names sessions that become running, and those that leave starting or running', () => {
    const events = createSessionEvents()
    const running: string[] = []
    const ending: string[] = []
    events.onRunning((id) => running.push(id))
    const off = events.onEnding((id) => ending.push(id))
    events.progress('a', { step: 'workspace' })
    events.state('a', 'running')
    events.state('b', 'starting')
    events.state('a', 'stopping')
    events.state('a', 'stopped')
    events.state('b', 'failed')
    expect(running).toEqual(['a'])
    expect(ending).toEqual(['a', 'a', 'b'])
    off()
    events.state('c', 'failed')
    expect(ending).toEqual(['a', 'a', 'b'])
  })
})
