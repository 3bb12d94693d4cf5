import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCatalog } from './catalog.js'
import { datasetDigest } from './digest.js'

const dir = mkdtempSync(join(tmpdir(), 'vre-catalog-'))
const path = join(dir, 'hand-made.duckdb')

beforeAll(async () => {
  const instance = await DuckDBInstance.create(path)
  const con = await instance.connect()
  await con.run(`CREATE TABLE visits (person_id VARCHAR, visit_date DATE, cost DOUBLE)`)
  await con.run(`COMMENT ON TABLE visits IS 'Outpatient visits (外来)'`)
  await con.run(`COMMENT ON COLUMN visits.person_id IS 'Pseudonymous id'`)
  await con.run(`INSERT INTO visits VALUES ('P1', DATE '2024-01-02', 1.5), ('P2', DATE '2024-01-03', 2.5)`)
  await con.run(`CREATE TABLE "odd ""name""" (x INTEGER)`)
  await con.run(`CREATE VIEW v AS SELECT * FROM visits`)
  con.closeSync()
  instance.closeSync()
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readCatalog', () => {
  it('lists base tables with comments, types and row counts; missing comments are empty', async () => {
    const catalog = await readCatalog(path)
    expect(catalog).toEqual({
      tables: [
        {
          name: 'odd "name"',
          description: '',
          rowCount: 0,
          columns: [{ name: 'x', type: 'INTEGER', description: '' }]
        },
        {
          name: 'visits',
          description: 'Outpatient visits (外来)',
          rowCount: 2,
          columns: [
            { name: 'person_id', type: 'VARCHAR', description: 'Pseudonymous id' },
            { name: 'visit_date', type: 'DATE', description: '' },
            { name: 'cost', type: 'DOUBLE', description: '' }
          ]
        }
      ],
      info: null
    })
  })

  it('opens the file read-only and refuses a missing file without creating it', async () => {
    await Promise.all([readCatalog(path), readCatalog(path)])
    await expect(readCatalog(join(dir, 'missing.duckdb'))).rejects.toThrow(/no dataset file/)
    await expect(datasetDigest(join(dir, 'missing.duckdb'))).rejects.toThrow(/no dataset file/)
  })
})

describe('datasetDigest', () => {
  it('is stable for the same content and counts rows', async () => {
    const a = await datasetDigest(path)
    expect(a).toEqual(await datasetDigest(path))
    expect(a.tables.map((t) => [t.name, t.rows])).toEqual([
      ['odd "name"', 0],
      ['visits', 2]
    ])
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/)
  })
})
