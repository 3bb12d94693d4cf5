import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../display/budget.js'
import { OutputPacer, type PaceNotice } from './pacing.js'

/** A pacer on a bucket of 1000 bytes refilling at 60,000 a minute, with a clock and timers the test moves. */
function rig(limits = { bytesPerMinute: 60_000, burstBytes: 1_000 }) {
  let t = 0
  const timers: { at: number; fn: () => void; id: number }[] = []
  let ids = 0
  const bucket = new TokenBucket(limits, 0)
  const shown: Buffer[] = []
  const notices: PaceNotice[] = []
  let paused = false
  const pacer = new OutputPacer({
    take: (n) => bucket.take(n, t),
    takeWithDebt: (n, debt) => bucket.take(n, t, Infinity, debt),
    msUntil: (n) => bucket.msUntil(n, t),
    limits: () => ({ bytesPerMinute: limits.bytesPerMinute, bytesPerSession: 1e9 }),
    pause: () => (paused = true),
    resume: () => (paused = false),
    deliver: (c) => shown.push(Buffer.from(c)),
    notice: (n) => notices.push(n),
    setTimeout: (fn, ms) => {
      const id = ++ids
      timers.push({ at: t + ms, fn, id })
      return id
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((x) => x.id === id)
      if (i >= 0) timers.splice(i, 1)
    }
  })
  /** moves the clock, firing the timers that fall due, in order */
  const advance = (ms: number) => {
    const end = t + ms
    for (;;) {
      timers.sort((a, b) => a.at - b.at)
      const next = timers[0]
      if (next === undefined || next.at > end) break
      timers.shift()
      t = next.at
      next.fn()
    }
    t = end
  }
  return {
    pacer,
    shown: () => Buffer.concat(shown).toString('latin1'),
    notices,
    paused: () => paused,
    advance
  }
}

describe('the terminal output pacer', () => {
  it('passes output within the budget straight through', () => {
    const r = rig()
    r.pacer.push(Buffer.from('hello'))
    expect(r.shown()).toBe('hello')
    expect(r.paused()).toBe(false)
    expect(r.notices).toEqual([])
  })

  it('stops reading past the budget, says so, and shows the rest as the budget refills, in order', () => {
    const r = rig()
    const flood = Buffer.from('x'.repeat(3_000))
    r.pacer.push(flood)
    expect(r.shown().length).toBe(1_000)
    expect(r.paused()).toBe(true)
    expect(r.notices).toEqual([{ state: 'paced', bytesPerMinute: 60_000 }])
    // a chunk read before the pause took hold waits behind the rest
    r.pacer.push(Buffer.from('END'))
    r.advance(1_000)
    expect(r.shown().length).toBeLessThanOrEqual(2_000)
    r.advance(2_100)
    expect(r.shown()).toBe(`${'x'.repeat(3_000)}END`)
    expect(r.paused()).toBe(false)
    // said once the output has not been paced again for a while: a flood must not make the note flicker
    expect(r.notices.at(-1)).toEqual({ state: 'paced', bytesPerMinute: 60_000 })
    r.advance(1_500)
    expect(r.notices.at(-1)).toEqual({ state: 'flowing' })
  })

  it('does not flicker between paced and flowing while a flood goes on', () => {
    const r = rig()
    for (let i = 0; i < 40; i++) {
      r.pacer.push(Buffer.alloc(3_000, 0x41))
      r.advance(3_100)
    }
    expect(r.notices).toEqual([{ state: 'paced', bytesPerMinute: 60_000 }])
  })

  it('never shows more than the burst plus the refill, whatever the program prints', () => {
    const r = rig()
    for (let i = 0; i < 100; i++) r.pacer.push(Buffer.alloc(10_000, 0x41))
    r.advance(60_000)
    expect(r.shown().length).toBeLessThanOrEqual(1_000 + 60_000)
    expect(r.shown().length).toBeGreaterThan(55_000)
  })

  it('after Ctrl-C skips what is held back and shows the prompt once the flood stops', () => {
    const r = rig()
    r.pacer.push(Buffer.alloc(50_000, 0x41))
    expect(r.paused()).toBe(true)
    r.pacer.interrupt()
    // reading resumes at once, so what the pipeline still holds comes through, and is skipped
    expect(r.paused()).toBe(false)
    r.pacer.push(Buffer.alloc(20_000, 0x42))
    r.advance(50)
    r.pacer.push(Buffer.from('^C\r\nresearcher@vre:~$ '))
    r.advance(200)
    const shown = r.shown()
    // whole lines of the tail: the prompt, not the end of a line of flood
    expect(shown.slice(1_000)).toBe('researcher@vre:~$ ')
    // the skipped flood never reached the screen: the burst, then only the last line
    expect(shown.length).toBeLessThan(1_000 + 100)
    // what was held, what came after, and the end of the ^C line that is not part of the tail, told
    // in steps of 64 KiB (the program chooses the figure: it must carry little)
    expect(r.notices).toContainEqual({ state: 'skipped', bytes: 2 * 65_536 })
    // what follows is paced again, from the budget the skipped flood never touched
    r.pacer.push(Buffer.alloc(5_000, 0x43))
    expect(r.paused()).toBe(true)
    expect(r.shown().length).toBeLessThan(1_000 + 18 + 300)
  })

  it('goes back to pacing a program that ignores Ctrl-C', () => {
    const r = rig()
    r.pacer.push(Buffer.alloc(5_000, 0x41))
    r.pacer.interrupt()
    // output keeps coming without a pause: after a few seconds the skipping stops
    for (let i = 0; i < 120; i++) {
      r.pacer.push(Buffer.alloc(1_000, 0x42))
      r.advance(50)
    }
    const before = r.shown().length
    expect(before).toBeLessThanOrEqual(1_000 + 2_048)
    r.pacer.push(Buffer.alloc(100_000, 0x43))
    expect(r.paused()).toBe(true)
  })

  it('reads no more than a few MiB for one Ctrl-C, then paces again', () => {
    const r = rig()
    r.pacer.push(Buffer.alloc(5_000, 0x41))
    r.pacer.interrupt()
    // a program that ignores Ctrl-C and prints as fast as it can
    for (let i = 0; i < 20; i++) r.pacer.push(Buffer.alloc(1024 * 1024, 0x42))
    expect(r.paused()).toBe(true)
    expect(r.notices).toContainEqual(expect.objectContaining({ state: 'skipped' }))
  })

  it('ignores Ctrl-C when nothing is paced', () => {
    const r = rig()
    r.pacer.interrupt()
    r.pacer.push(Buffer.from('hello'))
    expect(r.shown()).toBe('hello')
    expect(r.notices).toEqual([])
  })

  it('stays stopped, saying why, once the session has shown all it may', () => {
    let t = 0
    const notices: PaceNotice[] = []
    const pacer = new OutputPacer({
      take: (n) => Math.min(n, Math.max(0, 100 - t)),
      takeWithDebt: () => 0,
      msUntil: () => Infinity,
      limits: () => ({ bytesPerMinute: 60_000, bytesPerSession: 100 }),
      pause: () => undefined,
      resume: () => undefined,
      deliver: (c) => (t += c.length),
      notice: (n) => notices.push(n)
    })
    pacer.push(Buffer.alloc(500))
    expect(notices).toEqual([{ state: 'exhausted', bytesPerSession: 100 }])
    pacer.dispose()
  })
})
