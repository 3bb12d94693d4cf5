import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIngestSpec } from '../ingest/spec.js'
import { checkDigit } from './identities.js'
import { generateRawDataset, type GenerateRawDatasetResult, RAW_TABLES } from './raw.js'
import { generateSyntheticDataset } from './writer.js'

const root = mkdtempSync(join(tmpdir(), 'vre-raw-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const PATIENTS = 1500
const SEED = 11
let first: GenerateRawDatasetResult

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:')
  try {
    const con = await instance.connect()
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
    con.closeSync()
    return rows
  } finally {
    instance.closeSync()
  }
}

const digest = (r: GenerateRawDatasetResult) =>
  Object.fromEntries(
    [r.spec, r.optOut, ...r.files.map((f) => f.path)].map((p) => [
      p.slice(r.dir.length),
      createHash('sha256').update(readFileSync(p)).digest('hex')
    ])
  )

beforeAll(async () => {
  first = await generateRawDataset({ dir: join(root, 'a'), patients: PATIENTS, seed: SEED })
})

describe('generateRawDataset', () => {
  it('writes one file per table, a spec that checks and an opt-out list of about one in a hundred', () => {
    expect(first.files.map((f) => f.table)).toEqual(RAW_TABLES)
    expect(first.files.find((f) => f.table === 'patients')!.rows).toBe(PATIENTS)
    const spec = loadIngestSpec(first.spec)
    expect(spec.tables.map((t) => t.name)).toEqual(RAW_TABLES)
    const lines = readFileSync(first.optOut, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
    expect(lines).toHaveLength(first.optedOut)
    expect(first.optedOut).toBeGreaterThan(3)
    expect(first.optedOut).toBeLessThan(40)
  })

  it('is the same files for the same seed and size, and other files for another seed', async () => {
    const again = await generateRawDataset({ dir: join(root, 'b'), patients: PATIENTS, seed: SEED })
    expect(digest(again)).toEqual(digest(first))
    const other = await generateRawDataset({ dir: join(root, 'c'), patients: PATIENTS, seed: SEED + 1 })
    expect(digest(other)['/patients.csv']).not.toBe(digest(first)['/patients.csv'])
  })

  it('holds the same people and rows as the synthetic dataset of that seed, with identifiers added', async () => {
    const path = join(root, 'synthetic.duckdb')
    await generateSyntheticDataset({ path, patients: PATIENTS, seed: SEED })
    const patients = join(first.dir, 'patients.csv')
    const fromRaw = await query(
      `SELECT sex, strftime(birth_date, '%Y-%m') AS birth_ym, prefecture_code, insurer_type, count(*) AS n
       FROM read_csv('${patients}', types = {'prefecture_code': 'VARCHAR'}) GROUP BY ALL ORDER BY ALL`
    )
    const fromSynthetic = await query(
      `ATTACH '${path}' AS s (READ_ONLY);
       SELECT sex, birth_ym, prefecture_code, insurer_type, count(*) AS n FROM s.patients GROUP BY ALL ORDER BY ALL`
    )
    expect(fromRaw).toEqual(fromSynthetic)
    const counts = await query(
      `ATTACH '${path}' AS s (READ_ONLY);
       SELECT table_name AS t, estimated_size AS n FROM duckdb_tables() WHERE database_name = 's' ORDER BY 1`
    )
    for (const f of first.files) {
      const expected = counts.find((c) => c.t === f.table)
      expect(f.rows, f.table).toBe(Number(expected!.n))
    }
  })

  it('gives every person a unique raw patient number and plausible identifiers', async () => {
    const patients = join(first.dir, 'patients.csv')
    const [row] = await query(
      `SELECT count(DISTINCT patient_no) AS ids, min(length(patient_no)) AS shortest,
              count(*) FILTER (WHERE NOT regexp_full_match(postcode, '\\d{3}-\\d{4}')) AS bad_postcodes,
              count(*) FILTER (WHERE NOT contains(name_kanji, '　')) AS unspaced_names,
              count(DISTINCT name_kanji) AS names
       FROM read_csv('${patients}', all_varchar = true)`
    )
    expect(row).toEqual({
      ids: String(PATIENTS),
      shortest: '11',
      bad_postcodes: '0',
      unspaced_names: '0',
      names: expect.any(String)
    })
    expect(Number(row!.names)).toBeGreaterThan(200)
    const insurers = await query(
      `SELECT insurer_type, insurer_number FROM read_csv('${patients}', all_varchar = true) LIMIT 200`
    )
    for (const { insurer_type, insurer_number } of insurers as { insurer_type: string; insurer_number: string }[]) {
      expect(insurer_number).toHaveLength(insurer_type === 'NHI' ? 6 : 8)
      expect(insurer_number.at(-1)).toBe(checkDigit(insurer_number.slice(0, -1)))
    }
  })

  it('writes Parquet with the same rows as CSV', async () => {
    const parquet = await generateRawDataset({ dir: join(root, 'p'), patients: 300, seed: SEED, format: 'parquet' })
    const csv = await generateRawDataset({ dir: join(root, 'q'), patients: 300, seed: SEED })
    const sql = (p: string) =>
      `SELECT patient_no, name_kanji, CAST(birth_date AS VARCHAR) AS b, address FROM '${p}' ORDER BY patient_no`
    expect(await query(sql(join(parquet.dir, 'patients.parquet')))).toEqual(
      await query(
        sql(join(csv.dir, 'patients.csv'))
          .replace(`FROM '`, `FROM read_csv('`)
          .replace(`' ORDER`, `', types = {'patient_no': 'VARCHAR'}) ORDER`)
      )
    )
  })

  it('refuses to overwrite files already there', async () => {
    await expect(generateRawDataset({ dir: first.dir, patients: 10, seed: 1 })).rejects.toThrow(/already exists/)
  })
})
