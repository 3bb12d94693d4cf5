import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalogMarks, readCatalog } from '../catalog.js'
import { MARKS_TABLE } from '../marks.js'
import { datasetDigest } from '../digest.js'
import { CONDITIONS } from './reference.js'
import { TABLES } from './schema.js'
import { generateSyntheticDataset, nominalGeneratedAt } from './writer.js'

const dir = mkdtempSync(join(tmpdir(), 'vre-synthetic-'))
const open: DuckDBInstance[] = []

async function connect(path: string): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  open.push(instance)
  return instance.connect()
}

async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS()
}

async function value(con: DuckDBConnection, sql: string): Promise<unknown> {
  return (await con.runAndReadAll(sql)).getRowsJS()[0]![0]
}

let big: DuckDBConnection // 10,000 patients, for prevalence
let small: DuckDBConnection // 1,000 patients
const bigPath = join(dir, 'big.duckdb')
const smallPath = join(dir, 'small.duckdb')

beforeAll(async () => {
  const [b, s] = await Promise.all([
    generateSyntheticDataset({ path: bigPath, patients: 10_000, seed: 2024 }),
    generateSyntheticDataset({ path: smallPath, patients: 1000, seed: 1, batchPatients: 300 })
  ])
  expect(b.tables.find((t) => t.name === 'patients')!.rows).toBe(10_000)
  expect(s.seconds).toBeGreaterThan(0)
  big = await connect(bigPath)
  small = await connect(smallPath)
}, 60_000)

afterAll(() => {
  for (const i of open) i.closeSync()
  rmSync(dir, { recursive: true, force: true })
})

