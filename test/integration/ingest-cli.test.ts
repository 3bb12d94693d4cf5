import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { readCatalog } from '../../server/src/datasets/catalog.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { openStateDb } from '../support/keys.js'

const run = promisify(execFile)
const tsx = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')
let dataDir: string
let rawDir: string

async function vre(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(tsx, ['server/src/cli/index.ts', ...args, '--data-dir', dataDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, VRE_JWT_SECRET: '' }
    })
    return { code: 0, out: stdout, err: stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}

function store<T>(fn: (db: Database.Database) => T): T {
  const db = openStateDb(dataDir, { readonly: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}
const audits = (action: string) =>
  store(
    (db) =>
      db.prepare('SELECT outcome, target, details FROM audit_log WHERE action = ? ORDER BY seq').all(action) as {
        outcome: string
        target: string
        details: string
      }[]
  )

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vre-ingest-cli-'))
  rawDir = join(dataDir, '..', `${dataDir.split('/').pop()}-raw`)
  const project = await vre(
    'project',
    'add',
    '--title',
    'Diabetes cohort',
    '--purpose',
    'p',
    '--approval-ref',
    'IRB-7',
    '--start',
    '2026-01-01',
    '--end',
    '2027-12-31'
  )
  expect(project.code).toBe(0)
})
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(rawDir, { recursive: true, force: true })
})

describe('vre dataset generate --raw and vre dataset ingest', () => {
  it('writes the raw files, a spec and an opt-out list, and registers nothing', async () => {
    const r = await vre('dataset', 'generate', '--raw', '--out', rawDir, '--patients', '500', '--seed', '3')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/wrote the raw form of 500 patients/)
    expect(readdirSync(rawDir).sort()).toEqual([
      'admissions.csv',
      'claim_diagnoses.csv',
      'claims.csv',
      'drugs.csv',
      'facilities.csv',
      'icd10_codes.csv',
      'lab_results.csv',
      'opt-out.txt',
      'patients.csv',
      'procedures.csv',
      'spec.yaml'
    ])
    expect(store((db) => db.prepare('SELECT count(*) AS n FROM datasets').get())).toEqual({ n: 0 })
    const again = await vre('dataset', 'generate', '--raw', '--out', rawDir, '--patients', '500')
    expect(again.code).toBe(2)
    expect(again.err).toMatch(/already exists/)
  })

  it('refuses a bad spec with its reason and changes nothing but the audit of the refusal', async () => {
    const spec = join(rawDir, 'bad.yaml')
    writeFileSync(spec, readFileSync(join(rawDir, 'spec.yaml'), 'utf8').replace('      - phone\n', ''))
    const r = await vre('dataset', 'ingest', '--spec', spec, '--project', 'Diabetes cohort', '--name', 'claims-raw')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/tables\.patients: the source has 1 column\(s\) the spec does not mention/)
    expect(r.err).toMatch(/the spec does not mention: phone/)
    expect(existsSync(join(dataDir, 'datasets', 'claims-raw.duckdb'))).toBe(false)
    expect(readdirSync(join(dataDir, 'datasets')).filter((f) => f.includes('claims-raw'))).toEqual([])
    expect(store((db) => db.prepare('SELECT count(*) AS n FROM datasets').get())).toEqual({ n: 0 })
    const refused = audits('dataset.ingest')
    expect(refused).toHaveLength(1)
    expect(refused[0]!.outcome).toBe('failure')
    // the audit says what was wrong, never what the source holds (column names may be data)
    expect(JSON.parse(refused[0]!.details).reason).toMatch(/1 column\(s\) the spec does not mention/)
    expect(JSON.parse(refused[0]!.details).reason).not.toMatch(/phone/)

    const unknown = await vre('dataset', 'ingest', '--spec', spec, '--project', 'No such', '--name', 'claims-raw')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/there is no project No such/)
  })

  it('ingests for a project: the file under datasets/, registered and audited, the key kept 0600', async () => {
    const r = await vre(
      'dataset',
      'ingest',
      '--spec',
      join(rawDir, 'spec.yaml'),
      '--project',
      'Diabetes cohort',
      '--name',
      'claims-raw'
    )
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/ingested claims-raw for Diabetes cohort: \d+ people, \d+ of \d+ rows/)
    expect(r.out).toMatch(/opt-out list: \d+ keys, \d+ of them people in the data, removed/)
    const file = join(dataDir, 'datasets', 'claims-raw.duckdb')
    const catalog = await readCatalog(file)
    expect(catalog.tables.find((t) => t.name === 'patients')!.columns.map((c) => c.name)).toEqual([
      'person_id',
      'sex',
      'birth_ym',
      'postcode3',
      'prefecture_code',
      'insurer_type'
    ])
    expect(store((db) => db.prepare('SELECT name, file FROM datasets').all())).toEqual([
      { name: 'claims-raw', file: 'datasets/claims-raw.duckdb' }
    ])
    const [attached] = audits('dataset.file')
    const details = JSON.parse(attached!.details)
    const projectId = store((db) => (db.prepare('SELECT id FROM projects').get() as { id: string }).id)
    expect(details).toMatchObject({ file: 'datasets/claims-raw.duckdb', source: 'ingest', project: projectId })
    expect(details.specSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(audits('dataset.create')).toHaveLength(1)
    // granted to the project whose key made its pseudonyms, and only to it
    expect(
      store((db) =>
        db
          .prepare(
            'SELECT project_id FROM project_datasets pd JOIN datasets d ON d.id = pd.dataset_id WHERE d.name = ?'
          )
          .all('claims-raw')
      )
    ).toEqual([{ project_id: projectId }])
    expect(audits('project.dataset_grant')).toHaveLength(1)
    // the pseudonymization secret is a wrapped key in the keyring, not a file of its own
    expect(existsSync(join(dataDir, 'pseudonym.key'))).toBe(false)

    const twice = await vre(
      'dataset',
      'ingest',
      '--spec',
      join(rawDir, 'spec.yaml'),
      '--project',
      projectId,
      '--name',
      'claims-raw'
    )
    expect(twice.code).toBe(2)
    expect(twice.err).toMatch(/already has a file/)
  })
})
