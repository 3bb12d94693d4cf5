import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { readEncryptedBytes, writeEncryptedFile } from '../../server/src/keys/encrypted-file.js'
import { eraseProject } from '../../server/src/keys/erasure/erase.js'
import { KEYRING_FILE, Keyring } from '../../server/src/keys/keyring.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { snapshotContext, workspaceSnapshot } from '../../server/src/sessions/workspace.js'
import { SqliteStore } from '../../server/src/store/sqlite/sqlite-store.js'
import { closeKeys, dataDirKeys } from '../support/keys.js'

const run = promisify(execFile)
const tsx = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')
let dataDir: string
let work: string
let projectId: string
const USER = 'u-1'

async function vre(args: string[], withDataDir = true): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(
      tsx,
      ['server/src/cli/index.ts', ...args, ...(withDataDir ? ['--data-dir', dataDir] : [])],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, VRE_JWT_SECRET: '' }
      }
    )
    return { code: 0, out: stdout, err: stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}

/** Runs `fn` with the data directory's keys and store, closed after (the CLI runs in its own process). */
async function withDir<T>(fn: (store: SqliteStore, keys: ReturnType<typeof dataDirKeys>) => Promise<T>): Promise<T> {
  const keys = dataDirKeys(dataDir)
  const store = new SqliteStore({
    path: join(dataDir, STORE_FILE),
    auditSigner: keys.auditSigner,
    key: keys.keyring.platformKey('state')
  })
  try {
    return await fn(store, keys)
  } finally {
    store.close()
    closeKeys(keys)
  }
}

const snapshot = () => workspaceSnapshot(dataDir, projectId, USER)
const readSnapshot = () =>
  withDir((_s, keys) => readEncryptedBytes(snapshot(), (id) => keys.keyring.key(id), snapshotContext(projectId, USER)))

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vre-keys-cli-'))
  work = mkdtempSync(join(tmpdir(), 'vre-keys-cli-out-'))
  await withDir(async (store, keys) => {
    const sys = { actor: 'test', sourceIp: null, outcome: 'success' as const }
    const project = await store.createProject(
      {
        title: 'Cohort 7',
        purpose: 'p',
        approvalReference: 'IRB-7',
        startDate: '2026-01-01',
        endDate: '2026-02-01',
        memberIds: [],
        datasetIds: []
      },
      { ...sys, action: 'project.create', target: null }
    )
    projectId = project.id
    const pk = keys.keyring.projectKey(project.id)
    mkdirSync(dirname(snapshot()), { recursive: true })
    await writeEncryptedFile(
      snapshot(),
      Buffer.from('workspace of patient 4711'),
      pk.id,
      pk.key,
      snapshotContext(project.id, USER)
    )
  })
})
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})

// each command is a process of its own (tsx compiles the CLI each time): slow on a busy machine
describe('vre keys and erasure', { timeout: 180_000 }, () => {
  it('keys status lists each key, what it protects and when it was made, and the audit signing key', async () => {
    const r = await vre(['keys', 'status', '--json'])
    expect(r.code, r.err).toBe(0)
    const s = JSON.parse(r.out) as {
      keys: { purpose: string; scope: string; protects: string; createdAt: string; destroyedAt: null }[]
      auditSigning: { label: string }
      provider: { kind: string }
    }
    expect(s.provider.kind).toBe('pkcs11')
    expect(s.auditSigning.label).toMatch(/^vre-audit-signing-/)
    expect(s.keys.map((k) => k.purpose)).toEqual(expect.arrayContaining(['state', 'jwt', 'secrets', 'project']))
    const project = s.keys.find((k) => k.purpose === 'project')!
    expect(project).toMatchObject({
      scope: projectId,
      protects: expect.stringMatching(/workspaces/),
      destroyedAt: null
    })
    const text = await vre(['keys', 'status'])
    expect(text.out).toMatch(/audit signing key: vre-audit-signing-/)
    expect(text.out).toMatch(new RegExp(`project ${projectId}`))
  })

  it('keys rotate re-wraps the keys, leaves the files as they are, and an old keyring.json no longer unwraps', async () => {
    const before = readFileSync(snapshot())
    const old = mkdtempSync(join(work, 'old-'))
    copyFileSync(join(dataDir, KEYRING_FILE), join(old, KEYRING_FILE))
    const r = await vre(['keys', 'rotate'])
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/rotated \d+ keys/)
    expect(readFileSync(snapshot()).equals(before)).toBe(true)
    expect((await readSnapshot()).toString()).toBe('workspace of patient 4711')
    await withDir(async (store, keys) => {
      const stale = Keyring.open(keys.keyring.provider, old, { create: false })
      const pkId = keys.keyring.projectKey(projectId).id
      expect(() => stale.key(pkId)).toThrow()
      expect(keys.keyring.entry(pkId).rotatedAt).toBeDefined()
      const rotated = (await store.recentAudit(50)).find((x) => x.action === 'keys.rotated')!
      expect(rotated.details.keys).toContain(pkId)
    })
  })

  it('erasure-report signs what was destroyed; check-erasure verifies it against the log and the token, and fails on one changed byte', async () => {
    const copy = readFileSync(snapshot())
    await withDir((store, keys) =>
      eraseProject(
        { store, keyring: keys.keyring, dataDir, now: () => new Date(), actor: 'cli:test' },
        projectId,
        'the project ended'
      )
    )
    const reportFile = join(work, 'report.json')
    const r = await vre(['project', 'erasure-report', 'Cohort 7', '--out', reportFile])
    expect(r.code, r.err).toBe(0)
    const pem = await vre(['audit', 'public-key'])
    const keyFile = join(work, 'audit.pub')
    writeFileSync(keyFile, pem.out)

    const ok = await vre(['audit', 'check-erasure', reportFile, '--public-key', keyFile])
    expect(ok.code, ok.err).toBe(0)
    expect(ok.out).toMatch(/erasure report intact: project "Cohort 7" erased .* 1 keys destroyed, 1 files deleted/)
    const full = await vre(
      ['audit', 'check-erasure', reportFile, '--public-key', keyFile, '--data-dir', dataDir],
      false
    )
    expect(full.code, full.err).toBe(0)
    expect(full.out).toMatch(/the log and the key provider agree/)

    const text = readFileSync(reportFile, 'utf8')
    const at = text.indexOf('"bytes": ') + 9
    const changed = join(work, 'changed.json')
    writeFileSync(changed, text.slice(0, at) + (text[at] === '1' ? '2' : '1') + text.slice(at + 1))
    const bad = await vre(['audit', 'check-erasure', changed, '--public-key', keyFile])
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/erasure report BROKEN: the signature does not match/)

    // the copy of the snapshot taken before the erasure no longer decrypts
    const kept = join(work, 'kept.tar.enc')
    writeFileSync(kept, copy)
    await withDir(async (_s, keys) => {
      await expect(
        readEncryptedBytes(kept, (id) => keys.keyring.key(id), snapshotContext(projectId, USER))
      ).rejects.toThrow(/destroyed/)
    })
    const status = JSON.parse((await vre(['keys', 'status', '--json'])).out) as {
      keys: { purpose: string; destroyedAt: string | null }[]
    }
    expect(status.keys.find((k) => k.purpose === 'project')!.destroyedAt).not.toBeNull()
  })

  it('erasure-report refuses a project that was not erased, with a reason', async () => {
    const r = await vre(['project', 'erasure-report', 'No such project'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/no project No such project/)
  })
})
