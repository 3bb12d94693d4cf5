import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench, shiftDay } from '../../../../test/support/session-core.js'
import type { AuditEvent } from '../../audit/record.js'
import { createRetention } from '../../sessions/retention.js'
import { loadConfig } from '../../config/config.js'
import { openProvider } from '../keys.js'
import { KEYRING_FILE, Keyring } from '../keyring.js'
import type { KeyProvider } from '../provider/key-provider.js'
import { checkReportAgainst, checkReportSignature, ERASURE_REPORT_KIND, type ErasureReport } from './report.js'
import canonicalize from 'canonicalize'

/**
 * Attacks on erasure by key destruction, by an administrator who holds the token (so can sign with
 * the audit key) and wants a project's data to survive its erasure.
 */
let provider: KeyProvider
let bench: SessionBench | undefined
const dirs: string[] = []
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'vre-attack-'))
  dirs.push(d)
  return d
}
beforeAll(() => {
  provider = openProvider(loadConfig({ dataDir: '/nonexistent' }))
})
afterAll(() => provider.close())
afterEach(() => {
  bench?.close()
  bench = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const DAY = 24 * 60 * 60_000
const sys = (action: AuditEvent['action'], target: string): AuditEvent => ({
  actor: 'test',
  action,
  sourceIp: null,
  target,
  outcome: 'success'
})

describe('attack: a rotation cut short keeps an old KEK that outlives the erasure', () => {
  it('a keyring.json copied before the rotation does not open the data key after the erasure', () => {
    const dir = fresh()
    const ring = Keyring.open(provider, dir, { create: true })
    const pk = ring.projectKey('p1')
    const saved = Buffer.from(pk.key)
    // the administrator's copy, taken before the rotation
    const before = fresh()
    copyFileSync(join(dir, KEYRING_FILE), join(before, KEYRING_FILE))

    // the rotation writes the new keyring, then the process dies before destroying the old KEKs
    const crashing = Object.create(provider) as KeyProvider
    crashing.destroyKek = () => {
      throw new Error('killed')
    }
    const dying = Keyring.open(crashing, dir, { create: false })
    expect(() => dying.rotate()).toThrow(/killed/)

    // the project ends: its key is destroyed by the usual path
    const live = Keyring.open(provider, dir, { create: false })
    live.destroy(pk.id)

    const stolen = Keyring.open(provider, before, { create: false })
    let recovered: Buffer | undefined
    try {
      recovered = stolen.key(pk.id)
    } catch {
      recovered = undefined
    }
    expect(recovered?.equals(saved) ?? false).toBe(false)
  })
})

describe('attack: a signed erasure report for a project that was never erased', () => {
  it('check-erasure against the data directory refuses a report whose cited records are not that project’s erasure', async () => {
    bench = await sessionBench({ workspaceRetentionDays: 0 })
    const keyring = bench.core.deps.keyring
    // project A ends and is erased for real
    await bench.store.updateProject(
      bench.project.id,
      { startDate: shiftDay(bench.today(), -60), endDate: shiftDay(bench.today(), -1) },
      sys('project.update', bench.project.id)
    )
    keyring.projectKey(bench.project.id)
    bench.clock.now = new Date(bench.clock.now.getTime() + DAY)
    await createRetention(bench.core)()
    const records = await bench.audit()
    const erased = records.find((r) => r.action === 'project.erased')!
    const destroyed = records.filter((r) => r.action === 'key.destroyed')

    // project B is live, its key and data kept
    const kept = await bench.store.createProject(
      {
        title: 'Kept',
        purpose: 'p',
        approvalReference: 'R',
        startDate: shiftDay(bench.today(), -10),
        endDate: shiftDay(bench.today(), 90),
        memberIds: [],
        datasetIds: []
      },
      sys('project.create', 'x')
    )
    keyring.projectKey(kept.id)

    const forge = (statement: ErasureReport['statement']): ErasureReport => ({
      statement,
      signature: keyring.sign(Buffer.from(canonicalize(statement)!, 'utf8')).toString('base64')
    })
    const base: Omit<ErasureReport['statement'], 'record' | 'keys'> = {
      kind: ERASURE_REPORT_KIND,
      project: { id: kept.id, title: kept.title },
      reason: 'the project ended',
      erasedAt: erased.ts,
      files: [],
      generatedAt: new Date().toISOString()
    }
    // 1: A's erasure record and A's destroyed keys, restated for B
    const replayed = forge({
      ...base,
      record: { seq: erased.seq, hash: erased.hash },
      keys: destroyed.map((r) => ({
        id: r.details.keyId as string,
        purpose: r.details.purpose as string,
        scope: r.details.scope as string,
        kek: r.details.kek as string,
        destroyedAt: r.details.destroyedAt as string,
        audit: { seq: r.seq, hash: r.hash }
      }))
    })
    // 2: any record at all, no keys
    const empty = forge({ ...base, record: { seq: records[0]!.seq, hash: records[0]!.hash }, keys: [] })

    for (const report of [replayed, empty]) {
      const checked = checkReportSignature(JSON.stringify(report), keyring.auditPublicKey)
      expect(checked.problem).toBeNull()
      const problems = await checkReportAgainst(checked.report!, bench.store.auditRecords(), keyring)
      expect(problems.length).toBeGreaterThan(0)
    }
  })
})
