import { describe, expect, it } from 'vitest'
import type { AirlockFileRow, AirlockRequestRow, AirlockRequestStore, AirlockStore } from '../airlock.js'
import type { AuditStore } from '../audit-log.js'
import type { AccountStore } from '../identity.js'
import type { ProjectStore } from '../projects.js'
import type { SandboxSessionStore } from '../sandbox-sessions.js'
import { newProject, newUser, sandboxSession } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = AirlockRequestStore & SandboxSessionStore & ProjectStore & AccountStore & AuditStore

export const airlockRequestReads = [
  'findCellExport',
  'cellExportSourceBytes',
  'getAirlockRequest',
  'listAirlockRequests',
  'isDigestReferenced',
  'quarantineHoldings',
  'listReleasedFiles'
] as const
export const airlockRequestMutations = ['recordCellExport'] as const
true satisfies Covers<
  AirlockRequestStore,
  (typeof airlockRequestReads)[number] | (typeof airlockRequestMutations)[number]
>
/** The review moves, as `store.airlock` holds them. */
export const airlockReviewReads = [
  'detail',
  'listProjectReviewers',
  'listReviewerProjectIds',
  'isAssignedReviewer'
] as const
export const airlockReviewMutations = ['create', 'move', 'setProjectReviewer', 'recordPreview'] as const
true satisfies Covers<AirlockStore, (typeof airlockReviewReads)[number] | (typeof airlockReviewMutations)[number]>

const t = '2026-05-01T00:00:00.000Z'
const digest = 'b'.repeat(64)

async function fixture(store: S) {
  const user = await newUser(store, 'u', ['researcher', 'reviewer'])
  const project = await newProject(store, 'P', [user.id])
  await store.createSandboxSession(sandboxSession('sb1', user.id, project.id), ev('session.start'))
  const request: AirlockRequestRow = {
    id: 'x1',
    direction: 'export',
    projectId: project.id,
    requesterId: user.id,
    requesterOrganizationId: null,
    sessionId: 'sb1',
    state: 'submitted',
    round: 1,
    createdAt: t,
    updatedAt: t,
    releasedAt: null
  }
  const file: AirlockFileRow = {
    id: 'f1',
    requestId: 'x1',
    round: 1,
    path: 'outbox/f1.csv',
    name: 'f1.csv',
    sha256: digest,
    size: 10,
    justification: 'j',
    outcome: 'pass',
    checks: [],
    provenance: null,
    listing: null,
    state: 'pending',
    policy: { name: 'default', version: 1, params: { threshold: 10 } }
  }
  return { user, project, request, file }
}

