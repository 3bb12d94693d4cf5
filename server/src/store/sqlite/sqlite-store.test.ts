import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { memorySigner, STORE_KEY, storeKeys, testStoreOptions } from '../../../../test/support/keys.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { userCanSubmitReview, userCanVote } from '../../airlock/permissions.js'
import { approvingVotes, regularReviews, requestOutcome } from '../../airlock/tally.js'
import { newUser, pendingRoleChange, roleGrant } from '../contract/fixtures.js'
import { ev } from '../contract/harness.js'
import { keyDatabase } from './core.js'
import { MIGRATIONS } from './migrations.js'
import { SqliteStore } from './sqlite-store.js'

// What every aggregate must do is in ../contract/ (run on SQLite by sqlite-store.contract.test.ts);
// here is what only SQLite does: its file, its migrations and its constraints.

const t = '2026-05-01T00:00:00.000Z'
let dir: string
let store: SqliteStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-store-'))
  store = new SqliteStore(testStoreOptions(join(dir, 'vre.sqlite')))
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('SqliteStore', () => {
  it('applies migrations once: reopening keeps the data', async () => {
    await store.createOrganization('Kept', ev('org'))
    store.close()
    store = new SqliteStore(testStoreOptions(join(dir, 'vre.sqlite')))
    expect(await store.getOrganizationByName('Kept')).not.toBeNull()
  })

  it('opens read-only without a signing key, and refuses to write', async () => {
    await store.createOrganization('Kept', ev('org'))
    const reader = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigner: null, key: STORE_KEY })
    try {
      expect(await reader.getOrganizationByName('Kept')).not.toBeNull()
      await expect(reader.createOrganization('Other', ev('org'))).rejects.toThrow()
      expect(await reader.getOrganizationByName('Other')).toBeNull()
    } finally {
      reader.close()
    }
  })

  it('lets nobody approve their own request, whatever the caller forgot to check', async () => {
    const asker = await newUser(store, 'asker', ['admin'])
    const reviewer = await newUser(store, 'rev', ['reviewer'])
    await store.approvals.create(pendingRoleChange(asker, reviewer), ev('approval.request'))
    await expect(
      store.approvals.approve('c1', { userId: asker.id, at: new Date().toISOString() }, roleGrant(reviewer), [
        ev('approval.approve'),
        ev('user.update')
      ])
    ).rejects.toThrow(/CHECK constraint/)
    expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer'])
  })

  it('carries decided rounds over as submitted reviews, but an open round reviewed under the old model needs fresh reviews', async () => {
    store.close()
    const path = join(dir, 'old.sqlite')
    const db = new Database(path)
    keyDatabase(db, STORE_KEY)
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
    store = new SqliteStore(testStoreOptions(path))
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
