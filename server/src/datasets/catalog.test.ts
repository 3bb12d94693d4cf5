import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalogMarks, readCatalog } from './catalog.js'
import { MARKS_TABLE, marksSql } from './marks.js'
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
          columns: [{ name: 'x', type: 'INTEGER', description: '', mark: null }]
        },
        {
          name: 'visits',
          description: 'Outpatient visits (外来)',
          rowCount: 2,
          columns: [
            // a file written before the marks: its person key is the one identifier known
            { name: 'person_id', type: 'VARCHAR', description: 'Pseudonymous id', mark: 'identifier' },
            { name: 'visit_date', type: 'DATE', description: '', mark: null },
            { name: 'cost', type: 'DOUBLE', description: '', mark: null }
          ]
        }
      ],
      info: null,
      marked: false
    })
  })

  it('reads the marks a dataset file records, per column, and keeps their table out of the catalog', async () => {
    const marked = join(dir, 'marked.duckdb')
    const instance = await DuckDBInstance.create(marked)
    const con = await instance.connect()
    await con.run(`CREATE TABLE claims (claim_id VARCHAR, pid VARCHAR, sex VARCHAR, person_id VARCHAR, cost DOUBLE)`)
    for (const sql of marksSql('main', [
      { table: 'claims', column: 'claim_id', mark: 'identifier' },
      { table: 'claims', column: 'pid', mark: 'identifier' },
      { table: 'claims', column: 'sex', mark: 'quasi-identifier' }
    ])) {
      await con.run(sql)
    }
    con.closeSync()
    instance.closeSync()
    const catalog = await readCatalog(marked)
    expect(catalog.marked).toBe(true)
    expect(catalog.tables.map((t) => t.name)).toEqual(['claims'])
    expect(catalog.tables[0]!.columns.map((c) => [c.name, c.mark])).toEqual([
      ['claim_id', 'identifier'],
      ['pid', 'identifier'],
      ['sex', 'quasi-identifier'],
      // a marked file is taken at its word: person_id here is not the person key
      ['person_id', null],
      ['cost', null]
    ])
    // the union over a project's datasets, by column name
    expect(catalogMarks([catalog, await readCatalog(path)])).toEqual({
      identifiers: ['claim_id', 'person_id', 'pid'],
      quasiIdentifiers: ['sex']
    })
  })

  it('refuses a mark it does not know rather than reading the column as unmarked', async () => {
    const odd = join(dir, 'odd-mark.duckdb')
    const instance = await DuckDBInstance.create(odd)
    const con = await instance.connect()
    await con.run(`CREATE TABLE t (a VARCHAR)`)
    await con.run(`CREATE TABLE ${MARKS_TABLE} (table_name VARCHAR, column_name VARCHAR, mark VARCHAR)`)
    await con.run(`INSERT INTO ${MARKS_TABLE} VALUES ('t', 'a', 'secret')`)
    con.closeSync()
    instance.closeSync()
    await expect(readCatalog(odd)).rejects.toThrow(/marks t\.a as secret/)
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
