import type { KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { AuditWriteFailed } from '../../audit/record.js'
import { verifyChain } from '../../audit/verify.js'
import type { AuditStore } from '../audit-log.js'
import { type Covers, ev, type MakeStore, using } from './harness.js'

export const auditReads = ['auditRecords', 'auditCheckpoints', 'recentAudit', 'searchAudit', 'auditRange'] as const
/** Its one write is the record itself: there is no other change to roll back with it. */
export const auditMutations = ['appendAudit'] as const
true satisfies Covers<AuditStore, (typeof auditReads)[number] | (typeof auditMutations)[number]>

/**
 * The audit log: a hash chain with signed checkpoints. `publicKey` verifies the checkpoints the
 * store under test signs.
 */
export function auditStoreContract(make: MakeStore<AuditStore>, publicKey: KeyObject): void {
  describe('audit store contract', () => {
    const withStore = using(make)

    it(
      'appends records to a chain that verifies, and appends nothing when the write fails',
      withStore(async (h) => {
        const { store } = h
        const first = await store.appendAudit(ev('audit.search'))
        expect(first).toMatchObject({ seq: 1, action: 'audit.search', details: { label: 'audit.search' } })
        h.failAuditWrites()
        await expect(store.appendAudit(ev('lost'))).rejects.toBeInstanceOf(AuditWriteFailed)
        h.restoreAuditWrites()
        await store.appendAudit(ev('second'))
        expect((await store.recentAudit(5)).map((r) => [r.seq, r.details.label])).toEqual([
          [2, 'second'],
          [1, 'audit.search']
        ])
        const result = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), publicKey)
        expect(result.ok).toBe(true)
      })
    )

    it(
      'keeps a signed checkpoint every 256 records so a rewritten chain is located',
      withStore(async ({ store }) => {
        for (let i = 0; i < 600; i++) await store.appendAudit(ev(`e${i}`))
        const checkpoints = await store.auditCheckpoints()
        expect(checkpoints.map((c) => c.seq)).toEqual([256, 512, 600])
      })
    )

    it(
      'keeps writing while the log is read slowly (an export to a slow client), and reads every record once',
      withStore(async ({ store }) => {
        for (let i = 0; i < 2500; i++) await store.appendAudit(ev(`bulk.${i}`))
        const reader = store.auditRange('2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')[Symbol.asyncIterator]()
        const seen = [(await reader.next()).value!.seq]
        // the reader waits between records; meanwhile the gateway goes on recording
        await expect(store.appendAudit(ev('written.meanwhile'))).resolves.toMatchObject({
          details: { label: 'written.meanwhile' }
        })
        for (let r = await reader.next(); !r.done; r = await reader.next()) {
          seen.push(r.value.seq)
          if (seen.length === 1500) await store.appendAudit(ev('written.later'))
        }
        expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1))
        expect(seen.length).toBe((await store.recentAudit(1))[0]!.seq)
        const all = []
        for await (const r of store.auditRecords()) all.push(r.seq)
        expect(all).toEqual(seen)
      })
    )

    it(
      'searches newest first by actor, action family, outcome, subject and time, and pages by sequence',
      withStore(async ({ store }) => {
        await store.appendAudit({ ...ev('export.submit'), target: 'req-1', details: { project: 'p1' } })
        await store.appendAudit({ ...ev('export.approve'), actor: 'rev', target: 'req-1' })
        await store.appendAudit({ ...ev('session.start'), outcome: 'denied', details: { session: 's1' } })
        const actions = async (f: Parameters<AuditStore['searchAudit']>[0]) =>
          (await store.searchAudit(f)).map((r) => r.action)
        expect(await actions({ limit: 10 })).toEqual(['session.start', 'export.approve', 'export.submit'])
        expect(await actions({ action: 'export', limit: 10 })).toEqual(['export.approve', 'export.submit'])
        expect(await actions({ action: 'export.submit', limit: 10 })).toEqual(['export.submit'])
        expect(await actions({ actor: 'rev', limit: 10 })).toEqual(['export.approve'])
        expect(await actions({ outcome: 'denied', limit: 10 })).toEqual(['session.start'])
        expect(await actions({ project: 'p1', limit: 10 })).toEqual(['export.submit'])
        expect(await actions({ session: 's1', limit: 10 })).toEqual(['session.start'])
        expect(await actions({ beforeSeq: 3, limit: 1 })).toEqual(['export.approve'])
        expect(await actions({ from: '2100-01-01T00:00:00Z', limit: 10 })).toEqual([])
        expect(await actions({ to: '2000-01-01T00:00:00Z', limit: 10 })).toEqual([])
      })
    )
  })
}
