import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeKeys, dataDirKeys, testStoreOptions } from '../../../test/support/keys.js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isEncryptedFile, readEncryptedBytes } from '../keys/encrypted-file.js'
import { KeyDestroyedError, KEYRING_FILE, Keyring } from '../keys/keyring.js'
import type { Keys } from '../keys/keys.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/types.js'
import { datasetContext, MEMORY_DIR } from './at-rest.js'
import { DatasetRegistrationRefused, ensureDatasetRow, registerDataset } from './registration.js'

const by = { actor: 'cli:test', sourceIp: null }
let dir: string
let store: SqliteStore
let keys: Keys
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-registration-'))
  store = new SqliteStore(testStoreOptions(join(dir, 'vre.sqlite')))
  keys = dataDirKeys(dir)
})
afterEach(() => {
  store.close()
  closeKeys(keys)
  rmSync(dir, { recursive: true, force: true })
})

/** A writer that puts `content` at the path it is given, and records that it ran. */
const writer = (content = 'data') =>
  vi.fn(async (path: string) => {
    writeFileSync(path, content)
    return { details: { generator: 'test', rows: 3 } }
  })

const register = (name: string, more: Partial<Parameters<typeof registerDataset>[3]> = {}, s: Store = store) =>
  registerDataset(s, dir, keys.keyring, { name, write: writer(), ...more }, by)

const lookup = (id: string) => keys.keyring.key(id)
const plain = (file: string, datasetId: string) =>
  readEncryptedBytes(join(dir, file), lookup, datasetContext(datasetId)).then((b) => b.toString('utf8'))

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

const snapshot = async () => ({
  datasets: await store.listDatasets(),
  audit: await store.recentAudit(100),
  files: readdirSync(join(dir, 'datasets')).sort(),
  keys: keys.keyring.entries().map((e) => ({ ...e }))
})
const shmLeft = () => readdirSync(MEMORY_DIR).filter((f) => f.startsWith('vre-dataset-write-'))

