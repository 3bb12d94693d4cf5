import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterEach, describe, expect, it } from 'vitest'
import { build } from '../../server/src/app.js'
import { DataOperationLog } from '../../server/src/audit/data-operations.js'
import { verifyChain } from '../../server/src/audit/verify.js'
import { totpCode } from '../../server/src/auth/totp.js'
import { loadConfig } from '../../server/src/config/config.js'
import {
  CREDENTIALS_FILE,
  DEMO_PROJECT,
  type DemoCredentials,
  readDemoCredentials,
  seedDemo
} from '../../server/src/demo/seed.js'
import { datasetContext } from '../../server/src/datasets/at-rest.js'
import { readEncryptedBytes } from '../../server/src/keys/encrypted-file.js'
import { recordingContext } from '../../server/src/terminal/recording.js'
import { type Keys, LEGACY_KEY_FILES } from '../../server/src/keys/keys.js'
import { encryptDataDir } from '../../server/src/keys/migration/encrypt-data-dir.js'
import { JOURNAL_FILE } from '../../server/src/keys/migration/journal.js'
import { LEGACY_CREDENTIALS_FILE } from '../../server/src/keys/migration/project-kinds.js'
import { isPlainSqlite } from '../../server/src/keys/migration/state-db.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { snapshotContext, workspaceSnapshot } from '../../server/src/sessions/workspace.js'
import { SqliteStore } from '../../server/src/store/sqlite/sqlite-store.js'
import { FakeDriver } from '../support/fake-driver.js'
import { closeKeys, dataDirKeys } from '../support/keys.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A tar header's magic at its offset: enough for a snapshot the migration does not parse. */
const tarBytes = (text: string) => {
  const b = Buffer.alloc(1024)
  b.write(text, 0)
  b.write('ustar', 257)
  return b
}

const DUCKDB_BYTES = Buffer.concat([Buffer.alloc(8), Buffer.from('DUCK'), Buffer.from(' patient 4711 rows')])
const CAST_TEXT = '{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "select * from patients"]\n'

const OPERATIONS =
  '{"action":"cell.run","source":"SELECT patient_id FROM claims"}\n{"action":"cell.run","source":"SELECT 2"}\n'

/**
 * A data directory as the gateway kept it before encryption at rest: the key files in plaintext
 * (base64 secrets, the audit signing key as a PEM), the state database as plain SQLite holding the
 * demo accounts (TOTP seeds sealed with secrets.key) and a signed audit chain, and two plain tar
 * snapshots of the demo project.
 */
