import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench, shiftDay } from '../../../../test/support/session-core.js'
import { quarantineContext, quarantineFile } from '../../airlock/quarantine.js'
import type { AuditEvent } from '../../audit/record.js'
import { createRetention } from '../../sessions/retention.js'
import { snapshotContext, workspaceSnapshot } from '../../sessions/workspace.js'
import { readEncryptedBytes, writeEncryptedFile } from '../encrypted-file.js'
import { KeyDestroyedError, Keyring } from '../keyring.js'
import { checkReportAgainst, checkReportSignature, erasureReport } from './report.js'

let bench: SessionBench
const copies: string[] = []
afterEach(() => {
  bench?.close()
  bench = undefined as never
  for (const c of copies.splice(0)) rmSync(c, { recursive: true, force: true })
})

const DAY = 24 * 60 * 60_000
const SHA = 'ab'.repeat(32)
const sys = (action: AuditEvent['action'], target: string): AuditEvent => ({
  actor: 'test',
  action,
  sourceIp: null,
  target,
  outcome: 'success'
})

/** The project ended yesterday, with an encrypted snapshot, a quarantined file and an encrypted dataset version of its own. */
async function projectWithData() {
  const { store, dataDir, project, researcher } = bench
  const keyring = bench.core.deps.keyring
  await store.updateProject(
    project.id,
    { startDate: shiftDay(bench.today(), -60), endDate: shiftDay(bench.today(), -1) },
    sys('project.update', project.id)
  )
  const pk = keyring.projectKey(project.id)
  const snapshot = workspaceSnapshot(dataDir, project.id, researcher.id)
  mkdirSync(dirname(snapshot), { recursive: true })
  await writeEncryptedFile(
    snapshot,
    Buffer.from('the researcher kept patient 4711 here'),
    pk.id,
    pk.key,
    snapshotContext(project.id, researcher.id)
  )
  const quarantined = quarantineFile(join(dataDir, 'quarantine'), project.id, SHA)
  mkdirSync(dirname(quarantined), { recursive: true })
  await writeEncryptedFile(quarantined, Buffer.from('table 1'), pk.id, pk.key, quarantineContext(project.id))
  const dataset = (await store.getProject(project.id))!.datasets[0]!
  // the bench registered version 1 of the dataset; this is version 2, and both are the project's
  const v1 = keyring.entries().find((e) => e.purpose === 'dataset' && e.scope === `${dataset.id}@1`)!
  const dk = keyring.create('dataset', `${dataset.id}@2`)
  const datasetFile = join(dataDir, 'datasets', 'claims.duckdb.enc')
  await writeEncryptedFile(datasetFile, Buffer.from('DUCK rows'), dk.id, dk.key, `dataset:${dataset.id}`)
  await store.setDatasetFile(dataset.id, 'datasets/claims.duckdb.enc', sys('dataset.file', dataset.id))
  return { pk, dk, v1, snapshot, quarantined, datasetFile, dataset }
}

/** A copy of the data directory as a thief (or a backup) would take it, keyring.json included. */
function copyOf(dataDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'vre-copy-'))
  copies.push(copy)
  cpSync(dataDir, copy, { recursive: true })
  rmSync(join(copy, 'vre.sqlite-wal'), { force: true })
  return copy
}

