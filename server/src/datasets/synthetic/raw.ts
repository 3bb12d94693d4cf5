/**
 * The raw, identifiable form of a synthetic dataset: what a data holder hands over before
 * pseudonymization, so the ingest path (server/src/datasets/ingest/) is tested end to end.
 *
 * The same rows as `generateSyntheticDataset` for the same seed and size, with each person's
 * pseudonymous id replaced by a raw patient number, and the direct identifiers a real extract
 * carries added: names, full birth dates, addresses, postcodes, telephone numbers, insurer numbers
 * and member symbols/numbers (on the patient list and on every claim, as on a receipt), names on
 * admissions and lab results. Written as one CSV or Parquet file per table, with `spec.yaml`
 * describing how to pseudonymize them and `opt-out.txt`, the people who asked that their data not
 * be provided (本人の提供停止).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { stringify } from 'yaml'
import { feistel, Rng, seedWords } from './prng.js'
import { makeIdentity } from './identities.js'
import { INSURERS } from './reference.js'
import { tableSpec } from './schema.js'
import { generateSyntheticDataset } from './writer.js'

export interface GenerateRawDatasetOptions {
  /** Folder for the files; created if missing. */
  dir: string
  /** Number of persons, 1 to 10,000,000. */
  patients: number
  seed: number | string
  /** Default csv. */
  format?: 'csv' | 'parquet'
  /** Share of people on the opt-out list (default 0.01). */
  optOutShare?: number
  /** Maximum date shift written into the spec (default 180 days). */
  dateShiftDays?: number
  /** Replace files already in `dir` (default: refuse). */
  overwrite?: boolean
  threads?: number
  memoryLimit?: string
  onProgress?: (progress: { patients: number; total: number; seconds: number }) => void
}

export interface GenerateRawDatasetResult {
  dir: string
  /** The dataset spec, sources relative to it. */
  spec: string
  optOut: string
  /** People on the opt-out list. */
  optedOut: number
  files: { table: string; path: string; rows: number }[]
  seconds: number
}

export const RAW_SPEC_FILE = 'spec.yaml'
export const RAW_OPT_OUT_FILE = 'opt-out.txt'

const STREAM_RAW = 21
const DOMAIN_PATIENT_NO = 13
const PAGE = 100_000

/** Raw columns of each table, in order: `person_id` becomes patient_no, the others are the generated columns or identities. */
const RAW_LAYOUT: Record<string, { columns: string[]; identifiers: string[] }> = {
  patients: {
    columns: [
      'patient_no',
      'name_kanji',
      'name_kana',
      'sex',
      'birth_date',
      'postcode',
      'address',
      'phone',
      'prefecture_code',
      'insurer_type',
      'insurer_number',
      'member_symbol',
      'member_number'
    ],
    identifiers: ['name_kanji', 'name_kana', 'address', 'phone', 'insurer_number', 'member_symbol', 'member_number']
  },
  claims: {
    columns: [
      'claim_id',
      'patient_no',
      'insurer_number',
      'member_symbol',
      'member_number',
      'service_ym',
      'claim_type',
      'facility_id',
      'points'
    ],
    identifiers: ['insurer_number', 'member_symbol', 'member_number']
  },
  claim_diagnoses: { columns: ['claim_id', 'patient_no', 'icd10', 'is_primary', 'suspected'], identifiers: [] },
  procedures: { columns: ['claim_id', 'patient_no', 'code', 'procedure_name'], identifiers: [] },
  drugs: {
    columns: ['claim_id', 'patient_no', 'drug_code', 'generic_name', 'atc', 'days_supply', 'quantity'],
    identifiers: []
  },
  admissions: {
    columns: [
      'admission_id',
      'patient_no',
      'name_kanji',
      'admit_date',
      'discharge_date',
      'facility_id',
      'primary_icd10',
      'dpc_code'
    ],
    identifiers: ['name_kanji']
  },
  lab_results: {
    columns: ['patient_no', 'name_kana', 'test_date', 'test_code', 'value', 'unit'],
    identifiers: ['name_kana']
  },
  facilities: { columns: ['facility_id', 'facility_type', 'prefecture_code', 'dpc', 'beds'], identifiers: [] },
  icd10_codes: { columns: ['icd10', 'description', 'description_ja'], identifiers: [] }
}

/** Raw columns that come from the identity rather than the generated table. */
const IDENTITY_COLUMNS = new Set([
  'patient_no',
  'name_kanji',
  'name_kana',
  'birth_date',
  'postcode',
  'address',
  'phone',
  'insurer_number',
  'member_symbol',
  'member_number'
])

/** Raw tables, in the order they are written. */
export const RAW_TABLES = Object.keys(RAW_LAYOUT)

