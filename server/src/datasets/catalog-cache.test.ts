import { mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, describe, expect, it } from 'vitest'
import type { DatasetRow, ProjectWithDatasets } from '../store/types.js'
import { CatalogCache } from './catalog-cache.js'
import { marksSql } from './marks.js'

const dir = mkdtempSync(join(tmpdir(), 'vre-catalog-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function dataset(file: string, ddl: string, marks: Parameters<typeof marksSql>[1] | null): Promise<void> {
  const instance = await DuckDBInstance.create(join(dir, file))
  const con = await instance.connect()
  await con.run(ddl)
  if (marks !== null) for (const sql of marksSql('main', marks)) await con.run(sql)
  con.closeSync()
  instance.closeSync()
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
      'claims.duckdb',
      'CREATE TABLE claims (claim_id VARCHAR, person_id VARCHAR, sex VARCHAR, cost DOUBLE)',
      [
        { table: 'claims', column: 'claim_id', mark: 'identifier' },
        { table: 'claims', column: 'person_id', mark: 'identifier' },
        { table: 'claims', column: 'sex', mark: 'quasi-identifier' }
      ]
    )
    await dataset('old.duckdb', 'CREATE TABLE visits (person_id VARCHAR, prefecture VARCHAR)', null)
    const store = {
      getProject: async (id: string) =>
        id === 'p1'
          ? project([
              { id: 'd1', name: 'claims', description: '', file: 'claims.duckdb' },
              { id: 'd2', name: 'old', description: '', file: 'old.duckdb' },
              { id: 'd3', name: 'pending', description: '', file: null }
            ])
          : null
    }
    const cache = new CatalogCache()
    expect(await cache.projectMarks(store, dir, 'p1')).toEqual({
      identifiers: ['claim_id', 'person_id'],
      quasiIdentifiers: ['sex']
    })
    await expect(cache.projectMarks(store, dir, 'nope')).rejects.toThrow(/no project/)
  })

  it('reads a file again once it changes, and not before', async () => {
    await dataset('v.duckdb', 'CREATE TABLE t (a VARCHAR)', [{ table: 't', column: 'a', mark: 'identifier' }])
    const cache = new CatalogCache()
    const first = cache.read(join(dir, 'v.duckdb'))
    expect(cache.read(join(dir, 'v.duckdb'))).toBe(first)
    utimesSync(join(dir, 'v.duckdb'), new Date(), new Date(Date.now() + 5000))
    expect(cache.read(join(dir, 'v.duckdb'))).not.toBe(first)
    expect((await first).tables[0]!.columns[0]!.mark).toBe('identifier')
  })

  it('fails when a dataset file cannot be read, rather than checking without its marks', async () => {
    const store = { getProject: async () => project([{ id: 'd', name: 'gone', description: '', file: 'gone.duckdb' }]) }
    await expect(new CatalogCache().projectMarks(store, dir, 'p1')).rejects.toThrow(/gone\.duckdb/)
  })
})
