import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest'
import { openTempStore, removeTempStore } from '../../../test/support/temp-store.js'
import type { AuditEvent } from '../audit/record.js'
import type { EnforceNow } from './administered.js'
import type { PolicyService } from '../policy/policy-service.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { InvalidInput } from './accounts.js'
import { createPeopleService } from './people-service.js'

let by = { actor: 'admin-1', sourceIp: '192.0.2.1', userId: 'admin-1' }
const now = () => new Date('2026-01-01T00:00:00Z')
let dir: string
let store: SqliteStore
let enforceNow: Mock<EnforceNow>

const service = () =>
  createPeopleService({
    store,
    approvals: { store, policies: {} as PolicyService, now },
    now,
    timeZone: 'UTC',
    enforceNow
  })
const lastOf = async (action: AuditEvent['action']) => (await store.searchAudit({ action, limit: 1 }))[0]
const certification = { number: 'T2-0001', validFrom: '2025-01-01', validTo: '2027-01-01' }

beforeEach(async () => {
  ;({ store, dir } = openTempStore('vre-people-'))
  enforceNow = vi.fn<EnforceNow>(async () => {})
  // a pending change names the administrator who asked: they exist
  const admin = await store.createUser(
    {
      username: 'ada',
      displayName: 'Ada',
      organizationId: null,
      roles: ['admin'],
      passwordHash: 'h',
      totpSecretSealed: 's'
    },
    { actor: 'test', action: 'user.create', sourceIp: null, target: null, outcome: 'success' }
  )
  by = { actor: admin.id, sourceIp: '192.0.2.1', userId: admin.id }
})
afterEach(() => {
  removeTempStore(store, dir)
})

describe('the people service', () => {
  it('creates an organization with its certification valid today, and audits a second of the same name as refused', async () => {
    const org = await service().createOrganization({ name: 'Clinic', certification }, by)
    expect(org).toMatchObject({ name: 'Clinic', status: 'active', members: 0, certification: { number: 'T2-0001' } })
    const again = service().createOrganization(
      { name: 'Clinic', certification: { ...certification, number: 'T2-0002' } },
      by
    )
    await expect(again).rejects.toBeInstanceOf(InvalidInput)
    expect(await lastOf('organization.create')).toMatchObject({
      actor: by.actor,
      outcome: 'denied',
      details: { reason: 'an organization named "Clinic" exists' }
    })
  })

  it('holds an account with the reviewer role for a second administrator, handing the asker part 1 of its link', async () => {
    const outcome = await service().createUser(
      { username: 'rita', displayName: 'Rita', roles: ['reviewer'], organizationId: null },
      'covering the spring review round',
      by,
      'https://vre.example'
    )
    expect('held' in outcome).toBe(true)
    if (!('held' in outcome)) return
    expect(outcome.held.pending).toMatchObject({
      kind: 'user.create',
      state: 'pending',
      mayApprove: false,
      mayWithdraw: true
    })
    expect(outcome.held.enrolmentHalf).toMatchObject({ username: 'rita', part: 1 })
    expect(await store.getUserByUsername('rita')).toBeNull()
  })

  it('enrols a researcher at once with a link, and ends lapsed sessions when their organization is suspended', async () => {
    const org = await service().createOrganization({ name: 'Clinic', certification }, by)
    const outcome = await service().createUser(
      { username: 'rob', displayName: 'Rob', roles: ['researcher'], organizationId: org.id },
      undefined,
      by,
      'https://vre.example'
    )
    expect('enrolled' in outcome && outcome.enrolled.user).toMatchObject({ username: 'rob', enrolledAt: null })
    expect(enforceNow).not.toHaveBeenCalled()
    const suspended = await service().setOrganizationSuspended(org.id, true, 'certificate lapsed', by)
    expect(suspended.status).toBe('suspended')
    expect(enforceNow).toHaveBeenCalledTimes(1)
    expect(await lastOf('organization.suspend')).toMatchObject({
      outcome: 'success',
      details: { reason: 'certificate lapsed', signInsRevokedFor: ['rob'] }
    })
  })
})