/** The raw patient number (患者番号) of the person at generation index `index`: 11 digits, unique, not sequential. */
export function rawPatientNumber(seed: number | string, index: number): string {
  return String(feistel(index, 17, seedWords(seed), DOMAIN_PATIENT_NO)).padStart(11, '0')
}

export async function generateRawDataset(options: GenerateRawDatasetOptions): Promise<GenerateRawDatasetResult> {
  const started = performance.now()
  const dir = resolve(options.dir)
  const format = options.format ?? 'csv'
  const share = options.optOutShare ?? 0.01
  if (!(share >= 0 && share < 1)) throw new RangeError(`optOutShare must be in [0, 1): ${share}`)
  mkdirSync(dir, { recursive: true })
  const files = RAW_TABLES.map((t) => ({ table: t, path: join(dir, `${t}.${format}`), rows: 0 }))
  const spec = join(dir, RAW_SPEC_FILE)
  const optOut = join(dir, RAW_OPT_OUT_FILE)
  if (!options.overwrite) {
    for (const p of [spec, optOut, ...files.map((f) => f.path)]) {
      if (existsSync(p)) throw new Error(`${p} already exists`)
    }
  }
  const work = join(dir, `.synthetic-${process.pid}.duckdb`)
  const removeWork = () => {
    rmSync(work, { force: true })
    rmSync(`${work}.wal`, { force: true })
  }
  removeWork()
  const optOutLines: string[] = []
  try {
    await generateSyntheticDataset({
      path: work,
      patients: options.patients,
      seed: options.seed,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.memoryLimit !== undefined ? { memoryLimit: options.memoryLimit } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {})
    })
    const config: Record<string, string> = { preserve_insertion_order: 'true' }
    if (options.threads !== undefined) config.threads = String(options.threads)
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit
    const instance = await DuckDBInstance.create(work, config)
    try {
      const con = await instance.connect()
      try {
        await con.run(`CREATE TEMP TABLE people (
          person_id VARCHAR PRIMARY KEY, patient_no VARCHAR, name_kanji VARCHAR, name_kana VARCHAR,
          birth_date VARCHAR, postcode VARCHAR, address VARCHAR, phone VARCHAR, insurer_number VARCHAR,
          member_symbol VARCHAR, member_number VARCHAR, opted_out BOOLEAN)`)
        const seed = seedWords(options.seed)
        const rng = new Rng(seed, STREAM_RAW, 0)
        const appender = await con.createAppender('people', 'main', 'temp')
        for (let from = 0; from < options.patients; from += PAGE) {
          const rows = (
            await con.runAndReadAll(
              `SELECT rowid, person_id, sex, birth_ym, prefecture_code, insurer_type FROM patients
               WHERE rowid >= ${from} AND rowid < ${from + PAGE} ORDER BY rowid`
            )
          ).getRowsJS()
          for (const [rowid, personId, sex, birthYm, pref, insurer] of rows) {
            const index = Number(rowid)
            rng.reseed(seed, STREAM_RAW, index)
            const patientNo = rawPatientNumber(options.seed, index)
            const id = makeIdentity(
              rng,
              sex === 'M' ? 0 : 1,
              String(birthYm),
              Number(pref),
              INSURERS.indexOf(insurer as (typeof INSURERS)[number])
            )
            const out = rng.chance(share)
            if (out) optOutLines.push(patientNo)
            appender.appendVarchar(String(personId))
            appender.appendVarchar(patientNo)
            appender.appendVarchar(id.nameKanji)
            appender.appendVarchar(id.nameKana)
            appender.appendVarchar(id.birthDate)
            appender.appendVarchar(id.postcode)
            appender.appendVarchar(id.address)
            appender.appendVarchar(id.phone)
            appender.appendVarchar(id.insurerNumber)
            if (id.memberSymbol === '') appender.appendNull()
            else appender.appendVarchar(id.memberSymbol)
            appender.appendVarchar(id.memberNumber)
            appender.appendBoolean(out)
            appender.endRow()
          }
          appender.flushSync()
        }
        appender.closeSync()

        for (const f of files) {
          const layout = RAW_LAYOUT[f.table]!
          const personal = layout.columns.includes('patient_no')
          const select = layout.columns
            .map((c) => {
              if (c === 'birth_date') return 'CAST(p.birth_date AS DATE) AS birth_date'
              if (personal && IDENTITY_COLUMNS.has(c)) return `p.${c}`
              return `t.${c}`
            })
            .join(', ')
          const from = personal
            ? `(SELECT rowid AS r, * FROM main.${f.table}) t JOIN people p USING (person_id)`
            : `(SELECT rowid AS r, * FROM main.${f.table}) t`
          const copyOptions = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd'
          const target = `'${f.path.replaceAll("'", "''")}'`
          const copied = await con.runAndReadAll(
            `COPY (SELECT ${select} FROM ${from} ORDER BY t.r) TO ${target} (${copyOptions})`
          )
          f.rows = Number(copied.getRowsJS()[0]?.[0] ?? 0)
        }
      } finally {
        con.closeSync()
      }
    } finally {
      instance.closeSync()
    }
    writeFileSync(
      optOut,
      `# People who asked that their data not be provided (本人の提供停止): one patient_no per line.\n` +
        optOutLines.join('\n') +
        (optOutLines.length > 0 ? '\n' : '')
    )
    writeFileSync(spec, rawSpecYaml(options.patients, format, options.dateShiftDays ?? 180))
  } finally {
    removeWork()
  }
  return { dir, spec, optOut, optedOut: optOutLines.length, files, seconds: (performance.now() - started) / 1000 }
}

