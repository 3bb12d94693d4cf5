import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest'
import { currentProject, openTempStore, removeTempStore, testEvent as ev } from '../../../test/support/temp-store.js'
import type { AuditEvent } from '../audit/record.js'
import type { EnforceNow } from '../identity/administered.js'
import { ConflictingInput, InvalidInput, NotFoundInput } from '../identity/accounts.js'
import type { Policy } from '../policy/schema.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createProjectService } from './project-service.js'

const by = { actor: 'admin-1', sourceIp: '192.0.2.1', userId: 'admin-1' }
let dir: string
let store: SqliteStore
let endProjectSessions: Mock<
  (id: string, reason: string, by: { actor: string; sourceIp: string | null }) => Promise<unknown>
>
let enforceNow: Mock<EnforceNow>

const service = () =>
  createProjectService({
    store,
    policy: () => ({ sandbox: { workspaceRetentionDays: 10 } }) as unknown as Policy,
    now: () => new Date('2026-01-01T00:00:00Z'),
    timeZone: 'UTC',
    dataDir: dir,
    enforceNow,
    endProjectSessions
  })

const newProject = (title: string, datasetIds: string[] = []) => currentProject(store, title, datasetIds)
const lastOf = async (action: AuditEvent['action']) => (await store.searchAudit({ action, limit: 1 }))[0]

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-projects-'))
  endProjectSessions = vi.fn(async () => [] as unknown)
  enforceNow = vi.fn<EnforceNow>(async () => {})
})
afterEach(() => {
  removeTempStore(store, dir)
})

describe('the project service', () => {
  it('refuses to grant a dataset another project holds, audits the refusal and grants nothing', async () => {
    const claims = await store.createDataset('claims', '', ev('dataset.create'))
    await newProject('A', [claims.id])
    const b = await newProject('B')
    const refused = service().setDataset(b.id, claims.id, true, by)
    await expect(refused).rejects.toBeInstanceOf(ConflictingInput)
    await expect(refused).rejects.toThrow('is granted to the project "A"')
    expect(await lastOf('project.dataset_grant')).toMatchObject({
      actor: 'admin-1',
      outcome: 'denied',
      target: b.id,
      details: { reason: expect.stringContaining('its pseudonyms are that project') }
    })
    expect((await store.getProject(b.id))!.datasets).toEqual([])
  })

  it('refuses a new project with a dataset another project holds (bad input), audited with no target', async () => {
    const claims = await store.createDataset('claims', '', ev('dataset.create'))
    await newProject('A', [claims.id])
    const input = {
      title: 'B',
      purpose: '',
      approvalReference: 'r',
      startDate: '2025-01-01',
      endDate: '2026-01-01',
      members: [],
      datasets: ['claims']
    }
    const refused = service().create(input, by)
    await expect(refused).rejects.toBeInstanceOf(InvalidInput)
    await expect(refused).rejects.not.toBeInstanceOf(ConflictingInput)
    expect(await lastOf('project.create')).toMatchObject({ outcome: 'denied', target: null })
    expect(await store.getProjectByTitle('B')).toBeNull()
  })

  it("revokes a dataset, ends the project's live sessions saying why, and shows the project without it", async () => {
    const claims = await store.createDataset('claims', '', ev('dataset.create'))
    const a = await newProject('A', [claims.id])
    const view = await service().setDataset(a.id, claims.id, false, by)
    expect(view.datasets).toEqual([])
    expect(endProjectSessions).toHaveBeenCalledWith(a.id, 'the dataset claims was revoked from the project', {
      actor: 'admin-1',
      sourceIp: '192.0.2.1'
    })
    expect(await lastOf('project.dataset_revoke')).toMatchObject({ outcome: 'success', target: a.id })
  })

  it('answers an edit of an unknown project as not found, audited against the id asked for', async () => {
    await expect(service().edit('nope', { title: 'X' }, by)).rejects.toBeInstanceOf(NotFoundInput)
    expect(await lastOf('project.update')).toMatchObject({ outcome: 'denied', target: 'nope' })
    expect(enforceNow).not.toHaveBeenCalled()
  })

  it('dates when saved workspaces go by the retention in force, and lists each dataset with its holder', async () => {
    const claims = await store.createDataset('claims', '', ev('dataset.create'))
    const a = await newProject('A', [claims.id])
    const [shown] = await service().projects()
    expect(shown).toMatchObject({ id: a.id, state: 'active', workspacesDeletedOn: '2030-01-12', hasWorkspaces: false })
    expect(await service().datasets()).toEqual([
      { id: claims.id, name: 'claims', description: '', available: false, projectId: a.id }
    ])
  })
})
