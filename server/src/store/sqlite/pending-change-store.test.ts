import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAuditAction } from '../../audit/actions.js'
import type { AuditEvent } from '../../audit/record.js'
import { verifyChain } from '../../audit/verify.js'
import type { EnrolmentRow } from '../enrolments.js'
import { type PendingChangeRow, userFingerprint } from '../pending-changes.js'
import type { UserRow } from '../types.js'
import { SqliteStore } from './sqlite-store.js'

const keys = generateKeyPairSync('ed25519')
let dir: string
let store: SqliteStore
let asker: UserRow
let approver: UserRow
let reviewer: UserRow

/** A test's event: recorded under its label when that is an audit action, else under a real one with the label in details. */
const ev = (label: string): AuditEvent => ({
  actor: 'test',
  action: isAuditAction(label) ? label : 'audit.verify',
  sourceIp: null,
  target: null,
  outcome: 'success',
  details: { label }
})
const newUser = (username: string, roles: UserRow['roles']) =>
  store.createUser(
    { username, displayName: username, organizationId: null, roles, passwordHash: 'h', totpSecretSealed: 's' },
    ev('user.create')
  )

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vre-store-'))
  store = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: keys.privateKey })
  asker = await newUser('asker', ['admin'])
  approver = await newUser('approver', ['admin'])
  reviewer = await newUser('rev', ['reviewer'])
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const pending = (over: Partial<PendingChangeRow> = {}): PendingChangeRow => ({
  id: 'c1',
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
  decisionReason: null,
  ...over
})

const link = (userId: string, c: string, expiresAt = '2999-01-01T00:00:00.000Z'): EnrolmentRow => ({
  tokenHash: c.repeat(64),
  userId,
  purpose: 'reset',
  issuedBy: 'test',
  createdAt: new Date().toISOString(),
  expiresAt,
  totpSecretSealed: null,
  usedAt: null,
  revokedAt: null
})

const head = async () => (await store.recentAudit(1))[0]!.seq
const grant = () => ({
  kind: 'user.update' as const,
  userId: reviewer.id,
  fingerprint: userFingerprint(reviewer),
  changes: { roles: ['reviewer' as const, 'admin' as const] }
})

describe('SqliteStore pending changes', () => {
  it('records each request, refusal and withdrawal with one audit record, and an approval with two', async () => {
    let before = await head()
    expect('created' in (await store.approvals.create(pending(), ev('approval.request')))).toBe(true)
    expect(await head()).toBe(before + 1)
    before = await head()
    const outcome = await store.approvals.approve(
      'c1',
      { userId: approver.id, at: new Date().toISOString() },
      grant(),
      [ev('approval.approve'), ev('user.update')]
    )
    expect(outcome.kind).toBe('approved')
    expect((await store.recentAudit(2)).map((r) => r.action)).toEqual(['user.update', 'approval.approve'])
    expect(await head()).toBe(before + 2)
    expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer', 'admin'])

    await store.approvals.create(pending({ id: 'c2' }), ev('approval.request'))
    before = await head()
    const at = new Date().toISOString()
    expect(await store.approvals.close('c2', { state: 'withdrawn', by: asker.id, at, reason: null }, ev('w'))).toBe(
      true
    )
    expect(await head()).toBe(before + 1)
    // closed: it can be neither refused nor approved any more, and nothing more is written
    expect(await store.approvals.close('c2', { state: 'refused', by: approver.id, at, reason: 'no' }, ev('r'))).toBe(
      false
    )
    expect(await head()).toBe(before + 1)
    const result = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), keys.publicKey)
    expect(result.ok).toBe(true)
  })

  it('keeps one open request per subject', async () => {
    await store.approvals.create(pending(), ev('approval.request'))
    expect(await store.approvals.create(pending({ id: 'c2' }), ev('approval.request'))).toEqual({ conflict: 'c1' })
    expect(await store.approvals.get('c2')).toBeNull()
  })

  it('writes nothing when the account changed after the request, and says so', async () => {
    await store.approvals.create(pending(), ev('approval.request'))
    const fingerprint = userFingerprint(reviewer)
    await store.updateUser(reviewer.id, { displayName: 'Someone else' }, ev('user.update'))
    const before = await head()
    const outcome = await store.approvals.approve(
      'c1',
      { userId: approver.id, at: new Date().toISOString() },
      { ...grant(), fingerprint },
      [ev('approval.approve'), ev('user.update')]
    )
    expect(outcome).toEqual({ kind: 'stale', reason: 'the account changed meanwhile' })
    expect(await head()).toBe(before)
    expect((await store.approvals.get('c1'))!.state).toBe('pending')
    expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer'])
  })

  it('lets nobody approve their own request, whatever the caller forgot to check', async () => {
    await store.approvals.create(pending(), ev('approval.request'))
    await expect(
      store.approvals.approve('c1', { userId: asker.id, at: new Date().toISOString() }, grant(), [
        ev('approval.approve'),
        ev('user.update')
      ])
    ).rejects.toThrow(/CHECK constraint/)
    expect((await store.getUserById(reviewer.id))!.roles).toEqual(['reviewer'])
  })

  it('approves a policy version only on top of the version it was asked against', async () => {
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
    await store.approvals.create(pending({ kind: 'policy.update', subject: 'policy:p1', target: 'p1' }), ev('a'))
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
})

describe('SqliteStore enrolments', () => {
  it('takes the credentials away at a reset, ends sign-ins, and replaces an older link', async () => {
    await store.resetUserCredentials(reviewer.id, link(reviewer.id, 'a'), ev('user.credentials_reset'))
    await store.resetUserCredentials(reviewer.id, link(reviewer.id, 'b'), ev('user.credentials_reset'))
    const u = (await store.getUserById(reviewer.id))!
    expect([u.passwordHash, u.totpSecretSealed, u.enrolledAt]).toEqual(['', '', null])
    expect((await store.enrolments.get('a'.repeat(64)))!.revokedAt).not.toBeNull()
    expect((await store.enrolments.get('b'.repeat(64)))!.revokedAt).toBeNull()
  })

  it('is used once: each opening and the completion audited, nothing written for a used or expired link', async () => {
    await store.resetUserCredentials(reviewer.id, link(reviewer.id, 'a'), ev('user.credentials_reset'))
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

    await store.resetUserCredentials(reviewer.id, link(reviewer.id, 'e', '2000-01-01T00:00:00.000Z'), ev('reset'))
    before = await head()
    expect(await store.enrolments.open('e'.repeat(64), 'sealed-4', at, ev('user.enrol_open'))).toBe(false)
    expect(await head()).toBe(before)
  })
})
