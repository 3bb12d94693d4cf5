import { createHmac, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MEMORY_DIR } from '../at-rest.js'
import { readCatalog } from '../catalog.js'
import { ingestDataset, readOptOut } from './ingest.js'
import { checkIngestSpec, IngestError, type IngestSpec } from './spec.js'

const root = mkdtempSync(join(tmpdir(), 'vre-ingest-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const src = join(root, 'src')
let count = 0
const output = () => join(root, `out-${count++}.duckdb`)

const PATIENTS =
  'patient_no,氏名,birth_date,postcode,sex,income,score\n' +
  '0001,山田　太郎,1950-06-15,060-0001,M,120,5\n' +
  '001,佐藤　花子,1988-12-31,1000005,F,99999,-3\n' +
  '0002,鈴木　一郎,2001-01-01,530-0001,M,55.5,17\n' +
  '0003,田中　次郎,1930-03-03,900-0001,M,10,1\n'
const VISITS =
  'patient_no,visit_date,discharge,seen_at,service_ym,cost\n' +
  '0001,2023-04-10,2023-04-20,2023-04-10 09:30:00,2023-04,100\n' +
  '0001,2024-02-28,2024-03-02,2024-02-28 23:59:00,2024-02,200\n' +
  '001,2023-01-01,,2023-01-01 00:00:00,2023-01,300\n' +
  '0002,2022-12-31,2023-01-05,2022-12-31 12:00:00,2022-12,400\n' +
  '0003,2023-05-05,2023-05-06,2023-05-05 08:00:00,2023-05,500\n'

beforeAll(async () => {
  mkdirSync(src, { recursive: true })
  writeFileSync(join(src, 'patients.csv'), PATIENTS)
  writeFileSync(join(src, 'visits.csv'), VISITS)
  writeFileSync(join(src, 'opt-out.txt'), '# 提供停止\n0003\n\n')
  writeFileSync(join(src, 'opt-out.csv'), 'received,patient_no\n2024-01-01,0003\n')
  const instance = await DuckDBInstance.create(':memory:')
  const con = await instance.connect()
  await con.run(
    `COPY (SELECT * FROM read_csv('${join(src, 'visits.csv')}', types = {'patient_no': 'VARCHAR'}))
     TO '${join(src, 'visits.parquet')}' (FORMAT parquet)`
  )
  con.closeSync()
  instance.closeSync()
})

async function query(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  try {
    const con = await instance.connect()
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
    con.closeSync()
    return rows
  } finally {
    instance.closeSync()
  }
}

const hmac = (key: Buffer, raw: string) => createHmac('sha256', key).update(raw).digest('hex')
const pseudonym = (key: Buffer, raw: string) => 'P' + hmac(key, raw).slice(0, 16).toUpperCase()
const offsetDays = (key: Buffer, raw: string, days: number) =>
  Number(BigInt('0x' + hmac(key, raw).slice(16, 24)) % BigInt(2 * days + 1)) - days
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

const patientsTable = {
  source: 'patients.csv',
  description: 'People',
  personKey: 'patient_no',
  drop: ['氏名'],
  quasi: {
    birth_date: { rule: 'year-month', as: 'birth_ym' },
    postcode: { rule: 'truncate', digits: 3, as: 'postcode3' },
    income: { rule: 'top-code', max: 1000 },
    score: { rule: 'bottom-code', min: 0 }
  },
  keep: { sex: { description: 'Sex' } }
}
const visitsTable = (source = 'visits.csv') => ({
  source,
  description: 'Visits (受診)',
  personKey: 'patient_no',
  dates: {
    visit_date: { description: 'Day of the visit.' },
    discharge: {},
    seen_at: {},
    service_ym: { format: 'month' }
  },
  keep: { cost: {} }
})

const SHIFT = 60
function makeSpec(tables: Record<string, unknown>, extra: Record<string, unknown> = {}): IngestSpec {
  return checkIngestSpec(
    { version: 1, description: 'Test extract', person: { dateShiftDays: SHIFT }, tables, ...extra },
    'test',
    src
  )
}
const standard = (extra: Record<string, unknown> = {}) =>
  makeSpec({ patients: patientsTable, visits: visitsTable() }, { optOut: { file: 'opt-out.txt' }, ...extra })

describe('ingestDataset', () => {
  it('drops direct identifiers and replaces the person key by the keyed HMAC, one pseudonym per person in every table', async () => {
    const key = randomBytes(32)
    const path = output()
    const result = await ingestDataset({ spec: standard(), path, key })
    const columns = await query(
      path,
      `SELECT table_name, list(column_name ORDER BY column_index) AS columns FROM duckdb_columns()
       WHERE schema_name = 'main' GROUP BY table_name ORDER BY table_name`
    )
    expect(columns.find((c) => c.table_name === 'patients')!.columns).toEqual([
      'person_id',
      'birth_ym',
      'postcode3',
      'sex',
      'income',
      'score'
    ])
    const patients = await query(path, 'SELECT person_id FROM patients ORDER BY person_id')
    // '0001' and '001' are different people: keys are text, leading zeros kept.
    expect(patients.map((r) => r.person_id)).toEqual(['0001', '001', '0002'].map((k) => pseudonym(key, k)).sort())
    const visits = await query(path, 'SELECT DISTINCT person_id FROM visits ORDER BY person_id')
    expect(visits.map((r) => r.person_id)).toEqual(['0001', '001', '0002'].map((k) => pseudonym(key, k)).sort())
    const everything = JSON.stringify([
      await query(path, 'SELECT * FROM patients'),
      await query(path, 'SELECT * FROM visits'),
      await query(path, 'SELECT * FROM dataset_info')
    ])
    for (const raw of ['山田', '佐藤', '鈴木', '田中', '"0001"', '"001"', '"0002"'])
      expect(everything).not.toContain(raw)
    expect(result.persons).toBe(3)
  })

  it('gives the same people unrelated pseudonyms under two project keys', async () => {
    const a = randomBytes(32)
    const b = randomBytes(32)
    const pathA = output()
    const pathB = output()
    await ingestDataset({ spec: standard(), path: pathA, key: a })
    await ingestDataset({ spec: standard(), path: pathB, key: b })
    const ids = async (p: string) => (await query(p, 'SELECT person_id FROM patients')).map((r) => r.person_id)
    const inA = await ids(pathA)
    const inB = await ids(pathB)
    expect(inA).toHaveLength(3)
    expect(inA.filter((x) => inB.includes(x))).toEqual([])
    // and the same key again gives the same pseudonyms
    const again = output()
    await ingestDataset({ spec: standard(), path: again, key: a })
    expect((await ids(again)).sort()).toEqual([...inA].sort())
  })

  it("moves all of a person's dates by one offset within the window, so intervals are kept", async () => {
    const key = randomBytes(32)
    const path = output()
    await ingestDataset({ spec: standard(), path, key })
    const rows = await query(
      path,
      `SELECT person_id, CAST(visit_date AS VARCHAR) AS visit_date, CAST(discharge AS VARCHAR) AS discharge,
              CAST(seen_at AS VARCHAR) AS seen_at, service_ym, cost FROM visits ORDER BY cost`
    )
    const raw = VISITS.trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter(([k]) => k !== '0003')
    expect(rows).toHaveLength(raw.length)
    let moved = 0
    raw.forEach(([k, visit, discharge, seenAt, month], i) => {
      const d = offsetDays(key, k!, SHIFT)
      expect(Math.abs(d)).toBeLessThanOrEqual(SHIFT)
      if (d !== 0) moved++
      const row = rows[i]!
      expect(row.person_id).toBe(pseudonym(key, k!))
      expect(row.visit_date).toBe(addDays(visit!, d))
      expect(row.discharge).toBe(discharge === '' ? null : addDays(discharge!, d))
      expect(row.seen_at).toBe(`${addDays(seenAt!.slice(0, 10), d)} ${seenAt!.slice(11)}`)
      expect(row.service_ym).toBe(addDays(`${month}-15`, d).slice(0, 7))
    })
    expect(moved).toBeGreaterThan(0)
    const intervals = await query(
      path,
      `SELECT cost, discharge - visit_date AS stay FROM visits WHERE discharge IS NOT NULL ORDER BY cost`
    )
    expect(intervals.map((r) => Number(r.stay))).toEqual([10, 3, 5])
    const between = await query(
      path,
      `SELECT max(visit_date) - min(visit_date) AS days FROM visits WHERE person_id = '${pseudonym(key, '0001')}'`
    )
    expect(Number(between[0]!.days)).toBe(324) // 2023-04-10 to 2024-02-28
  })

  it('applies each quasi-identifier rule', async () => {
    const key = randomBytes(32)
    const path = output()
    const spec = makeSpec({
      patients: {
        ...patientsTable,
        quasi: { ...patientsTable.quasi, birth_date: { rule: 'age', at: '2025-03-31', max: 90, as: 'age' } }
      },
      people_by_year: {
        ...patientsTable,
        quasi: {
          birth_date: { rule: 'year' },
          postcode: { rule: 'truncate', digits: 2 },
          income: { rule: 'band', width: 50 },
          score: { rule: 'band', width: 10 }
        }
      }
    })
    await ingestDataset({ spec, path, key })
    const a = await query(
      path,
      'SELECT age, postcode3, income, CAST(score AS INTEGER) AS score FROM patients ORDER BY age'
    )
    expect(a).toEqual([
      { age: 24, postcode3: '530', income: 55.5, score: 17 },
      { age: 36, postcode3: '100', income: 1000, score: 0 },
      { age: 74, postcode3: '060', income: 120, score: 5 },
      { age: 90, postcode3: '900', income: 10, score: 1 }
    ])
    const b = await query(
      path,
      'SELECT birth_date, postcode, income, CAST(score AS INTEGER) AS score FROM people_by_year ORDER BY birth_date'
    )
    expect(b).toEqual([
      { birth_date: 1930, postcode: '90', income: 0, score: 0 },
      { birth_date: 1950, postcode: '06', income: 100, score: 0 },
      { birth_date: 1988, postcode: '10', income: 99950, score: -10 },
      { birth_date: 2001, postcode: '53', income: 50, score: 10 }
    ])
    const yearMonth = output()
    await ingestDataset({ spec: standard(), path: yearMonth, key })
    expect((await query(yearMonth, 'SELECT birth_ym FROM patients ORDER BY birth_ym')).map((r) => r.birth_ym)).toEqual([
      '1950-06',
      '1988-12',
      '2001-01'
    ])
  })

  it('removes people on the opt-out list from every table, by their raw key', async () => {
    const key = randomBytes(32)
    const gone = pseudonym(key, '0003')
    for (const optOut of [
      { file: join(src, 'opt-out.txt'), column: null },
      { file: join(src, 'opt-out.csv'), column: 'patient_no' }
    ]) {
      const path = output()
      const result = await ingestDataset({ spec: standard({ optOut: undefined }), path, key, optOut })
      for (const table of ['patients', 'visits']) {
        expect(await query(path, `SELECT * FROM ${table} WHERE person_id = '${gone}'`)).toEqual([])
      }
      expect(result.optOut).toEqual({ listed: 1, removedPersons: 1 })
      expect(result.tables.map((t) => [t.name, t.sourceRows, t.rows, t.optedOutRows])).toEqual([
        ['patients', 4, 3, 1],
        ['visits', 5, 4, 1]
      ])
    }
    const without = output()
    const kept = await ingestDataset({ spec: standard({ optOut: undefined }), path: without, key })
    expect(kept.optOut).toBeNull()
    expect(await query(without, `SELECT count(*) AS n FROM visits WHERE person_id = '${gone}'`)).toEqual([{ n: '1' }])
  })

  it('reads an opt-out list of lines or a CSV column, and refuses a CSV without the column', () => {
    expect([...readOptOut(join(src, 'opt-out.txt'), null)]).toEqual(['0003'])
    expect([...readOptOut(join(src, 'opt-out.csv'), 'patient_no')]).toEqual(['0003'])
    expect(() => readOptOut(join(src, 'opt-out.csv'), 'person')).toThrow(/has no column person/)
    expect(() => readOptOut(join(src, 'missing.txt'), null)).toThrow(IngestError)
  })

  it('reads Parquet sources the same as CSV', async () => {
    const key = randomBytes(32)
    const fromCsv = output()
    const fromParquet = output()
    await ingestDataset({ spec: standard(), path: fromCsv, key })
    await ingestDataset({
      spec: makeSpec(
        { patients: patientsTable, visits: visitsTable('visits.parquet') },
        { optOut: { file: 'opt-out.txt' } }
      ),
      path: fromParquet,
      key
    })
    const sql = 'SELECT * FROM visits ORDER BY cost'
    expect(await query(fromParquet, sql)).toEqual(await query(fromCsv, sql))
  })

  it('refuses a source column the spec does not mention and a named column the source lacks, writing nothing', async () => {
    const path = output()
    const { keep: _, ...withoutKeep } = patientsTable
    const spec = makeSpec({ patients: { ...withoutKeep, keep: { gender: {} } } })
    const err = await ingestDataset({ spec, path, key: randomBytes(32) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IngestError)
    expect((err as Error).message).toBe(
      'tables.patients: the source has 1 column(s) the spec does not mention (name each under drop, dates, ' +
        'quasi or keep; nothing passes through unnamed)\ntables.patients: the source has no column gender'
    )
    // which columns is for the administrator's terminal only: names read from the source may be data
    expect((err as IngestError).detail).toMatch(/the spec does not mention: sex$/)
    expect(readdirSync(root).filter((f) => f.startsWith(path.split('/').pop()!))).toEqual([])
  })

  it('keeps the first line of a CSV without a header out of the message, and asks about the header', async () => {
    writeFileSync(
      join(src, 'headerless.csv'),
      '0001234,山田太郎,1980-01-02,東京都新宿区1-2-3\n0001235,佐藤花子,1975-03-04,大阪府\n'
    )
    const spec = makeSpec({ patients: { ...patientsTable, source: 'headerless.csv' } })
    const err = (await ingestDataset({ spec, path: output(), key: randomBytes(32) }).catch(
      (e: unknown) => e
    )) as IngestError
    expect(err).toBeInstanceOf(IngestError)
    expect(err.message).toMatch(/has the file a header line\?/)
    expect(err.message).not.toMatch(/0001234|山田|1980|東京/)
    expect(err.detail).toMatch(/山田太郎/)
  })

  it('refuses rows without a person key', async () => {
    writeFileSync(join(src, 'keyless.csv'), 'patient_no,cost\n0001,1\n,2\n  ,3\n')
    const spec = makeSpec({
      t: { source: 'keyless.csv', description: 'd', personKey: 'patient_no', keep: { cost: {} } }
    })
    const path = output()
    await expect(ingestDataset({ spec, path, key: randomBytes(32) })).rejects.toThrow(
      'tables.t: 2 of 3 rows have no person key (patient_no); every row of a table with a personKey must name its person'
    )
    expect(existsSync(path)).toBe(false)
  })

  it("refuses values a rule cannot read, keeping DuckDB's words (which may quote data) out of the message", async () => {
    writeFileSync(join(src, 'baddate.csv'), 'patient_no,visit_date\n0001,2023-01-01\n0002,山田\n')
    const spec = makeSpec({
      t: { source: 'baddate.csv', description: 'd', personKey: 'patient_no', dates: { visit_date: {} } }
    })
    const path = output()
    const err = (await ingestDataset({ spec, path, key: randomBytes(32) }).catch((e: unknown) => e)) as IngestError
    expect(err).toBeInstanceOf(IngestError)
    expect(err.message).toBe(`tables.t: ${join(src, 'baddate.csv')} could not be pseudonymized`)
    expect(err.detail).toMatch(/山田/)
    expect(existsSync(path)).toBe(false)
    expect(readdirSync(root).some((f) => f.includes('.partial-'))).toBe(false)
  })

  it('refuses a rule on a column of the wrong type before writing anything', async () => {
    const spec = makeSpec({
      visits: { ...visitsTable('visits.parquet'), dates: { ...visitsTable().dates, cost: {} }, keep: {} }
    })
    await expect(ingestDataset({ spec, path: output(), key: randomBytes(32) })).rejects.toThrow(
      'tables.visits.dates.cost: is BIGINT, not a date'
    )
  })

  it('refuses a person key stored as a number, which the opt-out list could never match', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const con = await instance.connect()
    await con.run(
      `COPY (SELECT CAST(patient_no AS BIGINT) AS patient_no, * EXCLUDE (patient_no)
             FROM read_csv('${join(src, 'visits.csv')}', types = {'patient_no': 'VARCHAR'}))
       TO '${join(src, 'visits-numeric-key.parquet')}' (FORMAT parquet)`
    )
    con.closeSync()
    instance.closeSync()
    const spec = makeSpec({ visits: visitsTable('visits-numeric-key.parquet') })
    const path = output()
    await expect(
      ingestDataset({ spec, path, key: randomBytes(32), optOut: { file: join(src, 'opt-out.txt'), column: null } })
    ).rejects.toThrow(/tables\.visits\.personKey: patient_no is BIGINT; a person key must be text/)
    expect(existsSync(path)).toBe(false)
  })

  it('keeps the directory DuckDB spills into (raw keys) in memory, private to its owner while it works, and removes it', async () => {
    const path = output()
    const scratches = () => new Set(readdirSync(MEMORY_DIR).filter((f) => f.startsWith('vre-ingest-')))
    const before = scratches()
    const modes: number[] = []
    const seen = new Set<string>()
    await ingestDataset({
      spec: standard(),
      path,
      key: randomBytes(32),
      onProgress: () => {
        for (const f of scratches()) {
          if (before.has(f)) continue
          seen.add(f)
          modes.push(statSync(join(MEMORY_DIR, f)).mode & 0o777)
        }
      }
    })
    expect(seen.size).toBe(1)
    expect(new Set(modes)).toEqual(new Set([0o700]))
    expect(scratches()).toEqual(before)
    // nothing but the output beside it: no spill directory, no partial file
    expect(readdirSync(dirname(path)).filter((f) => f.startsWith(basename(path)))).toEqual([basename(path)])
  })

  it('refuses a missing source and an existing output file', async () => {
    const spec = makeSpec({ t: { source: 'nowhere.csv', description: 'd', personKey: 'id', keep: { x: {} } } })
    await expect(ingestDataset({ spec, path: output(), key: randomBytes(32) })).rejects.toThrow(
      /tables\.t\.source: there is no file/
    )
    const path = output()
    writeFileSync(path, 'not a dataset')
    await expect(ingestDataset({ spec: standard(), path, key: randomBytes(32) })).rejects.toThrow(/already exists/)
  })

  it('writes the catalog metadata the catalog reader shows, with what was done to each column', async () => {
    const path = output()
    await ingestDataset({ spec: standard(), path, key: randomBytes(32), name: 'test-extract' })
    const catalog = await readCatalog(path)
    expect(catalog.tables.map((t) => [t.name, t.rowCount])).toEqual([
      ['dataset_info', 1],
      ['patients', 3],
      ['visits', 4]
    ])
    const visits = catalog.tables.find((t) => t.name === 'visits')!
    expect(visits.description).toBe('Visits (受診)')
    const column = (name: string) => visits.columns.find((c) => c.name === name)!
    expect(column('person_id').description).toMatch(/^Pseudonymous person identifier/)
    expect(column('visit_date')).toEqual({
      name: 'visit_date',
      type: 'DATE',
      description:
        "Day of the visit. Moved by a per-person offset of at most 60 days either way; intervals between one person's dates are exact.",
      mark: null
    })
    const patients = catalog.tables.find((t) => t.name === 'patients')!
    // the person key identifies; what the spec generalizes as quasi-identifiers is marked so
    expect(catalog.marked).toBe(true)
    expect(column('person_id').mark).toBe('identifier')
    expect(Object.fromEntries(patients.columns.map((c) => [c.name, c.mark]))).toMatchObject({
      person_id: 'identifier',
      birth_ym: 'quasi-identifier',
      income: 'quasi-identifier',
      sex: null
    })
    expect(patients.columns.find((c) => c.name === 'income')!.description).toBe(
      'Top-coded: values above 1000 are shown as 1000.'
    )
    expect(catalog.info).toMatchObject({
      name: 'test-extract',
      description: 'Test extract',
      method: 'vre-ingest/1',
      persons: 3,
      date_shift_max_days: 60
    })
  })
})