const described = (table: string, column: string) =>
  tableSpec(table).columns.find((c) => c.name === column)?.description ?? ''

/** The dataset spec for the raw files: it turns them back into the shape of the synthetic dataset. */
export function rawSpecYaml(patients: number, format: 'csv' | 'parquet', dateShiftDays: number): string {
  // Codes with leading zeros stay text: a CSV sniffer would read prefecture '01' as the number 1.
  const text = new Set(['prefecture_code'])
  const keep = (table: string, columns: string[]) =>
    Object.fromEntries(
      columns.map((c) => [
        c,
        text.has(c) ? { type: 'VARCHAR', description: described(table, c) } : { description: described(table, c) }
      ])
    )
  const table = (name: string, rest: Record<string, unknown>) => ({
    source: `${name}.${format}`,
    description: tableSpec(name).description,
    ...rest
  })
  const spec = {
    version: 1,
    description: `Synthetic Japanese claims and EHR, ${patients} patients, pseudonymized on ingest. No real person is described.`,
    person: { column: 'person_id', dateShiftDays },
    optOut: { file: RAW_OPT_OUT_FILE },
    tables: {
      patients: table('patients', {
        personKey: 'patient_no',
        drop: RAW_LAYOUT.patients!.identifiers,
        quasi: {
          birth_date: { rule: 'year-month', as: 'birth_ym', description: 'Year and month of birth (生年月).' },
          postcode: {
            rule: 'truncate',
            digits: 3,
            as: 'postcode3',
            description: 'First three digits of the postcode of residence (郵便番号上3桁).'
          }
        },
        keep: keep('patients', ['sex', 'prefecture_code', 'insurer_type'])
      }),
      claims: table('claims', {
        personKey: 'patient_no',
        drop: RAW_LAYOUT.claims!.identifiers,
        dates: { service_ym: { format: 'month', description: described('claims', 'service_ym') } },
        quasi: {
          points: {
            rule: 'top-code',
            max: 500_000,
            description: described('claims', 'points')
          }
        },
        keep: keep('claims', ['claim_id', 'claim_type', 'facility_id'])
      }),
      claim_diagnoses: table('claim_diagnoses', {
        personKey: 'patient_no',
        keep: keep('claim_diagnoses', ['claim_id', 'icd10', 'is_primary', 'suspected'])
      }),
      procedures: table('procedures', {
        personKey: 'patient_no',
        keep: keep('procedures', ['claim_id', 'code', 'procedure_name'])
      }),
      drugs: table('drugs', {
        personKey: 'patient_no',
        keep: keep('drugs', ['claim_id', 'drug_code', 'generic_name', 'atc', 'days_supply', 'quantity'])
      }),
      admissions: table('admissions', {
        personKey: 'patient_no',
        drop: RAW_LAYOUT.admissions!.identifiers,
        dates: {
          admit_date: { description: described('admissions', 'admit_date') },
          discharge_date: { description: described('admissions', 'discharge_date') }
        },
        keep: keep('admissions', ['admission_id', 'facility_id', 'primary_icd10', 'dpc_code'])
      }),
      lab_results: table('lab_results', {
        personKey: 'patient_no',
        drop: RAW_LAYOUT.lab_results!.identifiers,
        dates: { test_date: { description: described('lab_results', 'test_date') } },
        keep: keep('lab_results', ['test_code', 'value', 'unit'])
      }),
      facilities: table('facilities', {
        keep: keep('facilities', ['facility_id', 'facility_type', 'prefecture_code', 'dpc', 'beds'])
      }),
      icd10_codes: table('icd10_codes', {
        keep: keep('icd10_codes', ['icd10', 'description', 'description_ja'])
      })
    }
  }
  return (
    '# Dataset spec for `vre dataset ingest`: how each raw column is pseudonymized.\n' +
    stringify(spec, { lineWidth: 0 })
  )
}
