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
  })
}
