import { describe, expect, it } from 'vitest'
import { DEFAULT_DISPLAY, type Policy } from '../policy/schema.js'
import { createDisplayService, type Viewer } from './display-service.js'

function service(display = { bytesPerMinute: 60_000, burstBytes: 10_000, bytesPerSession: 25_000 }) {
  let t = 0
  const policy = { display } as unknown as Policy
  const svc = createDisplayService({ policyFor: () => policy, now: () => new Date(t) })
  return {
    svc,
    policy,
    at: (ms: number) => (t = ms)
  }
}
const a: Viewer = { sessionId: 's1', projectId: 'p', userId: 'u1' }

describe('the display service', () => {
  it('holds a session to its total, however the bucket refills', () => {
    const { svc, at } = service()
    expect(svc.take(a, 10_000)).toBe(10_000)
    at(60_000)
    expect(svc.take(a, 20_000)).toBe(10_000)
    at(120_000)
    expect(svc.take(a, 20_000)).toBe(5_000)
    at(600_000)
    expect(svc.take(a, 1)).toBe(0)
    expect(svc.msUntil(a, 1)).toBe(Infinity)
    expect(svc.status(a).shown).toBe(25_000)
  })

  it("gives a researcher's next session no fresh burst: the rate is theirs across sessions", () => {
    const { svc, at } = service()
    expect(svc.take(a, 10_000)).toBe(10_000)
    svc.forget('s1')
    const next = { ...a, sessionId: 's2' }
    expect(svc.take(next, 10_000)).toBe(0)
    at(1_000)
    expect(svc.take(next, 10_000)).toBe(1_000)
    // another researcher has their own
    expect(svc.take({ ...a, sessionId: 's3', userId: 'u2' }, 10_000)).toBe(10_000)
  })

  it("keeps a project's rate apart from another project's, so a looser one never refills a stricter one", () => {
    const { svc } = service()
    expect(svc.take(a, 10_000)).toBe(10_000)
    expect(svc.take({ ...a, sessionId: 's9', projectId: 'q' }, 10_000)).toBe(10_000)
    expect(svc.take(a, 1)).toBe(0)
  })

  it('counts a minute at the ceiling when it showed nearly all the rate allows, held back or not', () => {
    const { svc, at } = service({ bytesPerMinute: 60_000, burstBytes: 60_000, bytesPerSession: 10_000_000 })
    // a program pacing itself just below the rate: 50,000 a minute, never held back
    for (let t = 0; t < 3 * 60_000; t += 1_000) {
      at(t)
      expect(svc.take(a, 833)).toBe(833)
    }
    at(3 * 60_000)
    expect(svc.status(a).pacedSince).toBeNull()
    expect(svc.status(a).ceilingMinutes).toBe(3)
  })

  it('takes a row or an image whole or not at all', () => {
    const { svc } = service()
    expect(svc.takeWhole(a, 9_000)).toBe(true)
    expect(svc.takeWhole(a, 2_000)).toBe(false)
    expect(svc.take(a, 2_000)).toBe(1_000)
  })

  it('counts minutes in a row of wanting more than the budget gave', () => {
    const { svc, at } = service({ bytesPerMinute: 60_000, burstBytes: 10_000, bytesPerSession: 10_000_000 })
    // a flood asking every two seconds for more than it gets, for four minutes
    for (let t = 1_000; t < 4 * 60_000; t += 2_000) {
      at(t)
      svc.take(a, 100_000)
    }
    expect(svc.status(a).ceilingMinutes).toBe(4)
    expect(svc.status(a).pacedSince).toBe(new Date(1_000).toISOString())
    // a few quiet seconds end the episode
    at(4 * 60_000 + 10_000)
    expect(svc.status(a).pacedSince).toBeNull()
    at(5 * 60_000 + 1_000)
    // a minute without wanting more breaks the run
    expect(svc.status(a).ceilingMinutes).toBe(0)
  })

  it('follows a policy change at the next byte', () => {
    const { svc, policy } = service()
    svc.take(a, 1)
    ;(policy as { display: typeof DEFAULT_DISPLAY }).display = {
      bytesPerMinute: 60_000,
      burstBytes: 100,
      bytesPerSession: 25_000
    }
    expect(svc.take(a, 10_000)).toBe(100)
    expect(svc.status(a).limits.burstBytes).toBe(100)
  })

  it('tells its listeners what was shown, text apart from images', () => {
    const { svc } = service()
    const seen: [string, string, boolean][] = []
    svc.onShown((v, channel, content, binary) => seen.push([v.sessionId, `${channel}:${content.length}`, binary]))
    svc.shown(a, 'terminal', Buffer.from('hello'))
    svc.shown(a, 'cell', Buffer.alloc(3), true)
    svc.shown(a, 'cell', Buffer.alloc(0))
    expect(seen).toEqual([
      ['s1', 'terminal:5', false],
      ['s1', 'cell:3', true]
    ])
  })
})
