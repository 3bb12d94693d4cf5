import { describe, expect, it } from 'vitest'
import type { AuditStore } from '../audit-log.js'
import type { IdentityStore } from '../identity.js'
import { type PendingChangeRow, type PendingChangeStore, userFingerprint } from '../pending-changes.js'
import { newUser } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = { approvals: PendingChangeStore } & IdentityStore & AuditStore

export const pendingChangeReads = ['get', 'list'] as const
export const pendingChangeMutations = ['create', 'close', 'approve'] as const
true satisfies Covers<PendingChangeStore, (typeof pendingChangeReads)[number] | (typeof pendingChangeMutations)[number]>

/** Changes one administrator asks for and a second approves, carried out in the approval's transaction. */
export function pendingChangeStoreContract(make: MakeStore<S>): void {
  describe('pending change store contract', () => {
    const withStore = using(make)

    it(
      'takes its audit records with every mutation, in its transaction: nothing is written when they cannot be',
      withStore(async (h) => {
        const { store } = h
        const asker = await newUser(store, 'asker', ['admin'])
        const approver = await newUser(store, 'approver', ['admin'])
        const reviewer = await newUser(store, 'rev', ['reviewer'])
        const pending = (id: string): PendingChangeRow => ({
          id,
          kind: 'user.update',
          subject: `user:${reviewer.id}`,
          target: reviewer.id,
          change: { roles: { from: ['reviewer'], to: ['reviewer', 'admin'] } },
          guard: {},
          reason: 'covering for the holidays',
          requestedBy: asker.id,
          requestedAt: new Date().toISOString(),
          state: 'pending',
          decidedBy: null,
          decidedAt: null,
          decisionReason: null
        })
        const at = new Date().toISOString()
        // another subject's request, open before the steps, for `close`
        await store.approvals.create({ ...pending('c2'), subject: `user:${asker.id}`, target: asker.id }, ev('a'))
        const steps: Record<(typeof pendingChangeMutations)[number], MutationStep> = {
          create: () => store.approvals.create(pending('c1'), ev('create')),
          close: async () =>
            expect(
              await store.approvals.close('c2', { state: 'withdrawn', by: asker.id, at, reason: null }, ev('close'))
            ).toBe(true),
          approve: {
            run: async () =>
              expect(
                await store.approvals.approve(
                  'c1',
                  { userId: approver.id, at },
                  {
                    kind: 'user.update',
                    userId: reviewer.id,
                    fingerprint: userFingerprint(reviewer),
                    changes: { roles: ['reviewer', 'admin'] }
                  },
                  [ev('approval.approve'), ev('approve')]
                )
              ).toMatchObject({ kind: 'approved' }),
            records: 2
          }
        }
        const observe = async () => ({
          changes: await store.approvals.list({ limit: 10 }),
          reviewer: await store.getUserById(reviewer.id)
        })
        await expectEveryMutationAudited(h, steps, observe)
        expect((await store.approvals.get('c1'))!).toMatchObject({ state: 'approved', decidedBy: approver.id })
        expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer', 'admin'])
        expect((await store.approvals.list({ states: ['withdrawn'], limit: 10 })).map((c) => c.id)).toEqual(['c2'])
      })
    )
  })
}
