/**
 * The tables of a synthetic dataset: names, types and the descriptions written as DuckDB comments
 * (what the data catalog shows), plus how each column is computed from the numeric staging rows the
 * generator produces. One source for the DDL, the comments, the writer and the tests.
 */
import {
  CLAIM_TYPES,
  DPC_CODES,
  DRUGS,
  FACILITY_TYPES,
  ICD10,
  INSURERS,
  LAB_TESTS,
  MONTHS,
  PROCEDURES,
  SEXES
} from './reference.js'

export type StagingType = 'INTEGER' | 'DOUBLE'

export interface ColumnSpec {
  name: string
  type: string
  description: string
  /** SQL over the staging columns; omitted for tables written directly. */
  sql?: string
}

export interface TableSpec {
  name: string
  description: string
  columns: ColumnSpec[]
  /** Numeric staging columns, in the order the writer fills them; omitted for tables written directly. */
  staging?: { name: string; type: StagingType }[]
}

/** SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** A constant SQL list indexed by a 0-based staging column. */
function lookup(values: readonly string[], index: string): string {
  return `([${values.map(sqlString).join(', ')}])[${index} + 1]`
}

const personId = `'P' || lpad(to_hex(pid::BIGINT), 12, '0')`
const facilityId = `'F' || lpad(to_hex(fid::BIGINT), 8, '0')`
const claimId = `'C' || lpad(seq::VARCHAR, 10, '0')`
const epochDate = (column: string) => `DATE '1970-01-01' + ${column}`

const PERSON_ID = 'Pseudonymous person identifier (仮名ID): random, stable within this dataset only, not sequential.'
const CLAIM_ID = 'Claim identifier; joins to claims.claim_id.'

