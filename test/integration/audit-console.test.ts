import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyExport } from '../../server/src/audit/export.js'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { Recording, recordingContext, recordingFile } from '../../server/src/terminal/recording.js'
import { startRunningSession, type TestGateway, testGateway } from '../support/gateway.js'
import { auditPublicKeyFile, openStateDb } from '../support/keys.js'

interface Page {
  records: {
    seq: number
    ts: string
    actor: string
    actorName: string | null
    action: string
    outcome: string
    target: string | null
    details: Record<string, unknown>
  }[]
  next: string | null
}

describe('audit console', () => {
  let gw: TestGateway
  let admin = ''
  let sessionId = ''
  let researcherId = ''
  const get = (url: string, token = admin) =>
    gw.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
  const search = async (query: Record<string, string>) => {
    const res = await get(`/api/v1/admin/audit?${new URLSearchParams(query)}`)
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Page
  }

  beforeAll(async () => {
    gw = await testGateway()
    ;({ sessionId } = await startRunningSession(gw))
    researcherId = (await gw.app.store.getUserByUsername('researcher1'))!.id
    // a refused sign-in, to search by outcome
    await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'researcher1', password: 'wrong password', totp: '000000' }
    })
    admin = (await gw.login('admin')).accessToken
  })
  afterAll(async () => gw?.close())

  it('is for administrators only', async () => {
    const researcher = (await gw.login('researcher1')).accessToken
    const reviewer = (await gw.login('reviewer1')).accessToken
    for (const token of [researcher, reviewer]) {
      expect((await get('/api/v1/admin/audit', token)).statusCode).toBe(403)
      expect((await get('/api/v1/admin/audit/verify', token)).statusCode).toBe(403)
    }
  })

  it('searches by user (by username), action family, outcome, session and project', async () => {
    const byUser = await search({ actor: 'researcher1' })
    expect(byUser.records.length).toBeGreaterThan(0)
    expect(byUser.records.every((r) => r.actor === researcherId && r.actorName === 'researcher1')).toBe(true)

    const auth = await search({ action: 'auth' })
    expect(auth.records.length).toBeGreaterThan(0)
    expect(auth.records.every((r) => r.action.startsWith('auth.'))).toBe(true)

    const refused = await search({ action: 'auth', outcome: 'failure' })
    expect(refused.records.length).toBeGreaterThan(0)
    expect(refused.records.every((r) => r.outcome === 'failure')).toBe(true)

    const bySession = await search({ session: sessionId })
    expect(bySession.records.map((r) => r.action)).toContain('session.start')
    expect(bySession.records.every((r) => r.target === sessionId || r.details.session === sessionId)).toBe(true)

    const projectId = (await gw.app.store.getSandboxSession(sessionId))!.projectId
    const byProject = await search({ project: projectId })
    expect(byProject.records.length).toBeGreaterThan(0)
    expect(byProject.records.every((r) => r.target === projectId || r.details.project === projectId)).toBe(true)
  })

  it('searches a time range, newest first, a page at a time', async () => {
    const all = await search({ limit: '500' })
    const seqs = all.records.map((r) => r.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a))
    const first = await search({ limit: '3' })
    expect(first.records).toHaveLength(3)
    const second = await search({ limit: '3', before: first.next! })
    expect(second.records[0]!.seq).toBeLessThan(first.records[2]!.seq)
    const middle = all.records[Math.floor(all.records.length / 2)]!
    const ranged = await search({ from: middle.ts, to: new Date(Date.parse(middle.ts) + 1).toISOString() })
    expect(ranged.records.length).toBeGreaterThan(0)
    expect(ranged.records.every((r) => r.ts === middle.ts)).toBe(true)
    const bad = await get('/api/v1/admin/audit?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')
    expect(bad.statusCode).toBe(400)
    // times in other offsets are compared as times, not as text
    expect((await get('/api/v1/admin/audit?from=2026-12-01T10:00:00%2B09:00&to=2026-12-01T05:00:00Z')).statusCode).toBe(
      200
    )
    // a leap second passes the format but is no time: refused, not a fault
    const leap = await get('/api/v1/admin/audit?to=2026-12-31T23:59:60Z')
    expect(leap.statusCode).toBe(400)
    expect(leap.json().error.message).toMatch(/"to" is not a time/)
    expect((await get('/api/v1/admin/audit/export?from=2026-12-01T00:00:00Z&to=2026-12-31T23:59:60Z')).statusCode).toBe(
      400
    )
    // and every search is itself on record, with its filter
    const searches = await search({ action: 'audit.search', limit: '1' })
    expect(searches.records[0]!.details).toMatchObject({ filter: { action: 'audit.search', limit: '1' } })
    expect((await get('/api/v1/admin/audit?action=DROP%20TABLE')).statusCode).toBe(400)
  })

  it('exports a range as JSON lines sealed with the audit key, and records the export', async () => {
    const from = new Date(gw.clock.now().getTime() - 86_400_000).toISOString()
    const to = new Date(gw.clock.now().getTime() + 86_400_000).toISOString()
    const res = await get(`/api/v1/admin/audit/export?${new URLSearchParams({ from, to })}`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/)
    const check = verifyExport(res.body, gw.app.keys.auditPublicKey)
    expect(check).toMatchObject({ ok: true })
    const lines = res.body.trim().split('\n')
    expect(lines.length - 1).toBe((check as { seal: { records: number } }).seal.records)
    expect(lines.slice(0, -1).some((l) => (JSON.parse(l) as { action: string }).action === 'audit.export')).toBe(true)
    // a record taken out of the export no longer matches the seal
    const cut = [...lines.slice(0, 1), ...lines.slice(2)].join('\n')
    expect(verifyExport(cut, gw.app.keys.auditPublicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/not the ones sealed/) })
    // an auditor checks the file with the public key alone
    const file = join(gw.dataDir, 'export.jsonl')
    const checkExport = async (text: string) => {
      writeFileSync(file, text)
      return promisify(execFile)(
        resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
        [
          'server/src/cli/index.ts',
          'audit',
          'check-export',
          file,
          '--public-key',
          auditPublicKeyFile(gw.dataDir)
        ],
        { cwd: PROJECT_ROOT }
      ).then(
        ({ stdout }) => ({ code: 0, out: stdout }),
        (e: { code: number; stderr: string }) => ({ code: e.code, out: e.stderr })
      )
    }
    expect(await checkExport(res.body)).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^export intact: \d+ records/)
    })
    expect(await checkExport(cut)).toMatchObject({ code: 1, out: expect.stringMatching(/^export BROKEN: /) })
    expect((await get(`/api/v1/admin/audit/export?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`)).statusCode).toBe(
      400
    )
  })

  it('plays back a session terminal recording, decrypted, and records who watched it', async () => {
    const file = recordingFile(gw.dataDir, sessionId)
    const { projectId } = (await gw.app.store.getSandboxSession(sessionId))!
    const { id, key } = gw.app.keys.keyring.projectKey(projectId)
    const seal = { keyId: id, key, context: recordingContext(sessionId, 1) }
    const rec = new Recording(file, { cols: 80, rows: 24 }, () => Date.now(), seal)
    rec.output(Buffer.from('researcher@vre:~$ '))
    rec.input('echo marker-recording-5e2a\r')
    rec.output(Buffer.from('marker-recording-5e2a\r\n'))
    await rec.close()
    expect(readFileSync(file).includes('marker-recording-5e2a')).toBe(false)
    const parts = (await get(`/api/v1/admin/audit/recordings/${sessionId}`)).json() as { part: number; bytes: number }[]
    expect(parts).toHaveLength(1)
    const cast = await get(`/api/v1/admin/audit/recordings/${sessionId}/1`)
    expect(cast.statusCode).toBe(200)
    expect(cast.headers['x-recording-complete']).toBe('true')
    expect(cast.body.split('\n')[0]).toContain('"version":2')
    expect(cast.body).toContain('"echo marker-recording-5e2a\\r"')
    expect(parts[0]!.bytes).toBe(Buffer.byteLength(cast.body))
    expect((await search({ action: 'recording.view', session: sessionId })).records).toHaveLength(1)
    expect((await get(`/api/v1/admin/audit/recordings/${sessionId}/2`)).statusCode).toBe(404)

    // a part the gateway could not close plays what authenticates, and says it was cut short
    const whole = readFileSync(file)
    writeFileSync(file, whole.subarray(0, whole.length - 20))
    const cut = await get(`/api/v1/admin/audit/recordings/${sessionId}/1`)
    expect(cut.statusCode).toBe(200)
    expect(cut.headers['x-recording-complete']).toBe('false')
    expect(cut.body.startsWith(cast.body)).toBe(true)
    expect(cut.body.trim().split('\n').at(-1)).toMatch(/recording cut short/)
    // one changed on disk is not played at all
    const flipped = Buffer.from(whole)
    flipped[flipped.length - 40]! ^= 0x01
    writeFileSync(file, flipped)
    const refused = await get(`/api/v1/admin/audit/recordings/${sessionId}/1`)
    expect(refused.statusCode).toBe(409)
    expect(refused.body).not.toContain('marker-recording')
    writeFileSync(file, whole)
  })

  it('reports the chain intact, and names the first broken record once one is edited', async () => {
    const ok = (await get('/api/v1/admin/audit/verify')).json() as { ok: boolean; records: number }
    expect(ok.ok).toBe(true)
    expect((await gw.app.store.recentAudit(1))[0]).toMatchObject({ action: 'audit.verify', details: { intact: true } })
    expect(ok.records).toBeGreaterThan(5)
    const db = openStateDb(gw.dataDir)
    db.exec('DROP TRIGGER audit_log_no_update')
    db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3").run()
    db.close()
    const broken = (await get('/api/v1/admin/audit/verify')).json() as {
      ok: boolean
      firstBrokenSeq: number
      reason: string
    }
    expect(broken).toMatchObject({ ok: false, firstBrokenSeq: 3 })
    expect(broken.reason).toMatch(/record 3 was altered/)
  })
})
