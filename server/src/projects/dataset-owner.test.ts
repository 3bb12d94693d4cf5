import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../audit/record.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { heldElsewhere, projectHoldingDataset } from './dataset-owner.js'

const keys = generateKeyPairSync('ed25519')
const ev = (action: AuditEvent['action']): AuditEvent => ({
  actor: 'test',
  action,
  sourceIp: null,
  target: null,
  outcome: 'success'
})
let dir: string
let store: SqliteStore

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-dataset-owner-'))
  store = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: keys.privateKey })
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const project = (title: string, datasetIds: string[]) =>
  store.createProject(
    {
      title,
      purpose: '',
      approvalReference: 'ref',
      startDate: '2025-01-01',
      endDate: '2030-01-01',
      memberIds: [],
      datasetIds
    },
    ev('project.create')
  )

describe('a dataset belongs to one project', () => {
  it('names the project holding a dataset to anyone asking for another project, and nobody to its holder', async () => {
    const claims = await store.createDataset('claims', '', ev('dataset.create'))
    const a = await project('A', [claims.id])
    const b = await project('B', [])
    expect((await projectHoldingDataset(store, claims.id, b.id))?.id).toBe(a.id)
    expect((await projectHoldingDataset(store, claims.id, null))?.id).toBe(a.id)
    expect(await projectHoldingDataset(store, claims.id, a.id)).toBeNull()
  })

  it('leaves a dataset granted to no project free for any', async () => {
    const free = await store.createDataset('free', '', ev('dataset.create'))
    const b = await project('B', [])
    expect(await projectHoldingDataset(store, free.id, b.id)).toBeNull()
    expect(await projectHoldingDataset(store, free.id, null)).toBeNull()
  })

  it('says whose pseudonyms a held dataset carries', () => {
    expect(heldElsewhere('claims', { title: 'A' })).toBe(
      'the dataset claims is granted to the project "A"; its pseudonyms are that project\'s'
    )
  })
})