export const TABLES: readonly TableSpec[] = [
  {
    name: 'patients',
    description:
      'One row per person (患者). Pseudonymized (仮名加工医療情報): no names, addresses, insurance numbers or exact ' +
      'birth dates. Synthetic data generated for testing; no real person is described.',
    staging: [
      { name: 'pid', type: 'DOUBLE' },
      { name: 'sex', type: 'INTEGER' },
      { name: 'birth', type: 'INTEGER' },
      { name: 'pref', type: 'INTEGER' },
      { name: 'ins', type: 'INTEGER' }
    ],
    columns: [
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      { name: 'sex', type: 'VARCHAR', description: "Sex (性別): 'M' or 'F'.", sql: lookup(SEXES, 'sex') },
      {
        name: 'birth_ym',
        type: 'VARCHAR',
        description: "Year and month of birth (生年月), 'YYYY-MM'; the day is removed.",
        sql: `lpad((birth // 12)::VARCHAR, 4, '0') || '-' || lpad((birth % 12 + 1)::VARCHAR, 2, '0')`
      },
      {
        name: 'prefecture_code',
        type: 'VARCHAR',
        description: "Prefecture of residence (都道府県), JIS X 0401 code '01' (Hokkaido) to '47' (Okinawa).",
        sql: `lpad(pref::VARCHAR, 2, '0')`
      },
      {
        name: 'insurer_type',
        type: 'VARCHAR',
        description:
          "Health insurance at the end of the period (保険者種別): 'NHI' National Health Insurance (国民健康保険), " +
          "'EHI' employees' health insurance (被用者保険), 'LLE' late-stage elderly, 75 and over (後期高齢者医療).",
        sql: lookup(INSURERS, 'ins')
      }
    ]
  },
  {
    name: 'claims',
    description:
      'Monthly insurance claims (レセプト): one row per person, facility and month, as Japanese claims are billed. ' +
      'Medical outpatient, inpatient (fee-for-service), DPC per-diem inpatient and pharmacy (調剤) claims; ' +
      'dental claims are not included.',
    staging: [
      { name: 'seq', type: 'INTEGER' },
      { name: 'pid', type: 'DOUBLE' },
      { name: 'month', type: 'INTEGER' },
      { name: 'type', type: 'INTEGER' },
      { name: 'fid', type: 'DOUBLE' },
      { name: 'points', type: 'INTEGER' }
    ],
    columns: [
      { name: 'claim_id', type: 'VARCHAR', description: 'Claim identifier (レセプトID).', sql: claimId },
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      {
        name: 'service_ym',
        type: 'VARCHAR',
        description: "Month of service (診療年月), 'YYYY-MM'.",
        sql: lookup(MONTHS, 'month')
      },
      {
        name: 'claim_type',
        type: 'VARCHAR',
        description:
          "Kind of claim: 'outpatient' (医科入院外), 'inpatient' (医科入院, fee-for-service), " +
          "'dpc' (DPC包括評価の入院) or 'pharmacy' (調剤).",
        sql: lookup(CLAIM_TYPES, 'type')
      },
      {
        name: 'facility_id',
        type: 'VARCHAR',
        description: 'Pseudonymous identifier of the hospital, clinic or pharmacy; joins to facilities.facility_id.',
        sql: facilityId
      },
      {
        name: 'points',
        type: 'INTEGER',
        description: 'Total claimed points (診療報酬点数); one point is 10 yen.',
        sql: 'points'
      }
    ]
  },
  {
    name: 'claim_diagnoses',
    description:
      'Disease names recorded on medical claims (傷病名), one row per claim and ICD-10 code. Pharmacy claims carry no ' +
      'diagnoses. Suspected diagnoses (疑い病名) are flagged and are usually excluded when defining cases.',
    staging: [
      { name: 'seq', type: 'INTEGER' },
      { name: 'pid', type: 'DOUBLE' },
      { name: 'icd', type: 'INTEGER' },
      { name: 'prim', type: 'INTEGER' },
      { name: 'susp', type: 'INTEGER' }
    ],
    columns: [
      { name: 'claim_id', type: 'VARCHAR', description: CLAIM_ID, sql: claimId },
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      {
        name: 'icd10',
        type: 'VARCHAR',
        description:
          "ICD-10 code (WHO, with a dot, e.g. 'E11.9'); match a category with LIKE 'E11%'. Described in icd10_codes.",
        sql: lookup(
          ICD10.map((c) => c.code),
          'icd'
        )
      },
      {
        name: 'is_primary',
        type: 'BOOLEAN',
        description: 'True for the main disease of the claim (主傷病); at most one per claim.',
        sql: 'prim = 1'
      },
      {
        name: 'suspected',
        type: 'BOOLEAN',
        description: 'True for a suspected diagnosis (疑い病名), recorded e.g. to justify a test.',
        sql: 'susp = 1'
      }
    ]
  },
  {
    name: 'procedures',
    description:
      'Examinations, imaging, injections, dialysis and surgery on medical claims (診療行為), one row per claim and ' +
      'code. Basic consultation and management fees are included in claims.points but not listed.',
    staging: [
      { name: 'seq', type: 'INTEGER' },
      { name: 'pid', type: 'DOUBLE' },
      { name: 'proc', type: 'INTEGER' }
    ],
    columns: [
      { name: 'claim_id', type: 'VARCHAR', description: CLAIM_ID, sql: claimId },
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      {
        name: 'code',
        type: 'VARCHAR',
        description: "Section of the medical fee schedule (医科診療報酬点数表), e.g. 'D007', 'K282'.",
        sql: lookup(
          PROCEDURES.map((p) => p.code),
          'proc'
        )
      },
      {
        name: 'procedure_name',
        type: 'VARCHAR',
        description: 'Name of the procedure in English with the Japanese term in parentheses.',
        sql: lookup(
          PROCEDURES.map((p) => `${p.en} (${p.ja})`),
          'proc'
        )
      }
    ]
  },
  {
    name: 'drugs',
    description:
      'Drugs on claims (医薬品): dispensed by a pharmacy, dispensed in-house by a clinic, or administered ' +
      '(injections, infusions). One row per claim and drug.',
    staging: [
      { name: 'seq', type: 'INTEGER' },
      { name: 'pid', type: 'DOUBLE' },
      { name: 'drug', type: 'INTEGER' },
      { name: 'days', type: 'INTEGER' },
      { name: 'qty', type: 'DOUBLE' }
    ],
    columns: [
      { name: 'claim_id', type: 'VARCHAR', description: CLAIM_ID, sql: claimId },
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      {
        name: 'drug_code',
        type: 'VARCHAR',
        description:
          'YJ-like 12-character drug code: the first four digits are the Japanese therapeutic category (薬効分類); ' +
          'the rest is synthetic and does not match real YJ codes.',
        sql: lookup(
          DRUGS.map((d) => d.code),
          'drug'
        )
      },
      {
        name: 'generic_name',
        type: 'VARCHAR',
        description: 'Generic name of the active ingredient(s) (一般名), English.',
        sql: lookup(
          DRUGS.map((d) => d.genericName),
          'drug'
        )
      },
      {
        name: 'atc',
        type: 'VARCHAR',
        description: "WHO ATC code of the ingredient, e.g. 'A10BH01'.",
        sql: lookup(
          DRUGS.map((d) => d.atc),
          'drug'
        )
      },
      {
        name: 'days_supply',
        type: 'INTEGER',
        description: 'Days of treatment covered (投与日数); for injections, the interval the dose covers.',
        sql: 'days'
      },
      {
        name: 'quantity',
        type: 'DOUBLE',
        description: 'Units dispensed or administered (数量): tablets, capsules, devices, vials, grams or millilitres.',
        sql: 'qty'
      }
    ]
  },
  {
    name: 'admissions',
    description:
      'Hospital stays (入院) from admission to discharge. The stay is billed as monthly rows in claims with ' +
      "claim_type 'inpatient' or 'dpc' at the same facility.",
    staging: [
      { name: 'seq', type: 'INTEGER' },
      { name: 'pid', type: 'DOUBLE' },
      { name: 'admit', type: 'INTEGER' },
      { name: 'discharge', type: 'INTEGER' },
      { name: 'fid', type: 'DOUBLE' },
      { name: 'icd', type: 'INTEGER' },
      { name: 'dpc', type: 'INTEGER' }
    ],
    columns: [
      {
        name: 'admission_id',
        type: 'VARCHAR',
        description: 'Admission identifier.',
        sql: `'A' || lpad(seq::VARCHAR, 9, '0')`
      },
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      { name: 'admit_date', type: 'DATE', description: 'Date of admission (入院日).', sql: epochDate('admit') },
      {
        name: 'discharge_date',
        type: 'DATE',
        description: 'Date of discharge (退院日); NULL if still in hospital at the end of the period.',
        sql: `CASE WHEN discharge >= 0 THEN ${epochDate('discharge')} END`
      },
      {
        name: 'facility_id',
        type: 'VARCHAR',
        description: 'Pseudonymous hospital identifier; joins to facilities.facility_id.',
        sql: facilityId
      },
      {
        name: 'primary_icd10',
        type: 'VARCHAR',
        description: 'ICD-10 code of the main reason for the stay (主傷病名).',
        sql: lookup(
          ICD10.map((c) => c.code),
          'icd'
        )
      },
      {
        name: 'dpc_code',
        type: 'VARCHAR',
        description:
          'DPC-like 14-character code (診断群分類): the first six digits are the real disease classification ' +
          '(MDC), the rest is simplified. NULL at hospitals outside the DPC system.',
        sql: `CASE WHEN dpc >= 0 THEN ${lookup(DPC_CODES, 'dpc')} END`
      }
    ]
  },
  {
    name: 'lab_results',
    description:
      'Laboratory results and vital signs (検査値・バイタル) from electronic health records and specific health ' +
      'checkups (特定健診). Not linked to claims; join on person_id and dates.',
    staging: [
      { name: 'pid', type: 'DOUBLE' },
      { name: 'day', type: 'INTEGER' },
      { name: 'test', type: 'INTEGER' },
      { name: 'value', type: 'DOUBLE' }
    ],
    columns: [
      { name: 'person_id', type: 'VARCHAR', description: PERSON_ID, sql: personId },
      { name: 'test_date', type: 'DATE', description: 'Date of the measurement (検査日).', sql: epochDate('day') },
      {
        name: 'test_code',
        type: 'VARCHAR',
        description: `Test (検査項目): ${LAB_TESTS.map((t) => `'${t.code}' ${t.en}`).join(', ')}.`,
        sql: lookup(
          LAB_TESTS.map((t) => t.code),
          'test'
        )
      },
      { name: 'value', type: 'DOUBLE', description: 'Result in the unit given in unit.', sql: 'value' },
      {
        name: 'unit',
        type: 'VARCHAR',
        description: "Unit of value, e.g. '%' for HbA1c (NGSP), 'mL/min/1.73m2' for eGFR.",
        sql: lookup(
          LAB_TESTS.map((t) => t.unit),
          'test'
        )
      }
    ]
  },
  {
    name: 'facilities',
    description: 'Hospitals, clinics and pharmacies (医療機関・薬局), pseudonymized: no names or addresses.',
    staging: [
      { name: 'fid', type: 'DOUBLE' },
      { name: 'type', type: 'INTEGER' },
      { name: 'pref', type: 'INTEGER' },
      { name: 'dpc', type: 'INTEGER' },
      { name: 'beds', type: 'INTEGER' }
    ],
    columns: [
      { name: 'facility_id', type: 'VARCHAR', description: 'Pseudonymous facility identifier.', sql: facilityId },
      {
        name: 'facility_type',
        type: 'VARCHAR',
        description: "'clinic' (診療所), 'hospital' (病院, 20 beds or more) or 'pharmacy' (保険薬局).",
        sql: lookup(FACILITY_TYPES, 'type')
      },
      {
        name: 'prefecture_code',
        type: 'VARCHAR',
        description: "Prefecture (都道府県), JIS X 0401 code '01' to '47'.",
        sql: `lpad(pref::VARCHAR, 2, '0')`
      },
      {
        name: 'dpc',
        type: 'BOOLEAN',
        description: 'True for hospitals paid under the DPC per-diem system (DPC対象病院).',
        sql: 'dpc = 1'
      },
      {
        name: 'beds',
        type: 'INTEGER',
        description: 'Number of beds (病床数), rounded to 10; NULL for clinics and pharmacies.',
        sql: 'CASE WHEN type = 1 THEN beds END'
      }
    ]
  },
  {
    name: 'icd10_codes',
    description: 'Descriptions of the ICD-10 codes used in claim_diagnoses and admissions (傷病名コード表).',
    columns: [
      { name: 'icd10', type: 'VARCHAR', description: "ICD-10 code, as in claim_diagnoses.icd10, e.g. 'I10'." },
      { name: 'description', type: 'VARCHAR', description: 'WHO ICD-10 title, English.' },
      { name: 'description_ja', type: 'VARCHAR', description: 'Usual Japanese disease name (傷病名).' }
    ]
  },
  {
    name: 'dataset_info',
    description:
      'One row describing this dataset: name, generator, seed, size and study period. The data are synthetic: ' +
      'generated by a seeded program, so the same seed and size give the same rows.',
    columns: [
      { name: 'name', type: 'VARCHAR', description: 'Name of the dataset.' },
      { name: 'generator', type: 'VARCHAR', description: 'Program and version that generated the data.' },
      { name: 'seed', type: 'VARCHAR', description: 'Seed of the random generator.' },
      { name: 'patients', type: 'INTEGER', description: 'Number of persons in patients.' },
      { name: 'period_start', type: 'VARCHAR', description: "First month of the study period, 'YYYY-MM'." },
      { name: 'period_end', type: 'VARCHAR', description: "Last month of the study period, 'YYYY-MM'." },
      {
        name: 'generated_at',
        type: 'TIMESTAMP',
        description:
          'Nominal generation time (UTC), derived from the seed rather than the clock so output is repeatable.'
      },
      { name: 'synthetic', type: 'BOOLEAN', description: 'Always true: no real person is described.' }
    ]
  }
]

export { COLUMN_MARKS, columnMarks } from './column-marks.js'
export { ddl, tableSpec } from './ddl.js'
