import { expect } from 'vitest'
import { isAuditAction } from '../../audit/actions.js'
import { type AuditEvent, AuditWriteFailed } from '../../audit/record.js'
import type { AuditStore } from '../audit-log.js'

/** A store under test, with the one fault a suite cannot cause through the store's own interface. */
export interface StoreHarness<S> {
  store: S
  /** From now on every audit append fails, as a full disk would, until `restoreAuditWrites`. */
  failAuditWrites(): void
  restoreAuditWrites(): void
  close(): Promise<void>
}

/** Opens a fresh, empty store for one test. */
export type MakeStore<S> = () => Promise<StoreHarness<S>>

/** A test body run on a fresh store, closed after it whatever happens. */
export const using =
  <S>(make: MakeStore<S>) =>
  (test: (h: StoreHarness<S>) => Promise<void>) =>
  async () => {
    const h = await make()
    try {
      await test(h)
    } finally {
      await h.close()
    }
  }

/** A suite's event: recorded under `label` when that is an audit action, else under a real one with the label in details. */
export const ev = (label: string): AuditEvent => ({
  actor: 'test',
  action: isAuditAction(label) ? label : 'audit.verify',
  sourceIp: null,
  target: null,
  outcome: 'success',
  details: { label }
})

/** The methods of an aggregate's interface (its other members are nested stores). */
export type MethodsOf<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T]

/**
 * Compiles only when `reads` and `mutations` together name every method of `T`, and nothing else:
 * a method added to an aggregate must be listed, and a mutation listed must be exercised.
 */
export type Covers<T, Listed> = [Exclude<MethodsOf<T>, Listed>, Exclude<Listed, MethodsOf<T>>] extends [never, never]
  ? true
  : { missingOrExtra: Exclude<MethodsOf<T>, Listed> | Exclude<Listed, MethodsOf<T>> }

/** One mutation as a suite runs it: how many audit records it takes (one unless said). */
export type MutationStep = (() => Promise<unknown>) | { run: () => Promise<unknown>; records: number }

const head = async (audit: AuditStore) => (await audit.recentAudit(1))[0]?.seq ?? 0

/**
 * Runs each mutation in order, twice. First with audit writes failing: it is refused with
 * AuditWriteFailed, and neither what `observe` reads through the aggregate's interface nor the log
 * changes (the change rolled back with its record). Then as normal: the log grows by exactly its
 * records, the newest carrying the mutation's name as its label (each step passes `ev(name)` last).
 */
export async function expectEveryMutationAudited(
  h: StoreHarness<AuditStore>,
  steps: Record<string, MutationStep>,
  observe: () => Promise<unknown>
): Promise<void> {
  for (const [name, step] of Object.entries(steps)) {
    const run = typeof step === 'function' ? step : step.run
    const records = typeof step === 'function' ? 1 : step.records
    const seen = await observe()
    const before = await head(h.store)
    h.failAuditWrites()
    try {
      await expect(run(), name).rejects.toBeInstanceOf(AuditWriteFailed)
    } finally {
      h.restoreAuditWrites()
    }
    expect(await observe(), `${name} rolled back`).toEqual(seen)
    expect(await head(h.store), `${name} rolled back`).toBe(before)
    await run()
    expect(await head(h.store), name).toBe(before + records)
    expect((await h.store.recentAudit(1))[0]!.details.label, name).toBe(name)
  }
}
