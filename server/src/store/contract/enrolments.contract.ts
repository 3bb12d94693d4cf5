import { describe, expect, it } from 'vitest'
import type { AuditStore } from '../audit-log.js'
import type { EnrolmentStore } from '../enrolments.js'
import type { IdentityStore } from '../identity.js'
import { enrolmentRow, newUser } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = { enrolments: EnrolmentStore } & IdentityStore & AuditStore

export const enrolmentReads = ['get', 'lastUsed'] as const
export const enrolmentMutations = ['open', 'complete', 'changeOwn'] as const
true satisfies Covers<EnrolmentStore, (typeof enrolmentReads)[number] | (typeof enrolmentMutations)[number]>

/** Enrolment links: a person sets their own password and authenticator, once. */
export function enrolmentStoreContract(make: MakeStore<S>): void {
  describe('enrolment store contract', () => {
    const withStore = using(make)

    it(
      'takes an audit event with every mutation, in its transaction: nothing is written when the record cannot be',
      withStore(async (h) => {
        const { store } = h
        const user = await newUser(store, 'ana')
        await store.resetUserCredentials(user.id, enrolmentRow(user.id, 'a'), ev('user.credentials_reset'))
        const at = new Date().toISOString()
        const token = 'a'.repeat(64)
        const steps: Record<(typeof enrolmentMutations)[number], MutationStep> = {
          open: () => store.enrolments.open(token, 'sealed-1', at, ev('open')),
          complete: async () =>
            expect(
              await store.enrolments.complete(
                token,
                { passwordHash: 'argon', totpSecretSealed: 'sealed-1', totpStep: 7 },
                at,
                ev('complete')
              )
            ).toBe(true),
          changeOwn: async () =>
            expect(
              await store.enrolments.changeOwn(
                {
                  userId: user.id,
                  expected: 'argon',
                  currentStep: 9,
                  keepSession: 'keep',
                  credentials: { passwordHash: 'argon-2', totpSecretSealed: 'sealed-2', totpStep: 9 }
                },
                at,
                ev('changeOwn')
              )
            ).toEqual({ signInsEnded: 0 })
        }
        const observe = async () => ({
          link: await store.enrolments.get(token),
          user: await store.getUserById(user.id)
        })
        await expectEveryMutationAudited(h, steps, observe)
        expect((await store.enrolments.lastUsed(user.id))!.tokenHash).toBe(token)
        expect((await store.getUserById(user.id))!).toMatchObject({
          passwordHash: 'argon-2',
          totpSecretSealed: 'sealed-2'
        })
      })
    )

    it(
      'takes the credentials away at a reset, ends sign-ins, and replaces an older link',
      withStore(async ({ store }) => {
        const reviewer = await newUser(store, 'rev', ['reviewer'])
        await store.resetUserCredentials(reviewer.id, enrolmentRow(reviewer.id, 'a'), ev('user.credentials_reset'))
        await store.resetUserCredentials(reviewer.id, enrolmentRow(reviewer.id, 'b'), ev('user.credentials_reset'))
        const u = (await store.getUserById(reviewer.id))!
        expect([u.passwordHash, u.totpSecretSealed, u.enrolledAt]).toEqual(['', '', null])
        expect((await store.enrolments.get('a'.repeat(64)))!.revokedAt).not.toBeNull()
        expect((await store.enrolments.get('b'.repeat(64)))!.revokedAt).toBeNull()
      })
    )

    it(
      'is used once: each opening and the completion audited, nothing written for a used or expired link',
      withStore(async ({ store }) => {
        const reviewer = await newUser(store, 'rev', ['reviewer'])
        const head = async () => (await store.recentAudit(1))[0]!.seq
        await store.resetUserCredentials(reviewer.id, enrolmentRow(reviewer.id, 'a'), ev('user.credentials_reset'))
        const at = new Date().toISOString()
        let before = await head()
        expect(await store.enrolments.open('a'.repeat(64), 'sealed-1', at, ev('user.enrol_open'))).toBe(true)
        expect(await store.enrolments.open('a'.repeat(64), 'sealed-2', at, ev('user.enrol_open'))).toBe(true)
        expect(await head()).toBe(before + 2)
        const credentials = { passwordHash: 'argon', totpSecretSealed: 'sealed-1', totpStep: 7 }
        // only the seed shown last can be confirmed
        expect(await store.enrolments.complete('a'.repeat(64), credentials, at, ev('user.enrol'))).toBe(false)
        const confirmed = { ...credentials, totpSecretSealed: 'sealed-2' }
        expect(await store.enrolments.complete('a'.repeat(64), confirmed, at, ev('user.enrol'))).toBe(true)
        const u = (await store.getUserById(reviewer.id))!
        expect([u.passwordHash, u.totpSecretSealed, u.enrolledAt, u.totpLastStep]).toEqual(['argon', 'sealed-2', at, 7])
        before = await head()
        expect(await store.enrolments.complete('a'.repeat(64), confirmed, at, ev('user.enrol'))).toBe(false)
        expect(await store.enrolments.open('a'.repeat(64), 'sealed-3', at, ev('user.enrol_open'))).toBe(false)

        const expired = enrolmentRow(reviewer.id, 'e', '2000-01-01T00:00:00.000Z')
        await store.resetUserCredentials(reviewer.id, expired, ev('reset'))
        before = await head()
        expect(await store.enrolments.open('e'.repeat(64), 'sealed-4', at, ev('user.enrol_open'))).toBe(false)
        expect(await head()).toBe(before)
      })
    )
  })
}