describe('registerDataset', () => {
  it('writes the plaintext in memory, encrypts it under a key of its own into the data directory, then audits', async () => {
    const before = shmLeft()
    const write = writer('rows')
    const { dataset, file, keyId, version } = await register('claims-1', { description: 'Claims', write })
    expect(file).toBe('datasets/claims-1.v1.duckdb.enc')
    expect(version).toBe(1)
    // the writer was given a path in memory-backed storage, removed once the file was encrypted
    const given = write.mock.calls[0]![0]
    expect(given.startsWith(`${MEMORY_DIR}/vre-dataset-write-`)).toBe(true)
    expect(existsSync(given)).toBe(false)
    expect(shmLeft()).toEqual(before)
    // at rest: ciphertext only, under a dataset key scoped to this dataset's version 1
    expect(isEncryptedFile(join(dir, file))).toBe(true)
    expect(readFileSync(join(dir, file)).includes('rows')).toBe(false)
    expect(readdirSync(join(dir, 'datasets'))).toEqual(['claims-1.v1.duckdb.enc'])
    expect(await plain(file, dataset.id)).toBe('rows')
    expect(keys.keyring.entry(keyId)).toMatchObject({ purpose: 'dataset', scope: `${dataset.id}@1` })
    // bound to its dataset: read as another dataset's file, it does not open
    await expect(plain(file, 'other-dataset')).rejects.toThrow(/is "dataset:.*", not "dataset:other-dataset"/)
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
    expect(audit[1]!.details).toEqual({ file, version: 1, keyId, generator: 'test', rows: 3 })
  })

  it('refuses a name that already has a file, with a sentence naming it, and changes nothing', async () => {
    await register('claims-1', { description: 'Claims', write: writer('first') })
    const before = await snapshot()
    const again = writer('second')
    await expect(register('claims-1', { description: 'Other', write: again })).rejects.toThrow(
      new DatasetRegistrationRefused('the dataset claims-1 already has a file (datasets/claims-1.v1.duckdb.enc)')
    )
    expect(again).not.toHaveBeenCalled()
    expect(await snapshot()).toEqual(before)
  })

  it('refuses a name that is not lowercase letters, digits and "-" before writing anything', async () => {
    const write = writer()
    await expect(register('../Claims', { write })).rejects.toThrow(/lowercase letters, digits and "-"/)
    expect(write).not.toHaveBeenCalled()
    expect(await store.listDatasets()).toEqual([])
    expect(keys.keyring.entries().filter((e) => e.purpose === 'dataset')).toEqual([])
  })

  it('grants the dataset to the project whose pseudonyms it holds, and refuses one granted to another project', async () => {
    const a = await project('Project A')
    const b = await project('Project B')
    await ensureDatasetRow(store, 'claims-1', 'Claims', by)
    const { dataset } = await register('claims-1', { project: a })
    expect((await store.getDatasetProject(dataset.id))?.id).toBe(a.id)
    expect((await store.recentAudit(1))[0]!).toMatchObject({
      action: 'project.dataset_grant',
      target: a.id,
      details: { project: a.id, dataset: dataset.id, name: 'claims-1' }
    })

    await ensureDatasetRow(store, 'claims-2', 'Claims', by)
    await register('claims-2', { project: a, remakeLostFile: true })
    rmSync(join(dir, 'datasets', 'claims-2.v1.duckdb.enc'))
    const before = await snapshot()
    const write = writer()
    await expect(register('claims-2', { project: b, write, remakeLostFile: true })).rejects.toThrow(
      /granted to the project Project A; its pseudonyms would be Project B's/
    )
    await expect(register('claims-1', { project: b, write, replace: { reason: 'opt-out' } })).rejects.toThrow(
      /granted to the project Project A/
    )
    expect(write).not.toHaveBeenCalled()
    expect(await snapshot()).toEqual(before)
  })

  it("makes a lost file again only when asked to, as a new version, destroying the lost version's key", async () => {
    const first = await register('demo', { description: 'Demo' })
    rmSync(join(dir, first.file))
    await expect(register('demo')).rejects.toThrow(/already has a file/)
    const again = await register('demo', { write: writer('new'), remakeLostFile: true })
    expect(again.dataset.id).toBe(first.dataset.id)
    expect(again.file).toBe('datasets/demo.v2.duckdb.enc')
    expect(await plain(again.file, again.dataset.id)).toBe('new')
    expect(again.destroyedKeys).toEqual([first.keyId])
    expect(() => keys.keyring.key(first.keyId)).toThrow(KeyDestroyedError)
    expect((await store.listDatasets()).map((d) => d.name)).toEqual(['demo'])
  })

  it('replaces a version (an opt-out): the earlier key is destroyed after its audit record, its file deleted', async () => {
    const a = await project('Project A')
    const first = await register('claims-1', { project: a, write: writer('with everyone') })
    const copies = mkdtempSync(join(tmpdir(), 'vre-registration-copy-'))
    try {
      // what an attacker copied before the opt-out: the file and the keyring naming its wrapped key
      copyFileSync(join(dir, first.file), join(copies, 'old.enc'))
      copyFileSync(join(dir, KEYRING_FILE), join(copies, KEYRING_FILE))
      const second = await register('claims-1', {
        project: a,
        write: writer('without the opted-out'),
        replace: { reason: 'opt-out: a new version without the people who opted out' }
      })
      expect(second.file).toBe('datasets/claims-1.v2.duckdb.enc')
      expect(second.destroyedKeys).toEqual([first.keyId])
      expect(readdirSync(join(dir, 'datasets'))).toEqual(['claims-1.v2.duckdb.enc'])
      expect(await plain(second.file, second.dataset.id)).toBe('without the opted-out')
      expect((await store.getDatasetByName('claims-1'))!.file).toBe(second.file)
      const audit = (await store.recentAudit(2)).reverse()
      expect(audit.map((r) => r.action)).toEqual(['dataset.file', 'key.destroyed'])
      expect(audit[0]!.details).toMatchObject({ file: second.file, version: 2, replaces: first.file })
      expect(audit[1]).toMatchObject({
        target: first.dataset.id,
        outcome: 'success',
        details: {
          keyId: first.keyId,
          purpose: 'dataset',
          scope: `${first.dataset.id}@1`,
          reason: 'opt-out: a new version without the people who opted out'
        }
      })
      // the old copy is undecryptable: the key is destroyed here and its KEK gone from the token
      expect(() => keys.keyring.key(first.keyId)).toThrow(KeyDestroyedError)
      await expect(
        readEncryptedBytes(join(copies, 'old.enc'), lookup, datasetContext(first.dataset.id))
      ).rejects.toThrow(KeyDestroyedError)
      const old = Keyring.open(keys.keyring.provider, copies, { create: false })
      expect(old.entry(first.keyId).destroyedAt).toBeUndefined()
      expect(() => old.key(first.keyId)).toThrow()
      await expect(
        readEncryptedBytes(join(copies, 'old.enc'), (id) => old.key(id), datasetContext(first.dataset.id))
      ).rejects.toThrow()
    } finally {
      rmSync(copies, { recursive: true, force: true })
    }
  })

  it('destroys no earlier key when the audit of its destruction cannot be written', async () => {
    const first = await register('claims-1', { write: writer('v1') })
    const failing = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'appendAudit') return async () => Promise.reject(new Error('audit unavailable'))
        const value = Reflect.get(target, key, receiver) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      }
    }) as Store
    await expect(register('claims-1', { replace: { reason: 'opt-out' } }, failing)).rejects.toThrow('audit unavailable')
    expect(await plain(first.file, first.dataset.id)).toBe('v1')
    expect(keys.keyring.entry(first.keyId).destroyedAt).toBeUndefined()
  })

  it('removes the written file and its key when the store refuses to attach it, so no file is left unregistered', async () => {
    const failing = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'setDatasetFile') return async () => Promise.reject(new Error('disk full'))
        const value = Reflect.get(target, key, receiver) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      }
    }) as Store
    const before = shmLeft()
    await expect(register('claims-1', { description: 'Claims' }, failing)).rejects.toThrow('disk full')
    expect(readdirSync(join(dir, 'datasets'))).toEqual([])
    expect(
      keys.keyring
        .entries()
        .filter((e) => e.purpose === 'dataset')
        .map((e) => e.destroyedAt !== undefined)
    ).toEqual([true])
    expect(shmLeft()).toEqual(before)
  })

  it('leaves nothing in memory or on disk when the writer fails', async () => {
    const before = shmLeft()
    const write = vi.fn(async (path: string) => {
      writeFileSync(path, 'half')
      throw new Error('the source is unreadable')
    })
    await expect(register('claims-1', { write })).rejects.toThrow('the source is unreadable')
    expect(shmLeft()).toEqual(before)
    expect(readdirSync(join(dir, 'datasets'))).toEqual([])
    expect(await store.listDatasets()).toEqual([])
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
