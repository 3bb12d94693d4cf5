/**
 * The raw synthetic extract through the ingest, as an administrator runs it: each pseudonymization
 * step checked on the whole output file.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCatalog } from '../catalog.js'
import { generateRawDataset, type GenerateRawDatasetResult } from '../synthetic/raw.js'
import { ingestDataset, type IngestResult } from './ingest.js'
import { loadIngestSpec } from './spec.js'

const root = mkdtempSync(join(tmpdir(), 'vre-ingest-e2e-'))
const keyA = randomBytes(32)
const keyB = randomBytes(32)
const outA = join(root, 'project-a.duckdb')
const outB = join(root, 'project-b.duckdb')
let raw: GenerateRawDatasetResult
let resultA: IngestResult
let instance: DuckDBInstance
let con: DuckDBConnection

const pseudonym = (key: Buffer, k: string) =>
  'P' + createHmac('sha256', key).update(k).digest('hex').slice(0, 16).toUpperCase()

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
}
const csv = (table: string) => `read_csv('${join(raw.dir, `${table}.csv`)}', all_varchar = true)`

beforeAll(async () => {
  raw = await generateRawDataset({ dir: join(root, 'raw'), patients: 3000, seed: 5, dateShiftDays: 90 })
  const spec = loadIngestSpec(raw.spec)
  resultA = await ingestDataset({ spec, path: outA, key: keyA, name: 'e2e' })
  await ingestDataset({ spec, path: outB, key: keyB, name: 'e2e' })
  instance = await DuckDBInstance.create(':memory:')
  con = await instance.connect()
  await con.run(`ATTACH '${outA}' AS a (READ_ONLY); ATTACH '${outB}' AS b (READ_ONLY)`)
  // The pseudonym each raw person should have, computed outside DuckDB.
  await con.run('CREATE TABLE expected (patient_no VARCHAR, a VARCHAR, b VARCHAR, opted_out BOOLEAN)')
  const optedOut = new Set(
    readFileSync(raw.optOut, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
  )
  const people = await rows(`SELECT patient_no FROM ${csv('patients')}`)
  const appender = await con.createAppender('expected')
  for (const { patient_no } of people as { patient_no: string }[]) {
    appender.appendVarchar(patient_no)
    appender.appendVarchar(pseudonym(keyA, patient_no))
    appender.appendVarchar(pseudonym(keyB, patient_no))
    appender.appendBoolean(optedOut.has(patient_no))
    appender.endRow()
  }
  appender.closeSync()
}, 120_000)

afterAll(() => {
  con?.closeSync()
  instance?.closeSync()
  rmSync(root, { recursive: true, force: true })
})

const OUTPUT_TABLES = [
  'admissions',
  'claim_diagnoses',
  'claims',
  'drugs',
  'facilities',
  'icd10_codes',
  'lab_results',
  'patients',
  'procedures'
]
const PERSON_TABLES = OUTPUT_TABLES.filter((t) => !['facilities', 'icd10_codes'].includes(t))

describe('ingest of the raw synthetic extract', () => {
  it('leaves no direct identifier value in any text column of any table', async () => {
    // Short member symbols and numbers ('12') would match codes by chance; the long ones are checked.
    await con.run(`CREATE TABLE identifiers AS
      SELECT DISTINCT v FROM (
        SELECT unnest([patient_no, name_kanji, name_kana, address, phone, postcode, CAST(birth_date AS VARCHAR),
                       insurer_number, member_number]) AS v FROM ${csv('patients')}
        UNION ALL SELECT unnest([insurer_number, member_number]) FROM ${csv('claims')}
        UNION ALL SELECT name_kanji FROM ${csv('admissions')}
        UNION ALL SELECT name_kana FROM ${csv('lab_results')})
      WHERE v IS NOT NULL AND length(v) >= 6`)
    const [count] = await rows('SELECT count(*) AS n FROM identifiers')
    expect(Number(count!.n)).toBeGreaterThan(3000 * 5)
    const columns = (await rows(
      `SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'a' AND data_type = 'VARCHAR'
       ORDER BY ALL`
    )) as { table_name: string; column_name: string }[]
    expect(columns.length).toBeGreaterThan(30)
    for (const { table_name, column_name } of columns) {
      const [hits] = await rows(
        `SELECT count(*) FILTER (WHERE i.v IS NOT NULL) AS exact,
                count(*) FILTER (WHERE contains(t.v, '　') OR contains(t.v, '丁目')
                                 OR regexp_matches(t.v, '^0\\d0-\\d{4}-\\d{4}$')) AS inside
         FROM (SELECT DISTINCT "${column_name}" AS v FROM a.${table_name}) t LEFT JOIN identifiers i ON i.v = t.v`
      )
      expect(hits, `${table_name}.${column_name}`).toEqual({ exact: '0', inside: '0' })
    }
  })

  it('gives each person one pseudonym, the keyed HMAC of the raw key, in every table of a project', async () => {
    for (const table of PERSON_TABLES) {
      const [row] = await rows(
        `SELECT count(*) AS n, count(e.a) AS matched FROM a.${table} t LEFT JOIN expected e ON e.a = t.person_id`
      )
      expect(row!.matched, table).toBe(row!.n)
    }
    // a claim's person is the person of the raw claim
    const [claims] = await rows(
      `SELECT count(*) AS n FROM a.claims c JOIN ${csv('claims')} r USING (claim_id)
       JOIN expected e ON e.patient_no = r.patient_no WHERE c.person_id <> e.a`
    )
    expect(claims!.n).toBe('0')
  })

  it('gives the same people different pseudonyms in two projects', async () => {
    const [shared] = await rows(`SELECT count(*) AS n FROM a.patients JOIN b.patients USING (person_id)`)
    expect(shared!.n).toBe('0')
    const [mapped] = await rows(`SELECT count(*) AS n FROM b.patients p JOIN expected e ON e.b = p.person_id`)
    expect(Number(mapped!.n)).toBe(resultA.persons)
  })

  it("moves each person's dates by one offset, keeping every interval, in every table", async () => {
    const [stays] = await rows(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE a.discharge_date - a.admit_date
                               <> CAST(r.discharge_date AS DATE) - CAST(r.admit_date AS DATE)) AS changed_stays,
              count(*) FILTER (WHERE a.admit_date <> CAST(r.admit_date AS DATE)) AS moved,
              max(abs(a.admit_date - CAST(r.admit_date AS DATE))) AS widest
       FROM a.admissions a JOIN ${csv('admissions')} r USING (admission_id)`
    )
    expect(Number(stays!.n)).toBeGreaterThan(100)
    expect(stays!.changed_stays).toBe('0')
    expect(Number(stays!.moved)).toBeGreaterThan(Number(stays!.n) * 0.9)
    expect(Number(stays!.widest)).toBeLessThanOrEqual(90)
    // a person's lab tests move by the same number of days as their admissions
    const [offsets] = await rows(
      `WITH adm AS (SELECT DISTINCT a.person_id, a.admit_date - CAST(r.admit_date AS DATE) AS d
                    FROM a.admissions a JOIN ${csv('admissions')} r USING (admission_id)),
            lab AS (SELECT DISTINCT e.a AS person_id, CAST(r.test_date AS DATE) AS raw_date FROM ${csv('lab_results')} r
                    JOIN expected e USING (patient_no)),
            checked AS (SELECT l.person_id, adm.d,
                               (SELECT count(*) FROM a.lab_results x WHERE x.person_id = l.person_id
                                  AND x.test_date = l.raw_date + CAST(adm.d AS INTEGER)) AS found
                        FROM lab l JOIN adm USING (person_id))
       SELECT count(*) AS n, count(*) FILTER (WHERE found = 0) AS missing FROM checked`
    )
    expect(Number(offsets!.n)).toBeGreaterThan(50)
    expect(offsets!.missing).toBe('0')
  })

  it('removes everyone on the opt-out list from every table', async () => {
    expect(resultA.optOut).toEqual({ listed: raw.optedOut, removedPersons: raw.optedOut })
    for (const table of PERSON_TABLES) {
      const [row] = await rows(
        `SELECT count(*) AS n FROM a.${table} t JOIN expected e ON e.a = t.person_id WHERE e.opted_out`
      )
      expect(row!.n, table).toBe('0')
      const [source] = await rows(
        `SELECT count(*) AS n FROM ${csv(table)} r JOIN expected e USING (patient_no) WHERE NOT e.opted_out`
      )
      const written = resultA.tables.find((t) => t.name === table)!
      expect(written.rows, table).toBe(Number(source!.n))
      expect(written.sourceRows - written.optedOutRows, table).toBe(written.rows)
    }
  })

  it('generalizes birth dates and postcodes and top-codes claim points as the spec says', async () => {
    const [patients] = await rows(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE p.birth_ym <> strftime(CAST(r.birth_date AS DATE), '%Y-%m')) AS wrong_ym,
              count(*) FILTER (WHERE p.postcode3 <> left(r.postcode, 3)) AS wrong_postcode,
              count(*) FILTER (WHERE p.prefecture_code <> r.prefecture_code) AS wrong_prefecture
       FROM a.patients p JOIN expected e ON e.a = p.person_id JOIN ${csv('patients')} r USING (patient_no)`
    )
    expect(patients).toEqual({ n: String(resultA.persons), wrong_ym: '0', wrong_postcode: '0', wrong_prefecture: '0' })
    const [points] = await rows(`SELECT max(points) AS top FROM a.claims`)
    expect(Number(points!.top)).toBeLessThanOrEqual(500_000)
  })

  it('shows in the catalog with every table and description', async () => {
    const catalog = await readCatalog(outA)
    expect(catalog.tables.map((t) => t.name)).toEqual([
      'admissions',
      'claim_diagnoses',
      'claims',
      'dataset_info',
      'drugs',
      'facilities',
      'icd10_codes',
      'lab_results',
      'patients',
      'procedures'
    ])
    for (const t of catalog.tables) {
      expect(t.description, t.name).not.toBe('')
      for (const c of t.columns) expect(c.description, `${t.name}.${c.name}`).not.toBe('')
    }
    expect(catalog.info).toMatchObject({ name: 'e2e', persons: resultA.persons, date_shift_max_days: 90 })
  })
})
