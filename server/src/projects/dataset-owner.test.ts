import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { currentProject, openTempStore, removeTempStore, testEvent as ev } from '../../../test/support/temp-store.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { heldElsewhere, projectHoldingDataset } from './dataset-owner.js'

let dir: string
let store: SqliteStore

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-dataset-owner-'))
})
afterEach(() => {
  removeTempStore(store, dir)
})

const project = (title: string, datasetIds: string[]) => currentProject(store, title, datasetIds)

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
