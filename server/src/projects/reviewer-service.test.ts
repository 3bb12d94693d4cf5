import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest'
import { currentProject, openTempStore, removeTempStore, testEvent as ev } from '../../../test/support/temp-store.js'
import type { AuditEvent } from '../audit/record.js'
import type { EnforceNow } from '../identity/administered.js'
import { ConflictingInput, InvalidInput, NotFoundInput } from '../identity/accounts.js'
import { loadPolicyFile } from '../policy/load.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import type { UserRow } from '../store/types.js'
import { createReviewerService } from './reviewer-service.js'

const policy = loadPolicyFile(join(import.meta.dirname, '../../../policies/default.yaml'))
let dir: string
let store: SqliteStore
let enforceNow: Mock<EnforceNow>
let admin: UserRow
let by: { actor: string; sourceIp: string; userId: string }

const service = () => createReviewerService({ store, policyFor: () => policy, enforceNow })
const newUser = (username: string, roles: UserRow['roles']) =>
  store.createUser(
    { username, displayName: username, organizationId: null, roles, passwordHash: 'h', totpSecretSealed: 's' },
    ev('user.create')
  )
const newProject = () => currentProject(store, 'A')
const lastOf = async (action: AuditEvent['action']) => (await store.searchAudit({ action, limit: 1 }))[0]

beforeEach(async () => {
  ;({ store, dir } = openTempStore('vre-reviewers-'))
  enforceNow = vi.fn<EnforceNow>(async () => {})
  admin = await newUser('ada', ['admin'])
  by = { actor: admin.id, sourceIp: '192.0.2.1', userId: admin.id }
})
afterEach(() => {
  removeTempStore(store, dir)
})

describe('the reviewer service', () => {
  it('answers the reviewers of an unknown project as not found', async () => {
    await expect(service().reviewers('nope')).rejects.toMatchObject({
      statusCode: 404,
      message: 'There is no such project.'
    })
  })

  it('assigns a reviewer, lists them as independent and assigned by the administrator, and refuses it twice', async () => {
    const p = await newProject()
    const rev = await newUser('rita', ['reviewer'])
    const list = await service().setReviewer(p.id, rev.id, true, by)
    expect(list).toMatchObject([{ id: rev.id, username: 'rita', assignedBy: 'ada', independent: true, why: null }])
    await expect(service().setReviewer(p.id, rev.id, true, by)).rejects.toBeInstanceOf(ConflictingInput)
    expect(enforceNow).not.toHaveBeenCalled()
  })

  it('refuses to assign someone without the reviewer role, audited with the reason', async () => {
    const p = await newProject()
    const res = await newUser('rob', ['researcher'])
    const refused = service().setReviewer(p.id, res.id, true, by)
    await expect(refused).rejects.toBeInstanceOf(InvalidInput)
    expect(await lastOf('project.reviewer_assign')).toMatchObject({
      outcome: 'denied',
      target: p.id,
      details: { reason: 'rob is not a reviewer' }
    })
  })

  it('unassigns a reviewer and drops their votes at once; an unknown user is not found', async () => {
    const p = await newProject()
    const rev = await newUser('rita', ['reviewer'])
    await service().setReviewer(p.id, rev.id, true, by)
    expect(await service().setReviewer(p.id, rev.id, false, by)).toEqual([])
    expect(enforceNow).toHaveBeenCalledWith(by)
    await expect(service().setReviewer(p.id, 'nobody', true, by)).rejects.toBeInstanceOf(NotFoundInput)
  })
})