async function legacyDataDir() {
  const dataDir = mkdtempSync(join(tmpdir(), 'vre-legacy-'))
  dirs.push(dataDir)
  const pair = generateKeyPairSync('ed25519')
  const secretsKey = randomBytes(32)
  const jwtSecret = randomBytes(48)
  writeFileSync(join(dataDir, LEGACY_KEY_FILES.jwt), jwtSecret.toString('base64'), { mode: 0o600 })
  writeFileSync(join(dataDir, LEGACY_KEY_FILES.secrets), secretsKey.toString('base64'), { mode: 0o600 })
  writeFileSync(join(dataDir, LEGACY_KEY_FILES.pseudonym), randomBytes(32).toString('base64'), { mode: 0o600 })
  writeFileSync(
    join(dataDir, LEGACY_KEY_FILES.auditPrivate),
    pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 }
  )
  writeFileSync(join(dataDir, LEGACY_KEY_FILES.auditPublic), pair.publicKey.export({ type: 'spki', format: 'pem' }))

  // today's store writes SQLCipher only: the plain database is that one with its key taken off
  const storeKey = randomBytes(32)
  const path = join(dataDir, STORE_FILE)
  const auditSigner = { sign: (m: Buffer) => sign(null, m, pair.privateKey) }
  const store = new SqliteStore({ path, auditSigner, key: storeKey })
  // the seed seals its credentials now; the directory of before kept them as plain JSON
  const throwaway = { id: 'k', key: randomBytes(32) }
  const keyring = { ensure: () => throwaway, key: () => throwaway.key }
  const { credentials } = await seedDemo(store, { secretsKey, auditSigner, keyring } as unknown as Keys, dataDir, {
    now: new Date(),
    timeZone: 'Europe/Berlin'
  })
  rmSync(join(dataDir, CREDENTIALS_FILE), { force: true })
  writeFileSync(join(dataDir, LEGACY_CREDENTIALS_FILE), JSON.stringify(credentials), { mode: 0o600 })
  const project = (await store.getProjectByTitle(DEMO_PROJECT))!
  const users = (await store.listProjectMemberIds(project.id)).slice(0, 1)
  // a dataset as a plain DuckDB file, and a session's plain terminal recording
  const sys = { actor: 'test', sourceIp: null, outcome: 'success' as const }
  const dataset = await store.createDataset('old-claims', 'before encryption', {
    ...sys,
    action: 'dataset.create',
    target: null
  })
  mkdirSync(join(dataDir, 'datasets'))
  writeFileSync(join(dataDir, 'datasets', 'old-claims.duckdb'), DUCKDB_BYTES)
  await store.setDatasetFile(dataset.id, 'datasets/old-claims.duckdb', {
    ...sys,
    action: 'dataset.file',
    target: dataset.id
  })
  const sessionId = randomUUID()
  await store.createSandboxSession(
    {
      id: sessionId,
      userId: users[0]!,
      projectId: project.id,
      state: 'stopped',
      reason: null,
      sandboxId: null,
      runtime: 'runsc',
      image: 'x',
      limits: {},
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null
    },
    { ...sys, action: 'session.start', target: sessionId }
  )
  mkdirSync(join(dataDir, 'recordings'))
  writeFileSync(join(dataDir, 'recordings', `${sessionId}.cast`), CAST_TEXT)
  mkdirSync(join(dataDir, 'data-operations'))
  writeFileSync(join(dataDir, 'data-operations', `${sessionId}.jsonl`), OPERATIONS)
  store.close()
  const db = new Database(path)
  db.pragma(`cipher = 'sqlcipher'`)
  db.pragma('legacy = 4')
  db.pragma(`key = "x'${storeKey.toString('hex')}'"`)
  db.pragma('journal_mode = DELETE')
  db.pragma(`rekey = ''`)
  db.close()
  expect(isPlainSqlite(path)).toBe(true)

  const snapshots = [users[0]!, 'second-user'].map((user) => {
    const file = join(dataDir, 'workspaces', project.id, `${user}.tar`)
    mkdirSync(join(dataDir, 'workspaces', project.id), { recursive: true })
    writeFileSync(file, tarBytes(`notes of ${user}`))
    return { user, file }
  })
  return { dataDir, pair, jwtSecret, credentials: credentials as DemoCredentials, project, snapshots, dataset, sessionId }
}

/** Every byte under the data directory, for the scan after the run. */
function everyFile(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? everyFile(join(dir, e.name)) : [join(dir, e.name)]
  )
}

