import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memorySigner, STORE_KEY, storeKeys, testStoreOptions } from '../../../test/support/keys.js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/types.js'
import { DatasetRegistrationRefused, ensureDatasetRow, registerDataset } from './registration.js'

const by = { actor: 'cli:test', sourceIp: null }
let dir: string
let store: SqliteStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-registration-'))
  store = new SqliteStore(testStoreOptions(join(dir, 'vre.sqlite')))
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A writer that puts `content` at the path it is given, and records that it ran. */
const writer = (content = 'data') =>
  vi.fn(async (path: string) => {
    writeFileSync(path, content)
    return { details: { generator: 'test', rows: 3 } }
  })

const project = (title: string) =>
  store.createProject(
    {
      title,
      purpose: 'p',
      approvalReference: 'IRB-1',
      startDate: '2026-01-01',
      endDate: '2027-01-01',
      memberIds: [],
      datasetIds: []
    },
    { ...by, action: 'project.create', target: title, outcome: 'success' }
  )

const snapshot = async () => ({ datasets: await store.listDatasets(), audit: await store.recentAudit(100) })

describe('registerDataset', () => {
  it('writes the file under the data directory, then creates the dataset with it and audits both steps', async () => {
    const write = writer('rows')
    const { dataset, file } = await registerDataset(store, dir, { name: 'claims-1', description: 'Claims', write }, by)
    expect(file).toBe('datasets/claims-1.duckdb')
    expect(write).toHaveBeenCalledWith(join(dir, 'datasets', 'claims-1.duckdb'))
    expect(readFileSync(join(dir, file), 'utf8')).toBe('rows')
    expect(await store.getDatasetByName('claims-1')).toEqual({
      id: dataset.id,
      name: 'claims-1',
      description: 'Claims',
      file
    })
    const audit = (await store.recentAudit(10)).reverse()
    expect(audit.map((r) => [r.action, r.actor, r.outcome])).toEqual([
      ['dataset.create', 'cli:test', 'success'],
      ['dataset.file', 'cli:test', 'success']
    ])
    expect(audit[1]!.details).toEqual({ file, generator: 'test', rows: 3 })
  })

  it('refuses a name that already has a file, with a sentence naming it, and changes nothing', async () => {
    await registerDataset(store, dir, { name: 'claims-1', description: 'Claims', write: writer('first') }, by)
    const before = await snapshot()
    const again = writer('second')
    await expect(
      registerDataset(store, dir, { name: 'claims-1', description: 'Other', write: again }, by)
    ).rejects.toThrow(
      new DatasetRegistrationRefused('the dataset claims-1 already has a file (datasets/claims-1.duckdb)')
    )
    expect(again).not.toHaveBeenCalled()
    expect(readFileSync(join(dir, 'datasets', 'claims-1.duckdb'), 'utf8')).toBe('first')
    expect(await snapshot()).toEqual(before)
  })

  it('refuses a name that is not lowercase letters, digits and "-" before writing anything', async () => {
    const write = writer()
    await expect(registerDataset(store, dir, { name: '../Claims', write }, by)).rejects.toThrow(
      /lowercase letters, digits and "-"/
    )
    expect(write).not.toHaveBeenCalled()
    expect(await store.listDatasets()).toEqual([])
  })

  it("grants the dataset to the project whose pseudonyms it holds, and refuses one granted to another project", async () => {
    const a = await project('Project A')
    const b = await project('Project B')
    await ensureDatasetRow(store, 'claims-1', 'Claims', by)
    const { dataset } = await registerDataset(store, dir, { name: 'claims-1', project: a, write: writer() }, by)
    expect((await store.getDatasetProject(dataset.id))?.id).toBe(a.id)
    const grant = (await store.recentAudit(1))[0]!
    expect(grant).toMatchObject({
      action: 'project.dataset_grant',
      target: a.id,
      details: { project: a.id, dataset: dataset.id, name: 'claims-1' }
    })

    await ensureDatasetRow(store, 'claims-2', 'Claims', by)
    await registerDataset(store, dir, { name: 'claims-2', project: a, write: writer(), remakeLostFile: true }, by)
    rmSync(join(dir, 'datasets', 'claims-2.duckdb'))
    const before = await snapshot()
    const write = writer()
    await expect(
      registerDataset(store, dir, { name: 'claims-2', project: b, write, remakeLostFile: true }, by)
    ).rejects.toThrow(/granted to the project Project A; its pseudonyms would be Project B's/)
    expect(write).not.toHaveBeenCalled()
    expect(await snapshot()).toEqual(before)
  })

  it('makes a lost file again only when asked to, attaching it to the dataset it already has', async () => {
    const { dataset } = await registerDataset(store, dir, { name: 'demo', description: 'Demo', write: writer() }, by)
    rmSync(join(dir, 'datasets', 'demo.duckdb'))
    await expect(registerDataset(store, dir, { name: 'demo', write: writer() }, by)).rejects.toThrow(
      /already has a file/
    )
    const again = await registerDataset(store, dir, { name: 'demo', write: writer('new'), remakeLostFile: true }, by)
    expect(again.dataset.id).toBe(dataset.id)
    expect(readFileSync(join(dir, 'datasets', 'demo.duckdb'), 'utf8')).toBe('new')
    expect((await store.listDatasets()).map((d) => d.name)).toEqual(['demo'])
  })

  it('removes the written file when the store refuses to attach it, so no file is left unregistered', async () => {
    const failing = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'setDatasetFile') return async () => Promise.reject(new Error('disk full'))
        const value = Reflect.get(target, key, receiver) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      }
    }) as Store
    await expect(
      registerDataset(failing, dir, { name: 'claims-1', description: 'Claims', write: writer() }, by)
    ).rejects.toThrow('disk full')
    expect(existsSync(join(dir, 'datasets', 'claims-1.duckdb'))).toBe(false)
  })
})

describe('ensureDatasetRow', () => {
  it('creates a dataset without a file once, and returns the same row after', async () => {
    const first = await ensureDatasetRow(store, 'demo', 'Demo', by)
    expect(first).toMatchObject({ name: 'demo', description: 'Demo', file: null })
    expect(await ensureDatasetRow(store, 'demo', 'Changed', by)).toEqual(first)
    expect((await store.recentAudit(10)).map((r) => r.action)).toEqual(['dataset.create'])
  })
})
