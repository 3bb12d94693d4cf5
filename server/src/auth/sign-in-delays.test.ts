import { describe, expect, it } from 'vitest'
import { DEFAULT_SIGN_IN_DELAYS } from '../policy/schema.js'
import { delaySeconds, notBefore, waitOf } from './sign-in-delays.js'

const rules = DEFAULT_SIGN_IN_DELAYS

describe('sign-in delays', () => {
  it('lets the free failures pass, then doubles the wait from the first delay up to the cap', () => {
    const waits = Array.from({ length: 14 }, (_, failures) => delaySeconds(failures, 5, rules))
    expect(waits).toEqual([0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60])
  })

  it('never waits longer than the cap, however many failures', () => {
    expect(delaySeconds(1_000_000, 5, rules)).toBe(60)
    expect(delaySeconds(1_000_000, 5, { ...rules, maxDelaySeconds: 300 })).toBe(300)
  })

  it('counts the wait from the last failure, and none without one', () => {
    const lastAt = '2026-04-01T00:00:00.000Z'
    expect(notBefore({ count: 7, lastAt }, 5, rules)).toEqual(new Date('2026-04-01T00:00:04.000Z'))
    expect(notBefore({ count: 4, lastAt }, 5, rules)).toBeNull()
    expect(notBefore({ count: 0, lastAt: null }, 5, rules)).toBeNull()
  })
})

describe('whose failures make an attempt wait', () => {
  const at = new Date('2026-04-01T00:00:10.000Z')
  const lastAt = '2026-04-01T00:00:09.000Z'
  const none = { count: 0, lastAt: null }

  it("waits for the account's failures from this address only: there are none from elsewhere to count", () => {
    const early = new Date('2026-04-01T00:00:09.500Z')
    // five failures of the pair: one second from the last
    expect(
      waitOf({ pair: { count: 5, lastAt }, address: { count: 5, lastAt }, knownPair: false }, rules, early)
    ).toEqual({ until: new Date('2026-04-01T00:00:10.000Z'), by: 'account at this address', failures: 5 })
    // once that second has passed, the same failures no longer hold it
    expect(waitOf({ pair: { count: 5, lastAt }, address: null, knownPair: false }, rules, at)).toBeNull()
    expect(waitOf({ pair: { count: 7, lastAt }, address: null, knownPair: false }, rules, at)).toMatchObject({
      until: new Date('2026-04-01T00:00:13.000Z'),
      by: 'account at this address'
    })
    // an attempt at another address has no failures of its pair, and its address none either
    expect(waitOf({ pair: none, address: none, knownPair: false }, rules, at)).toBeNull()
  })

  it("waits for the address's failures across accounts, unless the account signed in from there before", () => {
    const sprayed = { count: 14, lastAt }
    expect(waitOf({ pair: none, address: sprayed, knownPair: false }, rules, at)).toEqual({
      until: new Date('2026-04-01T00:00:25.000Z'),
      by: 'address',
      failures: 14
    })
    expect(waitOf({ pair: none, address: sprayed, knownPair: true }, rules, at)).toBeNull()
    // a known pair still waits for its own failures
    expect(waitOf({ pair: { count: 7, lastAt }, address: sprayed, knownPair: true }, rules, at)).toMatchObject({
      by: 'account at this address',
      failures: 7
    })
  })

  it('takes the longer wait when both hold', () => {
    const wait = waitOf({ pair: { count: 6, lastAt }, address: { count: 12, lastAt }, knownPair: false }, rules, at)
    expect(wait).toEqual({ until: new Date('2026-04-01T00:00:13.000Z'), by: 'address', failures: 12 })
  })
})