describe('vre data encrypt', () => {
  it('encrypts a plaintext directory in place, resumes when interrupted, and the gateway then runs on it', async () => {
    const legacy = await legacyDataDir()
    const { dataDir } = legacy
    const cfg = loadConfig({ dataDir })

    // interrupted after the first snapshot: keys imported, state encrypted, one file left
    let files = 0
    await expect(
      encryptDataDir(cfg, {
        actor: 'cli:test',
        onStep: (s) => {
          if (s === 'file' && ++files === 1) throw new Error('power cut')
        }
      })
    ).rejects.toThrow('power cut')
    expect(existsSync(join(dataDir, JOURNAL_FILE))).toBe(true)
    expect(isPlainSqlite(join(dataDir, STORE_FILE))).toBe(false)
    // the key files stay until the whole run is done and recorded
    expect(existsSync(join(dataDir, LEGACY_KEY_FILES.secrets))).toBe(true)
    expect(legacy.snapshots.filter((s) => existsSync(s.file))).toHaveLength(1)

    const result = await encryptDataDir(cfg, { actor: 'cli:test' })
    expect(result).toMatchObject({
      changed: true,
      stateDatabase: true,
      files: {
        'workspace snapshots': 2,
        datasets: 1,
        'terminal recordings': 1,
        'data-operation logs': 1,
        'demo credentials': 1
      }
    })
    expect(existsSync(join(dataDir, JOURNAL_FILE))).toBe(false)
    for (const f of Object.values(LEGACY_KEY_FILES)) expect(existsSync(join(dataDir, f))).toBe(false)

    // nothing left in the clear: no SQLite header, no tar, no PEM, no snapshot text
    for (const f of everyFile(dataDir)) {
      const b = readFileSync(f)
      expect(b.includes('SQLite format 3'), f).toBe(false)
      expect(b.subarray(257, 262).toString('latin1'), f).not.toBe('ustar')
      expect(b.includes('-----BEGIN'), f).toBe(false)
      expect(b.includes('notes of'), f).toBe(false)
      expect(b.includes('patient'), f).toBe(false)
      expect(b.includes('totpSecret'), f).toBe(false)
    }

    // again: nothing to do, and it says so
    expect((await encryptDataDir(cfg, { actor: 'cli:test' })).changed).toBe(false)

    const keys = dataDirKeys(dataDir)
    try {
      // the snapshots read back under the project's key
      for (const s of legacy.snapshots) {
        const target = workspaceSnapshot(dataDir, legacy.project.id, s.user)
        const plain = await readEncryptedBytes(
          target,
          (id) => keys.keyring.key(id),
          snapshotContext(legacy.project.id, s.user)
        )
        expect(plain).toEqual(tarBytes(`notes of ${s.user}`))
      }
      const store0 = new SqliteStore({
        path: join(dataDir, STORE_FILE),
        auditSigner: null,
        key: keys.keyring.platformKey('state')
      })
      const row = (await store0.getDatasetByName('old-claims'))!
      store0.close()
      expect(row.file).toMatch(/^datasets\/old-claims\.v1\.duckdb\.enc$/)
      expect(
        await readEncryptedBytes(join(dataDir, row.file!), (id) => keys.keyring.key(id), datasetContext(row.id))
      ).toEqual(DUCKDB_BYTES)
      expect(readDemoCredentials(dataDir, keys.keyring)).toEqual(legacy.credentials)
      const cast = join(dataDir, 'recordings', `${legacy.sessionId}.cast`)
      expect(
        (await readEncryptedBytes(cast, (id) => keys.keyring.key(id), recordingContext(legacy.sessionId, 1))).toString()
      ).toBe(CAST_TEXT)
      const log = new DataOperationLog(dataDir, { keyring: keys.keyring, projectOf: async () => legacy.project.id })
      expect((await log.read(legacy.sessionId)).toString()).toBe(OPERATIONS)
      // the access-token secret that sat in a plain file is not carried over: tokens signed with it are worthless
      expect(keys.keyring.platformKey('jwt').equals(legacy.jwtSecret)).toBe(false)
      // the chain verifies with the public key auditors held before, and records the run
      expect(keys.auditPublicKey.export({ format: 'pem', type: 'spki' })).toBe(
        legacy.pair.publicKey.export({ format: 'pem', type: 'spki' })
      )
      const store = new SqliteStore({
        path: join(dataDir, STORE_FILE),
        auditSigner: null,
        key: keys.keyring.platformKey('state')
      })
      try {
        const check = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), legacy.pair.publicKey)
        expect(check.ok).toBe(true)
        const runs = (await store.recentAudit(1000)).filter((r) => r.action === 'data.encrypted')
        expect(runs).toHaveLength(1)
        expect(runs[0]!.details).toMatchObject({
          keysImported: expect.arrayContaining([
            'audit-signing.key',
            'jwt.key (replaced by a new secret)',
            'secrets.key',
            'pseudonym.key'
          ]),
          files: {
            'workspace snapshots': 2,
            datasets: 1,
            'terminal recordings': 1,
            'data-operation logs': 1,
            'demo credentials': 1
          }
        })
      } finally {
        store.close()
      }
    } finally {
      closeKeys(keys)
    }

    // the gateway starts on it and the people it knew sign in: their seeds unseal with the imported key
    const driver = new FakeDriver()
    const app = await build({
      config: loadConfig({ dataDir, webRoot: null, logLevel: 'silent' }),
      logger: false,
      sessions: { driver, reapIntervalMs: 3_600_000 }
    })
    try {
      await app.ready()
      const [username, who] = Object.entries(legacy.credentials)[0]!
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password: who.password, totp: totpCode(who.totpSecret, new Date()) }
      })
      expect(res.statusCode, res.body).toBe(200)
    } finally {
      await app.close()
      driver.dispose()
    }
  })

  it('refuses a key file that is not the audit key the keyring holds, changing nothing', async () => {
    const legacy = await legacyDataDir()
    const cfg = loadConfig({ dataDir: legacy.dataDir })
    await expect(
      encryptDataDir(cfg, {
        actor: 'cli:test',
        onStep: (s) => {
          if (s === 'keys') throw new Error('stop')
        }
      })
    ).rejects.toThrow('stop')
    writeFileSync(
      join(legacy.dataDir, LEGACY_KEY_FILES.auditPrivate),
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })
    )
    await expect(encryptDataDir(cfg, { actor: 'cli:test' })).rejects.toThrow(
      /not the audit signing key the keyring holds/
    )
    expect(isPlainSqlite(join(legacy.dataDir, STORE_FILE))).toBe(true)
    expect(legacy.snapshots.every((s) => existsSync(s.file))).toBe(true)
  })
})