describe('erasure at project end', () => {
  it('destroys the keys before deleting the files, records both, and a copy taken before no longer decrypts', async () => {
    bench = await sessionBench({ workspaceRetentionDays: 0 })
    const keyring = bench.core.deps.keyring
    const d = await projectWithData()
    const copy = copyOf(bench.dataDir)
    bench.clock.now = new Date(bench.clock.now.getTime() + DAY)

    expect(await createRetention(bench.core)()).toEqual([bench.project.id])

    for (const f of [d.snapshot, d.quarantined, d.datasetFile]) expect(existsSync(f)).toBe(false)
    expect(() => keyring.key(d.pk.id)).toThrow(KeyDestroyedError)
    expect(() => keyring.key(d.dk.id)).toThrow(KeyDestroyedError)
    for (const id of [d.pk.id, d.dk.id, d.v1.id]) expect(keyring.provider.hasKek(keyring.entry(id).kek)).toBe(false)

    const audit = await bench.audit()
    const destroyed = audit.filter((r) => r.action === 'key.destroyed')
    expect(destroyed.map((r) => r.details.keyId).sort()).toEqual([d.pk.id, d.dk.id, d.v1.id].sort())
    expect(destroyed[0]!.details).toMatchObject({
      kek: expect.stringMatching(/^vre-kek-/),
      scope: expect.any(String),
      destroyedAt: expect.any(String)
    })
    const erased = audit.find((r) => r.action === 'project.erased')!
    expect(erased.seq).toBeGreaterThan(Math.max(...destroyed.map((r) => r.seq)))
    expect((erased.details.files as { path: string }[]).map((f) => f.path).sort()).toEqual(
      [
        'datasets/claims.duckdb.enc',
        `quarantine/${bench.project.id}/${SHA}`,
        `workspaces/${bench.project.id}/${bench.researcher.id}.tar.enc`
      ].sort()
    )

    // the copy still holds the ciphertext and the wrapped keys, but the KEKs are gone from the provider
    const stolen = Keyring.open(keyring.provider, copy, { create: false })
    expect(() => stolen.key(d.pk.id)).toThrow()
    expect(() => stolen.key(d.dk.id)).toThrow()
    const snapshotCopy = join(copy, 'workspaces', bench.project.id, `${bench.researcher.id}.tar.enc`)
    await expect(
      readEncryptedBytes(snapshotCopy, (id) => stolen.key(id), snapshotContext(bench.project.id, bench.researcher.id))
    ).rejects.toThrow()
    expect(readFileSync(snapshotCopy).includes('patient 4711')).toBe(false)

    // a second run finds nothing left to erase
    expect(await createRetention(bench.core)()).toEqual([])
  })

  it('signs a report that verifies against the log and the keyring, and a changed byte fails it', async () => {
    bench = await sessionBench({ workspaceRetentionDays: 0 })
    const keyring = bench.core.deps.keyring
    const d = await projectWithData()
    bench.clock.now = new Date(bench.clock.now.getTime() + DAY)
    await createRetention(bench.core)()
    const erased = (await bench.audit()).find((r) => r.action === 'project.erased')!
    const report = erasureReport(bench.project, erased, keyring, { sign: (m) => keyring.sign(m) }, new Date())
    expect(report.statement.keys.map((k) => k.id).sort()).toEqual([d.pk.id, d.dk.id, d.v1.id].sort())
    expect(report.statement.files).toHaveLength(3)

    const text = JSON.stringify(report, null, 1)
    const checked = checkReportSignature(text, keyring.auditPublicKey)
    expect(checked.problem).toBeNull()
    expect(await checkReportAgainst(checked.report!, bench.store.auditRecords(), keyring)).toEqual([])

    const at = text.indexOf(d.pk.id) + 9
    const changed = text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1)
    expect(checkReportSignature(changed, keyring.auditPublicKey).problem).toMatch(/signature does not match/)

    // a report citing a record with another hash is caught against the log
    const forged = { ...report, statement: { ...report.statement, record: { seq: erased.seq, hash: '0'.repeat(64) } } }
    expect(await checkReportAgainst(forged, bench.store.auditRecords(), keyring)).toEqual([
      `audit record ${erased.seq} has the hash ${erased.hash}, not ${'0'.repeat(64)}`
    ])
  })

  it('destroys nothing when the audit cannot be written', async () => {
    bench = await sessionBench({ workspaceRetentionDays: 0 })
    const keyring = bench.core.deps.keyring
    const d = await projectWithData()
    bench.clock.now = new Date(bench.clock.now.getTime() + DAY)
    const append = bench.store.appendAudit.bind(bench.store)
    Object.defineProperty(bench.store, 'appendAudit', {
      value: async (e: AuditEvent) => {
        if (e.action === 'project.erased') throw new Error('the disk is full')
        return append(e)
      }
    })
    await expect(createRetention(bench.core)()).rejects.toThrow(/disk is full/)
    expect(keyring.key(d.pk.id)).toEqual(d.pk.key)
    expect(keyring.key(d.dk.id)).toEqual(d.dk.key)
    for (const f of [d.snapshot, d.quarantined, d.datasetFile]) expect(existsSync(f)).toBe(true)
  })

  it('leaves a dataset granted to another project, and that project, alone', async () => {
    bench = await sessionBench({ workspaceRetentionDays: 0 })
    const keyring = bench.core.deps.keyring
    const d = await projectWithData()
    await bench.store.setProjectDataset(
      bench.project.id,
      d.dataset.id,
      false,
      sys('project.dataset_revoke', bench.project.id)
    )
    const other = await bench.store.createProject(
      {
        title: 'Other',
        purpose: 'p',
        approvalReference: 'R',
        startDate: shiftDay(bench.today(), -1),
        endDate: shiftDay(bench.today(), 90),
        memberIds: [],
        datasetIds: [d.dataset.id]
      },
      sys('project.create', 'x')
    )
    const ok = keyring.projectKey(other.id)
    bench.clock.now = new Date(bench.clock.now.getTime() + DAY)
    await createRetention(bench.core)()
    expect(() => keyring.key(d.pk.id)).toThrow(KeyDestroyedError)
    expect(keyring.key(d.dk.id)).toEqual(d.dk.key)
    expect(keyring.key(ok.id)).toEqual(ok.key)
    expect(existsSync(d.datasetFile)).toBe(true)
  })
})
