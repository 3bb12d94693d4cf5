import { execFile } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { datasetContext } from '../../server/src/datasets/at-rest.js'
import { readDatasetCatalog } from '../../server/src/datasets/catalog-cache.js'
import { readEncryptedBytes } from '../../server/src/keys/encrypted-file.js'
import { KeyDestroyedError, KEYRING_FILE, Keyring } from '../../server/src/keys/keyring.js'
import type { Keys } from '../../server/src/keys/keys.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { closeKeys, dataDirKeys, openStateDb } from '../support/keys.js'

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

/** The data directory's keys from the token, closed once `fn` is done (awaited). */
async function withKeys<T>(fn: (keys: Keys) => T | Promise<T>): Promise<T> {
  const keys = dataDirKeys(dataDir)
  try {
    return await fn(keys)
  } finally {
    closeKeys(keys)
  }
}

function allFiles(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : []
  )
}

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

  it('ingests for a project: the file encrypted under datasets/, registered and audited', async () => {
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
    const file = join(dataDir, 'datasets', 'claims-raw.v1.duckdb.enc')
    // no DuckDB file in the clear anywhere under the data directory, nor an ingest temporary
    expect(readdirSync(join(dataDir, 'datasets'))).toEqual(['claims-raw.v1.duckdb.enc'])
    for (const f of allFiles(dataDir)) expect(readFileSync(f).subarray(8, 12).toString('latin1'), f).not.toBe('DUCK')
    const datasetId = store((db) => (db.prepare('SELECT id FROM datasets').get() as { id: string }).id)
    const catalog = await withKeys((keys) => readDatasetCatalog(file, keys.keyring, datasetId))
    expect(catalog.tables.find((t) => t.name === 'patients')!.columns.map((c) => c.name)).toEqual([
      'person_id',
      'sex',
      'birth_ym',
      'postcode3',
      'prefecture_code',
      'insurer_type'
    ])
    expect(store((db) => db.prepare('SELECT name, file FROM datasets').all())).toEqual([
      { name: 'claims-raw', file: 'datasets/claims-raw.v1.duckdb.enc' }
    ])
    const [attached] = audits('dataset.file')
    const details = JSON.parse(attached!.details)
    const projectId = store((db) => (db.prepare('SELECT id FROM projects').get() as { id: string }).id)
    expect(details).toMatchObject({
      file: 'datasets/claims-raw.v1.duckdb.enc',
      version: 1,
      source: 'ingest',
      project: projectId
    })
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

  it('again with an opt-out list: a new version without those people, the earlier version erased', async () => {
    const datasetId = store((db) => (db.prepare('SELECT id FROM datasets').get() as { id: string }).id)
    const oldFile = join(dataDir, 'datasets', 'claims-raw.v1.duckdb.enc')
    const oldKey = await withKeys((keys) => keys.keyring.entries().find((e) => e.purpose === 'dataset')!.id)
    // what was copied before the opt-out: the old version's file and the keyring that wraps its key
    const copies = mkdtempSync(join(tmpdir(), 'vre-ingest-copy-'))
    try {
      copyFileSync(oldFile, join(copies, 'old.enc'))
      copyFileSync(join(dataDir, KEYRING_FILE), join(copies, KEYRING_FILE))
      const before = await withKeys((keys) => readDatasetCatalog(oldFile, keys.keyring, datasetId))
      const persons = (c: typeof before) => c.tables.find((t) => t.name === 'patients')!.rowCount
      // two more people ask that their data not be provided
      const raw = readFileSync(join(rawDir, 'patients.csv'), 'utf8').split('\n')
      const column = raw[0]!.split(',').indexOf('patient_no')
      const listed = readFileSync(join(rawDir, 'opt-out.txt'), 'utf8')
      const extra = raw
        .slice(1, 40)
        .map((l) => l.split(',')[column]!)
        .filter((k) => k && !listed.includes(k))
        .slice(0, 2)
      expect(extra).toHaveLength(2)
      const optOut = join(rawDir, 'opt-out-2.txt')
      writeFileSync(optOut, `${listed}\n${extra.join('\n')}\n`)

      const r = await vre(
        'dataset',
        'ingest',
        '--spec',
        join(rawDir, 'spec.yaml'),
        '--project',
        'Diabetes cohort',
        '--name',
        'claims-raw',
        '--opt-out',
        optOut
      )
      expect(r.code, r.err).toBe(0)
      expect(r.out).toMatch(new RegExp(`version 2 replaces the earlier one: its key \\(${oldKey}\\) is destroyed`))
      expect(readdirSync(join(dataDir, 'datasets'))).toEqual(['claims-raw.v2.duckdb.enc'])
      const newFile = join(dataDir, 'datasets', 'claims-raw.v2.duckdb.enc')
      const after = await withKeys((keys) => readDatasetCatalog(newFile, keys.keyring, datasetId))
      expect(persons(after)).toBe(persons(before) - 2)
      expect(store((db) => db.prepare('SELECT file FROM datasets').all())).toEqual([
        { file: 'datasets/claims-raw.v2.duckdb.enc' }
      ])
      const [destroyed] = audits('key.destroyed')
      expect(destroyed!.outcome).toBe('success')
      expect(JSON.parse(destroyed!.details)).toMatchObject({
        keyId: oldKey,
        purpose: 'dataset',
        scope: `${datasetId}@1`,
        reason: expect.stringMatching(/opt-out/)
      })
      // the copy taken before opens no more: the key is destroyed, and the old keyring can't unwrap it
      await withKeys((keys) => expect(() => keys.keyring.key(oldKey)).toThrow(KeyDestroyedError))
      await withKeys(async (keys) => {
        await expect(
          readEncryptedBytes(join(copies, 'old.enc'), (id) => keys.keyring.key(id), datasetContext(datasetId))
        ).rejects.toThrow(KeyDestroyedError)
        const old = Keyring.open(keys.keyring.provider, copies, { create: false })
        expect(old.entry(oldKey).destroyedAt).toBeUndefined()
        expect(() => old.key(oldKey)).toThrow()
      })
    } finally {
      rmSync(copies, { recursive: true, force: true })
    }
  })
})
