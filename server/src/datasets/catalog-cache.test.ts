import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import type { DatasetRow, ProjectWithDatasets } from '../store/types.js'
import { datasetContext, datasetKeyScope } from './at-rest.js'
import { CatalogCache, readDatasetCatalog } from './catalog-cache.js'
import { marksSql } from './marks.js'

const dir = mkdtempSync(join(tmpdir(), 'vre-catalog-cache-'))
const keys = dataDirKeys(dir)
afterAll(() => {
  closeKeys(keys)
  rmSync(dir, { recursive: true, force: true })
})

/** A hand-made DuckDB file, encrypted as registration stores a dataset's version 1. */
async function dataset(
  file: string,
  id: string,
  ddl: string,
  marks: Parameters<typeof marksSql>[1] | null
): Promise<void> {
  const plain = join(dir, `${file}.plain`)
  const instance = await DuckDBInstance.create(plain)
  const con = await instance.connect()
  await con.run(ddl)
  if (marks !== null) for (const sql of marksSql('main', marks)) await con.run(sql)
  con.closeSync()
  instance.closeSync()
  const { id: keyId, key } = keys.keyring.create('dataset', datasetKeyScope(id, 1))
  await writeEncryptedFile(join(dir, file), readFileSync(plain), keyId, key, datasetContext(id))
  rmSync(plain)
}

const project = (datasets: DatasetRow[]): ProjectWithDatasets => ({
  id: 'p1',
  title: 'Demo',
  purpose: '',
  approvalReference: '',
  startDate: '2025-01-01',
  endDate: '2026-01-01',
  createdAt: '2025-01-01T00:00:00Z',
  datasets
})

describe('the catalog marks of a project', () => {
  it("unites the marks of the project's datasets, an older file's person key included, and skips a dataset without a file", async () => {
    await dataset(
      'claims.duckdb.enc',
      'd1',
      'CREATE TABLE claims (claim_id VARCHAR, person_id VARCHAR, sex VARCHAR, cost DOUBLE)',
      [
        { table: 'claims', column: 'claim_id', mark: 'identifier' },
        { table: 'claims', column: 'person_id', mark: 'identifier' },
        { table: 'claims', column: 'sex', mark: 'quasi-identifier' }
      ]
    )
    await dataset('old.duckdb.enc', 'd2', 'CREATE TABLE visits (person_id VARCHAR, prefecture VARCHAR)', null)
    const store = {
      getProject: async (id: string) =>
        id === 'p1'
          ? project([
              { id: 'd1', name: 'claims', description: '', file: 'claims.duckdb.enc' },
              { id: 'd2', name: 'old', description: '', file: 'old.duckdb.enc' },
              { id: 'd3', name: 'pending', description: '', file: null }
            ])
          : null
    }
    const cache = new CatalogCache(keys.keyring)
    expect(await cache.projectMarks(store, dir, 'p1')).toEqual({
      identifiers: ['claim_id', 'person_id'],
      quasiIdentifiers: ['sex']
    })
    await expect(cache.projectMarks(store, dir, 'nope')).rejects.toThrow(/no project/)
  })

  it('reads a file again once it changes, and not before', async () => {
    await dataset('v.duckdb.enc', 'dv', 'CREATE TABLE t (a VARCHAR)', [{ table: 't', column: 'a', mark: 'identifier' }])
    const cache = new CatalogCache(keys.keyring)
    const first = cache.read(join(dir, 'v.duckdb.enc'), 'dv')
    expect(cache.read(join(dir, 'v.duckdb.enc'), 'dv')).toBe(first)
    utimesSync(join(dir, 'v.duckdb.enc'), new Date(), new Date(Date.now() + 5000))
    expect(cache.read(join(dir, 'v.duckdb.enc'), 'dv')).not.toBe(first)
    expect((await first).tables[0]!.columns[0]!.mark).toBe('identifier')
  })

  it('fails when a dataset file cannot be read, rather than checking without its marks', async () => {
    const store = {
      getProject: async () => project([{ id: 'd', name: 'gone', description: '', file: 'gone.duckdb.enc' }])
    }
    await expect(new CatalogCache(keys.keyring).projectMarks(store, dir, 'p1')).rejects.toThrow(/gone\.duckdb/)
  })

  it("refuses a changed file, another dataset's file and a plaintext one, each with its reason", async () => {
    await dataset('t.duckdb.enc', 'dt', 'CREATE TABLE t (a VARCHAR)', null)
    const bytes = readFileSync(join(dir, 't.duckdb.enc'))
    bytes[bytes.length - 100]! ^= 0x01
    writeFileSync(join(dir, 'flipped.duckdb.enc'), bytes)
    await expect(readDatasetCatalog(join(dir, 'flipped.duckdb.enc'), keys.keyring, 'dt')).rejects.toThrow(
      /does not decrypt: the encrypted file was changed \(chunk \d+ does not authenticate\)/
    )
    await expect(readDatasetCatalog(join(dir, 't.duckdb.enc'), keys.keyring, 'other')).rejects.toThrow(
      /does not decrypt: the encrypted file is "dataset:dt", not "dataset:other"/
    )
    const plain = await DuckDBInstance.create(join(dir, 'plain.duckdb'))
    plain.closeSync()
    await expect(readDatasetCatalog(join(dir, 'plain.duckdb'), keys.keyring, 'dt')).rejects.toThrow(
      /does not decrypt: not an encrypted file of this platform/
    )
  })
})