describe('generateSyntheticDataset', () => {
  it('writes the same data for the same seed and size, and different data for another seed', async () => {
    const again = await generateSyntheticDataset({ path: join(dir, 'again.duckdb'), patients: 1000, seed: 1 })
    const other = await generateSyntheticDataset({ path: join(dir, 'other.duckdb'), patients: 1000, seed: 2 })
    const first = await datasetDigest(smallPath)
    // Same content although `small` was staged in batches of 300 and `again` in one batch.
    expect(await datasetDigest(again.path)).toEqual(first)
    const different = await datasetDigest(other.path)
    expect(different.digest).not.toBe(first.digest)
    for (const t of ['patients', 'claims', 'claim_diagnoses', 'drugs', 'lab_results']) {
      const md5 = (d: typeof first) => d.tables.find((x) => x.name === t)!.md5
      expect(md5(different), t).not.toBe(md5(first))
    }
  })

  it('reports row counts that match the file', async () => {
    const result = await generateSyntheticDataset({ path: join(dir, 'counts.duckdb'), patients: 500, seed: 3 })
    const con = await connect(result.path)
    for (const t of result.tables) expect(Number(await value(con, `SELECT count(*) FROM ${t.name}`))).toBe(t.rows)
    expect(result.tables.map((t) => t.name)).toEqual(TABLES.map((t) => t.name))
  })

  it('refuses to overwrite an existing file unless asked, and leaves no partial file on failure', async () => {
    const path = join(dir, 'exists.duckdb')
    writeFileSync(path, 'not a database')
    await expect(generateSyntheticDataset({ path, patients: 10, seed: 1 })).rejects.toThrow(/already exists/)
    const result = await generateSyntheticDataset({ path, patients: 10, seed: 1, overwrite: true })
    expect(result.tables[0]).toEqual({ name: 'patients', rows: 10 })
    await expect(generateSyntheticDataset({ path: join(dir, 'bad.duckdb'), patients: 0, seed: 1 })).rejects.toThrow(
      RangeError
    )
  })

  it('creates every table with the declared columns and types', async () => {
    const cols = await rows(
      big,
      `SELECT table_name, column_name, data_type FROM duckdb_columns()
       WHERE schema_name = 'main' AND database_name = current_database() ORDER BY table_name, column_index`
    )
    for (const t of TABLES) {
      const actual = cols.filter((c) => c.table_name === t.name).map((c) => [c.column_name, c.data_type])
      expect(actual).toEqual(t.columns.map((c) => [c.name, c.type]))
    }
    const tables = await rows(big, `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'`)
    // and the catalog's marks of identifier and quasi-identifier columns
    expect(tables.map((t) => t.table_name).sort()).toEqual([...TABLES.map((t) => t.name), MARKS_TABLE].sort())
  })

  it('describes every table and every column in DuckDB comments', async () => {
    const catalog = await readCatalog(smallPath)
    expect(catalog.tables.map((t) => t.name).sort()).toEqual(TABLES.map((t) => t.name).sort())
    for (const t of catalog.tables) {
      expect(t.description.length, t.name).toBeGreaterThan(20)
      for (const c of t.columns) expect(c.description.length, `${t.name}.${c.name}`).toBeGreaterThan(5)
    }
    expect(catalog.tables.find((t) => t.name === 'patients')!.rowCount).toBe(1000)
    expect(catalog.info).toMatchObject({ seed: '1', patients: 1000, period_start: '2022-04', period_end: '2025-03' })
  })

  it('marks the person key and claim ids as identifiers and sex, birth month, prefecture and insurer as quasi-identifiers', async () => {
    const catalog = await readCatalog(smallPath)
    expect(catalog.marked).toBe(true)
    const patients = catalog.tables.find((t) => t.name === 'patients')!
    expect(Object.fromEntries(patients.columns.filter((c) => c.mark !== null).map((c) => [c.name, c.mark]))).toEqual({
      person_id: 'identifier',
      sex: 'quasi-identifier',
      birth_ym: 'quasi-identifier',
      prefecture_code: 'quasi-identifier',
      insurer_type: 'quasi-identifier'
    })
    const claims = catalog.tables.find((t) => t.name === 'claims')!
    expect(
      claims.columns
        .filter((c) => c.mark === 'identifier')
        .map((c) => c.name)
        .sort()
    ).toEqual(['claim_id', 'person_id'])
    expect(catalogMarks([catalog])).toEqual({
      identifiers: ['claim_id', 'person_id'],
      quasiIdentifiers: ['birth_ym', 'insurer_type', 'prefecture_code', 'sex']
    })
  })

  it('records a dataset_info row with a generation time fixed by the seed', async () => {
    const [info] = await rows(small, `SELECT *, strftime(generated_at, '%Y-%m-%dT%H:%M:%S') AS at FROM dataset_info`)
    expect(info).toMatchObject({ seed: '1', patients: 1000, synthetic: true })
    expect(`${info!.at}.000Z`).toBe(nominalGeneratedAt(1).toISOString())
    expect(nominalGeneratedAt(1)).toEqual(nominalGeneratedAt(1))
    expect(nominalGeneratedAt(1)).not.toEqual(nominalGeneratedAt(2))
  })

  it('has no direct identifiers: no names, addresses, contact details or birth dates', async () => {
    const forbidden =
      /^(.*_)?(name|kana|address|addr|zip|postcode|postal_code|phone|tel|telephone|mobile|email|birth_?date|dob|date_of_birth|insur(ed|ance)_(no|number)|my_?number)$/i
    // Descriptions of codes, not of people.
    const allowed = new Set(['procedures.procedure_name', 'drugs.generic_name', 'dataset_info.name'])
    for (const t of TABLES) {
      for (const c of t.columns) {
        const key = `${t.name}.${c.name}`
        if (!allowed.has(key)) expect(c.name, key).not.toMatch(forbidden)
      }
    }
    expect(TABLES.flatMap((t) => t.columns.map((c) => c.name)).filter((n) => n.includes('birth'))).toEqual(['birth_ym'])
    expect(
      await value(big, `SELECT count(*) FROM patients WHERE NOT regexp_full_match(birth_ym, '\\d{4}-(0[1-9]|1[0-2])')`)
    ).toBe(0n)
    expect(await value(big, `SELECT count(*) FROM patients WHERE birth_ym > '2022-04'`)).toBe(0n)
    expect(
      await value(big, `SELECT count(*) FROM patients WHERE NOT regexp_full_match(person_id, 'P[0-9A-F]{12}')`)
    ).toBe(0n)
  })

  it('keeps referential integrity between tables', async () => {
    const checks: Record<string, string> = {
      'person ids unique': `SELECT count(*) - count(DISTINCT person_id) FROM patients`,
      'claim ids unique': `SELECT count(*) - count(DISTINCT claim_id) FROM claims`,
      'claims -> patients': `SELECT count(*) FROM claims c ANTI JOIN patients p USING (person_id)`,
      'claims -> facilities': `SELECT count(*) FROM claims c ANTI JOIN facilities f USING (facility_id)`,
      'diagnoses -> claims (same person)': `SELECT count(*) FROM claim_diagnoses d ANTI JOIN claims c USING (claim_id, person_id)`,
      'procedures -> claims (same person)': `SELECT count(*) FROM procedures d ANTI JOIN claims c USING (claim_id, person_id)`,
      'drugs -> claims (same person)': `SELECT count(*) FROM drugs d ANTI JOIN claims c USING (claim_id, person_id)`,
      'admissions -> patients': `SELECT count(*) FROM admissions a ANTI JOIN patients p USING (person_id)`,
      'admissions -> facilities': `SELECT count(*) FROM admissions a ANTI JOIN facilities f USING (facility_id)`,
      'labs -> patients': `SELECT count(*) FROM lab_results l ANTI JOIN patients p USING (person_id)`,
      'diagnosis codes described': `SELECT count(*) FROM claim_diagnoses d ANTI JOIN icd10_codes c USING (icd10)`,
      'patients without claims': `SELECT count(*) FROM patients p ANTI JOIN claims c USING (person_id)`,
      'pharmacy claims with diagnoses': `SELECT count(*) FROM claim_diagnoses d JOIN claims c USING (claim_id) WHERE c.claim_type = 'pharmacy'`,
      'claims with two primaries': `SELECT count(*) FROM (SELECT claim_id FROM claim_diagnoses WHERE is_primary GROUP BY ALL HAVING count(*) > 1)`,
      'admissions at non-hospitals': `SELECT count(*) FROM admissions JOIN facilities USING (facility_id) WHERE facility_type <> 'hospital'`,
      'dpc codes outside DPC hospitals': `SELECT count(*) FROM admissions JOIN facilities USING (facility_id) WHERE (dpc_code IS NOT NULL) <> dpc`,
      'stays ending before they start': `SELECT count(*) FROM admissions WHERE discharge_date <= admit_date`,
      'stays without inpatient claims': `SELECT count(*) FROM admissions a ANTI JOIN claims c ON c.person_id = a.person_id
         AND c.facility_id = a.facility_id AND c.claim_type IN ('inpatient', 'dpc') AND c.service_ym = strftime(a.admit_date, '%Y-%m')`,
      'dates outside the period': `SELECT (SELECT count(*) FROM lab_results WHERE test_date NOT BETWEEN '2022-04-01' AND '2025-03-31')
         + (SELECT count(*) FROM admissions WHERE admit_date NOT BETWEEN '2022-04-01' AND '2025-03-31')`,
      'months outside the period': `SELECT count(*) FROM claims WHERE service_ym NOT BETWEEN '2022-04' AND '2025-03'`
    }
    for (const [check, sql] of Object.entries(checks)) expect(await value(big, sql), check).toBe(0n)
  })

  it('has plausible prevalence at 10,000 patients', async () => {
    // Share of patients aged 40+ (at the end of the period) with a confirmed diagnosis.
    const prevalence = await rows(
      big,
      `WITH adults AS (SELECT person_id FROM patients WHERE birth_ym <= '1985-03'),
       confirmed AS (SELECT DISTINCT person_id, left(icd10, 3) AS cat FROM claim_diagnoses WHERE NOT suspected)
       SELECT cat, count(*) / (SELECT count(*) FROM adults) AS share
       FROM confirmed JOIN adults USING (person_id) GROUP BY cat`
    )
    const share = Object.fromEntries(prevalence.map((r) => [r.cat, Number(r.share)]))
    expect(share.E11).toBeGreaterThan(0.08)
    expect(share.E11).toBeLessThan(0.15)
    expect(share.I10).toBeGreaterThan(0.2)
    expect(share.I10).toBeLessThan(0.4)
    const chronic = [
      'I10',
      'E11',
      'E78',
      'N18',
      'I50',
      'I48',
      'J44',
      'J45',
      'F32',
      'F03',
      'G30',
      'M81',
      'C16',
      'C18',
      'C34',
      'C50'
    ]
    for (const c of chronic.filter((c) => c !== 'I10')) expect(share[c] ?? 0, c).toBeLessThan(share.I10!)
    for (const c of chronic) expect(share[c] ?? 0, c).toBeGreaterThan(0)
    // Breast cancer is (almost) only in women, osteoporosis mostly; dementia mostly in the old.
    const bySex = await rows(
      big,
      `SELECT left(icd10, 3) AS cat, count(DISTINCT person_id) FILTER (WHERE sex = 'F') / count(DISTINCT person_id) AS women
       FROM claim_diagnoses JOIN patients USING (person_id) WHERE NOT suspected AND left(icd10, 3) IN ('C50', 'M81', 'N40') GROUP BY 1`
    )
    const women = Object.fromEntries(bySex.map((r) => [r.cat, Number(r.women)]))
    expect(women.C50).toBeGreaterThan(0.95)
    expect(women.M81).toBeGreaterThan(0.75)
    expect(women.N40).toBe(0)
  })

  it('makes rare conditions rare: 0-3 cases at 1,000 patients, a few at 10,000', async () => {
    const rare = ['E75.2', 'G12.2', 'M30.3', 'I27.0']
    const count = async (con: DuckDBConnection) =>
      Object.fromEntries(
        (
          await rows(
            con,
            `SELECT icd10, count(DISTINCT person_id) AS n FROM claim_diagnoses
             WHERE icd10 IN (${rare.map((c) => `'${c}'`).join(', ')}) AND NOT suspected GROUP BY 1`
          )
        ).map((r) => [r.icd10, Number(r.n)])
      )
    const atSmall = await count(small)
    const atBig = await count(big)
    for (const code of rare) {
      expect(atSmall[code] ?? 0, code).toBeLessThanOrEqual(3)
      expect(atBig[code] ?? 0, code).toBeLessThanOrEqual(20)
    }
    expect(Object.values(atBig).reduce((a: number, b) => a + Number(b), 0)).toBeGreaterThan(3)
    expect(CONDITIONS.filter((c) => ['fabry', 'als', 'kawasaki', 'pah'].includes(c.key))).toHaveLength(4)
  })

  it('ties lab values to conditions', async () => {
    const [r] = await rows(
      big,
      `WITH dm AS (SELECT DISTINCT person_id FROM claim_diagnoses WHERE icd10 LIKE 'E11%' AND NOT suspected),
       ckd AS (SELECT DISTINCT person_id FROM claim_diagnoses WHERE icd10 LIKE 'N18%' AND NOT suspected)
       SELECT
         avg(value) FILTER (WHERE test_code = 'HbA1c' AND person_id IN (FROM dm)) AS hba1c_dm,
         avg(value) FILTER (WHERE test_code = 'HbA1c' AND person_id NOT IN (FROM dm)) AS hba1c_other,
         avg(value) FILTER (WHERE test_code = 'eGFR' AND person_id IN (FROM ckd)) AS egfr_ckd,
         avg(value) FILTER (WHERE test_code = 'eGFR' AND person_id NOT IN (FROM ckd)) AS egfr_other
       FROM lab_results`
    )
    expect(Number(r!.hba1c_dm)).toBeGreaterThan(Number(r!.hba1c_other) + 1)
    expect(Number(r!.egfr_ckd)).toBeLessThan(Number(r!.egfr_other) - 20)
  })
})
