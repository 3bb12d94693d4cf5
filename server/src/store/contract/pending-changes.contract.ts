import type { KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../audit/verify.js'
import type { AuditStore } from '../audit-log.js'
import type { IdentityStore } from '../identity.js'
import type { PendingChangeStore } from '../pending-changes.js'
import type { PolicyStore } from '../policies.js'
import { newUser, pendingRoleChange, roleGrant } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = { approvals: PendingChangeStore } & IdentityStore & PolicyStore & AuditStore

export const pendingChangeReads = ['get', 'list'] as const
export const pendingChangeMutations = ['create', 'close', 'approve'] as const
true satisfies Covers<PendingChangeStore, (typeof pendingChangeReads)[number] | (typeof pendingChangeMutations)[number]>

/** Two administrators and the reviewer one of them asks to make an administrator too. */
async function people(store: S) {
  const asker = await newUser(store, 'asker', ['admin'])
  const approver = await newUser(store, 'approver', ['admin'])
  const reviewer = await newUser(store, 'rev', ['reviewer'])
  return { asker, approver, reviewer }
}

const head = async (store: AuditStore) => (await store.recentAudit(1))[0]!.seq

/**
 * Changes one administrator asks for and a second approves, carried out in the approval's
 * transaction. `publicKey` verifies the audit log's checkpoints.
 */
export function pendingChangeStoreContract(make: MakeStore<S>, publicKey: KeyObject): void {
  describe('pending change store contract', () => {
    const withStore = using(make)

    it(
      'takes its audit records with every mutation, in its transaction: nothing is written when they cannot be',
      withStore(async (h) => {
        const { store } = h
        const { asker, approver, reviewer } = await people(store)
        const at = new Date().toISOString()
        // another subject's request, open before the steps, for `close`
        await store.approvals.create(
          pendingRoleChange(asker, reviewer, { id: 'c2', subject: `user:${asker.id}`, target: asker.id }),
          ev('a')
        )
        const steps: Record<(typeof pendingChangeMutations)[number], MutationStep> = {
          create: () => store.approvals.create(pendingRoleChange(asker, reviewer), ev('create')),
          close: async () =>
            expect(
              await store.approvals.close('c2', { state: 'withdrawn', by: asker.id, at, reason: null }, ev('close'))
            ).toBe(true),
          approve: {
            run: async () =>
              expect(
                await store.approvals.approve('c1', { userId: approver.id, at }, roleGrant(reviewer), [
                  ev('approval.approve'),
                  ev('approve')
                ])
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

    it(
      'records each request, refusal and withdrawal with one audit record, and an approval with two',
      withStore(async ({ store }) => {
        const { asker, approver, reviewer } = await people(store)
        const pending = (over = {}) => pendingRoleChange(asker, reviewer, over)
        let before = await head(store)
        expect('created' in (await store.approvals.create(pending(), ev('approval.request')))).toBe(true)
        expect(await head(store)).toBe(before + 1)
        before = await head(store)
        const outcome = await store.approvals.approve(
          'c1',
          { userId: approver.id, at: new Date().toISOString() },
          roleGrant(reviewer),
          [ev('approval.approve'), ev('user.update')]
        )
        expect(outcome.kind).toBe('approved')
        expect((await store.recentAudit(2)).map((r) => r.action)).toEqual(['user.update', 'approval.approve'])
        expect(await head(store)).toBe(before + 2)
        expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer', 'admin'])

        await store.approvals.create(pending({ id: 'c2' }), ev('approval.request'))
        before = await head(store)
        const at = new Date().toISOString()
        expect(await store.approvals.close('c2', { state: 'withdrawn', by: asker.id, at, reason: null }, ev('w'))).toBe(
          true
        )
        expect(await head(store)).toBe(before + 1)
        // closed: it can be neither refused nor approved any more, and nothing more is written
        expect(
          await store.approvals.close('c2', { state: 'refused', by: approver.id, at, reason: 'no' }, ev('r'))
        ).toBe(false)
        expect(await head(store)).toBe(before + 1)
        const result = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), publicKey)
        expect(result.ok).toBe(true)
      })
    )

    it(
      'keeps one open request per subject',
      withStore(async ({ store }) => {
        const { asker, reviewer } = await people(store)
        await store.approvals.create(pendingRoleChange(asker, reviewer), ev('approval.request'))
        expect(
          await store.approvals.create(pendingRoleChange(asker, reviewer, { id: 'c2' }), ev('approval.request'))
        ).toEqual({ conflict: 'c1' })
        expect(await store.approvals.get('c2')).toBeNull()
      })
    )

    it(
      'writes nothing when the account changed after the request, and says so',
      withStore(async ({ store }) => {
        const { asker, approver, reviewer } = await people(store)
        await store.approvals.create(pendingRoleChange(asker, reviewer), ev('approval.request'))
        const { fingerprint } = roleGrant(reviewer)
        await store.updateUser(reviewer.id, { displayName: 'Someone else' }, ev('user.update'))
        const before = await head(store)
        const outcome = await store.approvals.approve(
          'c1',
          { userId: approver.id, at: new Date().toISOString() },
          { ...roleGrant(reviewer), fingerprint },
          [ev('approval.approve'), ev('user.update')]
        )
        expect(outcome).toEqual({ kind: 'stale', reason: 'the account changed meanwhile' })
        expect(await head(store)).toBe(before)
        expect((await store.approvals.get('c1'))!.state).toBe('pending')
        expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer'])
      })
    )

    it(
      'approves a policy version only on top of the version it was asked against',
      withStore(async ({ store }) => {
        const { asker, approver, reviewer } = await people(store)
        const row = {
          name: 'p1',
          yaml: 'name: p1\n',
          author: asker.id,
          comment: null,
          diff: '',
          source: null,
          sourceSha256: null
        }
        await store.addPolicyVersion(row, 0, ev('policy.update'))
        await store.approvals.create(
          pendingRoleChange(asker, reviewer, { kind: 'policy.update', subject: 'policy:p1', target: 'p1' }),
          ev('a')
        )
        await store.addPolicyVersion({ ...row, yaml: 'name: p1\n# 2\n' }, 1, ev('policy.update'))
        const outcome = await store.approvals.approve(
          'c1',
          { userId: approver.id, at: new Date().toISOString() },
          { kind: 'policy.update', row: { ...row, yaml: 'name: p1\n# weaker\n' }, baseVersion: 1 },
          [ev('approval.approve'), ev('policy.update')]
        )
        expect(outcome).toEqual({ kind: 'stale', reason: 'the policy p1 moved from version 1 to 2 meanwhile' })
        expect((await store.getPolicyVersion('p1'))!.version).toBe(2)
      })
    )
  })
}