/** The airlock aggregate: requests and their files, cell exports, and the review moves. */
export function airlockStoreContract(make: MakeStore<S>): void {
  describe('airlock store contract', () => {
    const withStore = using(make)

    it(
      'takes its audit records with every mutation, in its transaction: nothing is written when they cannot be',
      withStore(async (h) => {
        const { store } = h
        const { user, project, request, file } = await fixture(store)
        const steps: Record<
          (typeof airlockRequestMutations)[number] | (typeof airlockReviewMutations)[number],
          MutationStep
        > = {
          recordCellExport: () =>
            store.recordCellExport(
              {
                sha256: digest,
                sessionId: 'sb1',
                userId: user.id,
                name: 'f1',
                language: 'sql',
                source: 'select 1',
                rows: 1,
                createdAt: t
              },
              ev('recordCellExport')
            ),
          create: {
            run: () => store.airlock.create(request, [file], [], [ev('create.first'), ev('create')]),
            records: 2
          },
          move: () => store.airlock.move('x1', () => ({ at: t, request: { to: 'in_review' }, audit: [ev('move')] })),
          setProjectReviewer: () =>
            store.airlock.setProjectReviewer(project.id, user.id, true, 'test', ev('setProjectReviewer')),
          // counted once: were the failed attempt's bytes kept, this would start from 60
          recordPreview: async () =>
            expect(await store.airlock.recordPreview(user.id, '2026-05-01', 60, 100, ev('recordPreview'))).toEqual({
              allowed: true,
              usedBytes: 0
            })
        }
        const observe = async () => ({
          requests: await store.listAirlockRequests({}),
          detail: await store.getAirlockRequest('x1'),
          reviewers: await store.airlock.listProjectReviewers(project.id),
          exports: await store.cellExportSourceBytes('sb1'),
          held: await store.quarantineHoldings(project.id)
        })
        await expectEveryMutationAudited(h, steps, observe)
        expect((await store.airlock.detail('x1'))!.request.state).toBe('in_review')
        expect(await store.airlock.isAssignedReviewer(project.id, user.id)).toBe(true)
        expect(await store.airlock.listReviewerProjectIds(user.id)).toEqual([project.id])
        expect(
          await store.findCellExport({ sha256: digest, userId: user.id, name: 'f1', projectId: project.id })
        ).toMatchObject({ sessionId: 'sb1', source: 'select 1', residualDf: null })
        expect(await store.cellExportSourceBytes('sb1')).toBe('select 1'.length)
      })
    )

    it(
      'writes nothing, audit included, when the plan refuses or the request is not where it was planned from',
      withStore(async ({ store }) => {
        const { request, file } = await fixture(store)
        await store.airlock.create(request, [file], [], [ev('export.submit')])
        const before = (await store.recentAudit(1))[0]!.seq
        await expect(
          store.airlock.move('x1', () => {
            throw new Error('refused by the gate')
          })
        ).rejects.toThrow(/refused by the gate/)
        expect(await store.airlock.move('x1', () => null)).toMatchObject({ request: { state: 'submitted' } })
        expect(await store.airlock.move('nothing', () => ({ at: t, audit: [ev('x')] }))).toBeNull()
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        // a second request of the same id is refused
        await expect(store.airlock.create(request, [], [], [ev('export.submit')])).rejects.toThrow()
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
      })
    )

    it(
      'holds a file in quarantine while a request that still needs it is open, and lists released rounds',
      withStore(async ({ store }) => {
        const { project, request, file } = await fixture(store)
        await store.airlock.create(request, [file], [], [ev('export.submit')])
        expect(await store.isDigestReferenced(digest)).toBe(true)
        expect(await store.quarantineHoldings(project.id)).toEqual([{ sha256: digest, size: 10 }])
        expect(await store.listReleasedFiles(project.id)).toEqual([])
        await store.airlock.move('x1', () => ({
          at: t,
          files: [{ fileId: 'f1', to: 'released' }],
          request: { to: 'released', releasedAt: t },
          audit: [ev('export.release')]
        }))
        expect((await store.listReleasedFiles(project.id)).map((f) => f.id)).toEqual(['f1'])
        expect(
          (await store.listAirlockRequests({ states: ['released'], projectId: project.id })).map((r) => r.id)
        ).toEqual(['x1'])
        expect(await store.listAirlockRequests({ direction: 'import' })).toEqual([])
        await store.airlock.create(
          { ...request, id: 'x2', state: 'withdrawn' },
          [{ ...file, id: 'f2', requestId: 'x2', sha256: 'c'.repeat(64) }],
          [],
          [ev('export.withdraw')]
        )
        expect(await store.isDigestReferenced('c'.repeat(64))).toBe(false)
      })
    )

    it(
      'keeps the request where the last plan left it when a later move cannot write its audit',
      withStore(async (h) => {
        const { store } = h
        const { request, file } = await fixture(store)
        await store.airlock.create(request, [file], [], [ev('create')])
        const before = (await store.recentAudit(1))[0]!.seq
        await expect(
          store.airlock.move('x1', () => ({
            at: t,
            files: [{ fileId: 'f1', to: 'approved' }],
            request: { to: 'approved' },
            audit: [ev('approve')]
          }))
        ).resolves.toMatchObject({ request: { state: 'approved' } })
        h.failAuditWrites()
        try {
          await expect(
            store.airlock.move('x1', () => ({ at: t, request: { to: 'released' }, audit: [ev('release')] }))
          ).rejects.toThrow(/audit write failed/)
        } finally {
          h.restoreAuditWrites()
        }
        const d = (await store.airlock.detail('x1'))!
        expect(d.request.state).toBe('approved')
        expect((await store.recentAudit(1))[0]!.seq).toBe(before + 1)
      })
    )

    it(
      "refuses a preview past the reviewer's daily bytes, writing nothing",
      withStore(async ({ store }) => {
        const { user } = await fixture(store)
        expect(await store.airlock.recordPreview(user.id, '2026-05-01', 60, 100, ev('p'))).toEqual({
          allowed: true,
          usedBytes: 0
        })
        const before = (await store.recentAudit(1))[0]!.seq
        expect(await store.airlock.recordPreview(user.id, '2026-05-01', 50, 100, ev('p'))).toEqual({
          allowed: false,
          usedBytes: 60
        })
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        // another day starts again
        expect((await store.airlock.recordPreview(user.id, '2026-05-02', 50, 100, ev('p'))).allowed).toBe(true)
      })
    )
  })
}
