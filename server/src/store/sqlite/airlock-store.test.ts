import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { userCanSubmitReview, userCanVote } from '../../airlock/permissions.js'
import { approvingVotes, regularReviews, requestOutcome } from '../../airlock/tally.js'
import { isAuditAction } from '../../audit/actions.js'
import type { AuditEvent } from '../../audit/record.js'
import type { AirlockFileRow, AirlockRequestRow } from '../types.js'
import { SqliteAirlockStore } from './airlock-store.js'
import { MIGRATIONS } from './migrations.js'
import { SqliteStore } from './sqlite-store.js'

const keys = generateKeyPairSync('ed25519')
let dir: string
let store: SqliteStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-airlock-store-'))
  store = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: keys.privateKey })
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A test's event: recorded under its label when that is an audit action, else under a real one with the label in details. */
const ev = (label: string): AuditEvent => ({
  actor: 'test',
  action: isAuditAction(label) ? label : 'audit.verify',
  sourceIp: null,
  target: null,
  outcome: 'success',
  details: { label }
})
const t = '2026-05-01T00:00:00.000Z'

async function fixture() {
  const org = await store.createOrganization('Org', ev('org'))
  const user = await store.createUser(
    {
      username: 'u',
      displayName: 'U',
      organizationId: org.id,
      roles: ['researcher', 'reviewer'],
      passwordHash: 'h',
      totpSecretSealed: 's'
    },
    ev('user')
  )
  const project = await store.createProject(
    {
      title: 'P',
      purpose: 'p',
      approvalReference: 'a',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      memberIds: [],
      datasetIds: []
    },
    ev('project')
  )
  const request: AirlockRequestRow = {
    id: 'x1',
    direction: 'export',
    projectId: project.id,
    requesterId: user.id,
    requesterOrganizationId: user.organizationId,
    sessionId: null,
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
    sha256: 'b'.repeat(64),
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

describe('the airlock store', () => {
  it('takes its audit records with every mutation, in the same transaction', async () => {
    const { user, project, request, file } = await fixture()
    const seq = async () => (await store.recentAudit(1))[0]!.seq
    const calls: Record<string, () => Promise<unknown>> = {
      create: () => store.airlock.create(request, [file], [], [ev('create'), ev('create.more')]),
      move: () => store.airlock.move('x1', () => ({ at: t, request: { to: 'in_review' }, audit: [ev('move')] })),
      setProjectReviewer: () => store.airlock.setProjectReviewer(project.id, user.id, true, 'test', ev('assign')),
      recordPreview: () => store.airlock.recordPreview(user.id, '2026-05-01', 5, 100, ev('preview'))
    }
    const reads = new Set([
      'detail',
      'detailNow',
      'listProjectReviewers',
      'listReviewerProjectIds',
      'isAssignedReviewer'
    ])
    const helpers = new Set(['q', 'insertFiles', 'insertExceptions', 'apply'])
    const methods = Object.getOwnPropertyNames(SqliteAirlockStore.prototype).filter(
      (m) => m !== 'constructor' && !reads.has(m) && !helpers.has(m)
    )
    // a new mutation must be added here, so it can't skip the audit unnoticed
    expect(methods.sort()).toEqual(Object.keys(calls).sort())
    for (const [name, call] of Object.entries(calls)) {
      const before = await seq()
      await call()
      expect(await seq(), name).toBeGreaterThan(before)
    }
    expect((await store.airlock.detail('x1'))!.request.state).toBe('in_review')
  })

  it('writes nothing, audit included, when the plan refuses or the audit cannot be written', async () => {
    const { request, file } = await fixture()
    await store.airlock.create(request, [file], [], [ev('create')])
    const before = (await store.recentAudit(1))[0]!.seq
    await expect(
      store.airlock.move('x1', () => {
        throw new Error('refused by the gate')
      })
    ).rejects.toThrow(/refused by the gate/)
    // a plan from a state the request is not in
    await expect(
      store.airlock.move('x1', (d) => ({
        at: t,
        files: [{ fileId: 'f1', to: 'approved' }],
        request: { to: 'approved' },
        audit: [ev('approve')]
      }))
    ).resolves.toMatchObject({ request: { state: 'approved' } })
    store.db.exec("CREATE TRIGGER fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
    await expect(
      store.airlock.move('x1', () => ({ at: t, request: { to: 'released' }, audit: [ev('release')] }))
    ).rejects.toThrow(/audit write failed/)
    store.db.exec('DROP TRIGGER fail')
    const d = (await store.airlock.detail('x1'))!
    expect(d.request.state).toBe('approved')
    expect((await store.recentAudit(1))[0]!.seq).toBe(before + 1)
    expect(await store.airlock.move('nothing', () => ({ at: t, audit: [ev('x')] }))).toBeNull()
  })

  it("refuses a preview past the reviewer's daily bytes, writing nothing", async () => {
    const { user } = await fixture()
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

  it('carries decided rounds over as submitted reviews, but an open round reviewed under the old model needs fresh reviews', async () => {
    store.close()
    const path = join(dir, 'old.sqlite')
    const db = new Database(path)
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)'
    )
    for (const m of MIGRATIONS.filter((x) => x.version <= 6)) {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, t)
    }
    const a = 'a'.repeat(64)
    const c = 'c'.repeat(64)
    const e = 'e'.repeat(64)
    db.exec(`
      INSERT INTO users VALUES ('u1', 'u1', 'U', NULL, '["reviewer"]', 'h', 's', 0, 'active', NULL, '${t}');
      INSERT INTO users VALUES ('u2', 'u2', 'V', NULL, '["reviewer"]', 'h', 's', 0, 'active', NULL, '${t}');
      INSERT INTO users VALUES ('res', 'res', 'R', NULL, '["researcher"]', 'h', 's', 0, 'active', NULL, '${t}');
      INSERT INTO projects (id, title, purpose, approval_reference, start_date, end_date, created_at)
        VALUES ('p1', 'P', 'p', 'a', '2026-01-01', '2026-12-31', '${t}');
      -- open, in its second round: round 1 was returned; round 2 has two approvals, seen by each other
      INSERT INTO airlock_requests VALUES ('r1', 'p1', 'export', 'res', NULL, 'in_review', 2, '${t}', '${t}', NULL);
      INSERT INTO airlock_files VALUES ('f1', 'r1', 1, 'outbox/a.csv', 'a.csv', '${a}', 1, 'j', 'pass', '[]', NULL, NULL);
      INSERT INTO airlock_files VALUES ('f2', 'r1', 2, 'outbox/a.csv', 'a.csv', '${c}', 1, 'j', 'pass', '[]', NULL, NULL);
      INSERT INTO review_decisions VALUES ('d0', 'r1', 1, 'u1', 'return', 'split it', '[{"fileId":"f1","sha256":"${a}"}]', '${t}');
      INSERT INTO review_decisions VALUES ('d1', 'r1', 2, 'u1', 'approve', 'fine', '[{"fileId":"f2","sha256":"${c}"}]', '${t}');
      INSERT INTO review_decisions VALUES ('d2', 'r1', 2, 'u2', 'approve', 'ok', '[{"fileId":"f2","sha256":"${c}"}]', '${t}');
      -- released before the upgrade
      INSERT INTO airlock_requests VALUES ('r2', 'p1', 'export', 'res', NULL, 'released', 1, '${t}', '${t}', '${t}');
      INSERT INTO airlock_files VALUES ('f3', 'r2', 1, 'outbox/b.csv', 'b.csv', '${e}', 1, 'j', 'pass', '[]', NULL, NULL);
      INSERT INTO review_decisions VALUES ('d3', 'r2', 1, 'u1', 'approve', NULL, '[{"fileId":"f3","sha256":"${e}"}]', '${t}');
      INSERT INTO review_decisions VALUES ('d4', 'r2', 1, 'u2', 'approve', NULL, '[{"fileId":"f3","sha256":"${e}"}]', '${t}');
    `)
    db.close()
    store = new SqliteStore({ path, auditSigningKey: keys.privateKey })
    const rules = { needed: 2, exceptionRules: [], partialRelease: false }
    const reviewer = (userId: string) => ({
      userId,
      isReviewer: true,
      active: true,
      own: false,
      member: false,
      sameOrganization: false,
      assigned: true
    })

    const open = (await store.airlock.detail('r1'))!
    expect(open.request.state).toBe('in_review')
    expect(open.files.map((f) => [f.id, f.state])).toEqual([
      ['f1', 'returned'],
      ['f2', 'pending']
    ])
    // the returned round's decision is history that counts; the open round's two approvals are not votes
    expect(open.reviews).toMatchObject([{ id: 'd0', round: 1, reviewerId: 'u1', kind: 'review' }])
    expect(open.votes).toMatchObject([{ fileId: 'f1', reviewerId: 'u1', vote: 'return' }])
    const f2 = open.files.find((f) => f.id === 'f2')!
    expect(regularReviews(open)).toEqual([])
    expect(approvingVotes(open, f2)).toEqual([])
    expect(requestOutcome([f2.state], false)).toBeNull()
    // each of the old approvers reviews again, from a vote of their own; submitting without one is refused
    for (const u of ['u1', 'u2']) {
      expect(userCanVote(open, reviewer(u), f2, rules)).toEqual({ ok: true })
      expect(userCanSubmitReview(open, reviewer(u), rules)).toMatchObject({
        ok: false,
        status: 400,
        why: expect.stringMatching(/Vote on every file first/)
      })
    }
    // the old decisions stay, as recorded
    expect(store.db.prepare('SELECT id, decision, comment FROM review_decisions_superseded ORDER BY id').all()).toEqual(
      [
        { id: 'd0', decision: 'return', comment: 'split it' },
        { id: 'd1', decision: 'approve', comment: 'fine' },
        { id: 'd2', decision: 'approve', comment: 'ok' },
        { id: 'd3', decision: 'approve', comment: null },
        { id: 'd4', decision: 'approve', comment: null }
      ]
    )

    // a released request keeps the approvals it was released with
    const released = (await store.airlock.detail('r2'))!
    const f3 = released.files[0]!
    expect(f3.state).toBe('released')
    expect(regularReviews(released).map((r) => r.reviewerId)).toEqual(['u1', 'u2'])
    expect(approvingVotes(released, f3).map((v) => v.sha256)).toEqual([e, e])
  })
})
