import { Errors } from '../errors.js'
import type { SignInDelays } from '../policy/schema.js'
import type { Store, UserRow } from '../store/types.js'

/**
 * Progressive delays instead of lockout (NIST SP 800-63B 5.2.2): after failed sign-ins the next
 * attempt waits, longer with each failure but never longer than the cap, so whoever has the right
 * password and code still gets in, and whoever only knows a username can't keep them out.
 *
 * Failures count per account and address together (someone guessing one person's password from
 * one place), and per address across accounts (password spraying); never per account alone, so
 * failures in someone's name from one address do not slow them down at their own. An account
 * that signed in from an address lately is not slowed by that address's failures against others
 * (a shared network's): only by its own from there.
 */

/** Seconds to wait after `failures` recent failures: none within the free ones, then doubling up to the cap. */
export function delaySeconds(failures: number, free: number, rules: SignInDelays): number {
  if (failures < free) return 0
  // past about 30 doublings any cap is reached; the exponent is bounded so the number stays finite
  const doubled = rules.firstDelaySeconds * 2 ** Math.min(failures - free, 30)
  return Math.min(rules.maxDelaySeconds, doubled)
}

/** Recent failures: how many, and the last one's time. */
export interface Failures {
  count: number
  lastAt: string | null
}

/** When the next attempt may be checked, given the failures counted and the last one's time; null: now. */
export function notBefore(failures: Failures, free: number, rules: SignInDelays): Date | null {
  const wait = delaySeconds(failures.count, free, rules)
  if (wait === 0 || failures.lastAt === null) return null
  return new Date(Date.parse(failures.lastAt) + wait * 1000)
}

/** An account is not slowed by an address's failures against others if it signed in from there within this many days. */
export const KNOWN_ADDRESS_DAYS = 30

/** A wait before an attempt is checked: until when, and whose failures it comes from. */
export interface SignInWait {
  until: Date
  by: 'account at this address' | 'address'
  failures: number
}

/**
 * The longer of the two waits still running at `at`: the pair's (this username from this address)
 * and the address's, which a known pair (the account signed in from there lately) does not wait
 * for. Null: the attempt is checked now.
 */
export function waitOf(
  counted: { pair: Failures; address: Failures | null; knownPair: boolean },
  rules: SignInDelays,
  at: Date
): SignInWait | null {
  const waits: SignInWait[] = []
  const pair = notBefore(counted.pair, rules.accountFreeFailures, rules)
  if (pair !== null) waits.push({ until: pair, by: 'account at this address', failures: counted.pair.count })
  const address = counted.address === null ? null : notBefore(counted.address, rules.addressFreeFailures, rules)
  if (address !== null && !counted.knownPair) {
    waits.push({ until: address, by: 'address', failures: counted.address!.count })
  }
  return waits.filter((w) => w.until > at).sort((a, b) => b.until.getTime() - a.until.getTime())[0] ?? null
}

/** The wait before an attempt for `username` (the account `user`, if it exists) from `sourceIp`, from the store. */
export async function waitBeforeChecking(
  store: Store,
  rules: SignInDelays,
  attempt: { username: string; user: UserRow | null; sourceIp: string | null },
  at: Date
): Promise<SignInWait | null> {
  const since = new Date(at.getTime() - rules.windowMinutes * 60_000)
  const { username, user, sourceIp } = attempt
  const pair = await store.loginFailures({ username, sourceIp }, since)
  const address = sourceIp === null ? null : await store.loginFailures({ sourceIp }, since)
  const knownPair =
    address !== null &&
    address.count >= rules.addressFreeFailures &&
    user !== null &&
    (await store.hasSignedInFrom(user.id, sourceIp!, new Date(at.getTime() - KNOWN_ADDRESS_DAYS * 86_400_000)))
  return waitOf({ pair, address, knownPair }, rules, at)
}

/** The refusal of an attempt during a wait: 429 with a sentence, and the seconds for Retry-After. */
export function delayedError(wait: SignInWait, at: Date): Error & { retryAfterSeconds: number } {
  const seconds = Math.max(1, Math.ceil((wait.until.getTime() - at.getTime()) / 1000))
  return Object.assign(
    new Errors.SignInDelayed(
      `Too many failed sign-ins: try again in ${seconds} second${seconds === 1 ? '' : 's'}. ` +
        'This attempt was not checked and does not count as a failure.'
    ),
    { retryAfterSeconds: seconds }
  )
}
