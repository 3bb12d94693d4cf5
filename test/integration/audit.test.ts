import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyChain } from '../../server/src/audit/verify.js'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { SqliteStore } from '../../server/src/store/sqlite/sqlite-store.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { closeKeys, dataDirKeys, openStateDb } from '../support/keys.js'

const run = promisify(execFile)

let gw: TestGateway
beforeEach(async () => {
  gw = await testGateway()
})
afterEach(async () => {
  await gw.close()
})

/** Opens the store file as an intruder would: a second connection with the append-only triggers dropped. */
function tamper(fn: (db: Database.Database) => void): void {
  const db = openStateDb(gw.dataDir)
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;')
  fn(db)
  db.close()
}

async function verify() {
  const keys = dataDirKeys(gw.dataDir)
  const store = new SqliteStore({ path: join(gw.dataDir, STORE_FILE), auditSigner: null, key: keys.keyring.platformKey('state') })
  try {
    return await verifyChain(store.auditRecords(), await store.auditCheckpoints(), keys.auditPublicKey)
  } finally {
    store.close()
    closeKeys(keys)
  }
}

async function vreAuditVerify(extra: string[] = []): Promise<{ code: number; out: string }> {
  const tsx = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')
  try {
    const { stdout, stderr } = await run(
      tsx,
      ['server/src/cli/index.ts', 'audit', 'verify', '--data-dir', gw.dataDir, ...extra],
      {
        cwd: PROJECT_ROOT
      }
    )
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

async function someActivity() {
  const { accessToken } = await gw.login('researcher1')
  await gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'researcher1', password: 'wrong password 1', totp: '123456' }
  })
  await gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { authorization: `Bearer ${accessToken}` }
  })
}

describe('audit log', () => {
  it('records every authentication event with who, what, when, where from, on what and outcome', async () => {
    const { accessToken, refreshCookie } = await gw.login('researcher1', '192.0.2.10')
    await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { vre_refresh: refreshCookie },
      remoteAddress: '192.0.2.10'
    })
    await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '192.0.2.11',
      payload: { username: 'researcher2', password: 'wrong password 1', totp: '123456' }
    })
    await gw.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Bearer not-a-token' },
      remoteAddress: '192.0.2.12'
    })
    await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${accessToken}` },
      remoteAddress: '192.0.2.10'
    })

    const records = (await gw.app.store.recentAudit(5)).reverse()
    const user = (await gw.app.store.getUserByUsername('researcher1'))!
    const other = (await gw.app.store.getUserByUsername('researcher2'))!
    expect(records.map((r) => [r.action, r.outcome, r.actor, r.sourceIp])).toEqual([
      ['auth.login', 'success', user.id, '192.0.2.10'],
      ['auth.refresh', 'success', user.id, '192.0.2.10'],
      ['auth.login', 'failure', other.id, '192.0.2.11'],
      ['auth.token', 'denied', 'anonymous', '192.0.2.12'],
      ['auth.logout', 'success', user.id, '192.0.2.10']
    ])
    for (const r of records) {
      expect(r.ts).toMatch(/^\d{4}-\d{2}-\d{2}T/)
      expect(r.target).not.toBeNull()
    }
    expect(records[2]!.details.reason).toBe('wrong password')
    expect(records[3]!.target).toBe('GET /api/v1/me')
  })

  it('records refused tokens one by one up to a limit per address and minute, then counts them', async () => {
    const before = (await gw.app.store.recentAudit(1))[0]!.seq
    for (let i = 0; i < 30; i++) {
      const res = await gw.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: 'Bearer junk' },
        remoteAddress: '203.0.113.50'
      })
      expect(res.statusCode).toBe(401)
    }
    const during = (await gw.app.store.recentAudit(50)).filter((r) => r.seq > before)
    expect(during).toHaveLength(20)
    gw.clock.advance(61_000)
    await gw.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Bearer junk' },
      remoteAddress: '203.0.113.50'
    })
    const [last, summary] = await gw.app.store.recentAudit(2)
    expect(summary!.details).toEqual({ reason: 'refused tokens not recorded one by one', count: 10 })
    expect(last!.details).toEqual({ reason: 'its signature or claims are wrong' })
  })

  it('verifies an untouched log, through the `vre audit verify` command too', async () => {
    await someActivity()
    const result = await verify()
    expect(result.ok).toBe(true)
    const cli = await vreAuditVerify()
    expect(cli.code).toBe(0)
    expect(cli.out).toMatch(/audit log intact: \d+ records/)
  })

  it('refuses updates and deletes through SQL while the triggers stand', () => {
    const db = openStateDb(gw.dataDir)
    expect(() => db.prepare("UPDATE audit_log SET outcome = 'success' WHERE seq = 1").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/)
    db.close()
  })

  it('names the edited record after an edit', async () => {
    await someActivity()
    tamper((db) => db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5").run())
    const result = await verify()
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 5 })
    const cli = await vreAuditVerify()
    expect(cli.code).toBe(1)
    expect(cli.out).toMatch(/BROKEN at record 5: record 5 was altered/)
  })

  it('names the gap after a deletion', async () => {
    await someActivity()
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq = 4').run())
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: 5 })
    expect((await vreAuditVerify()).code).toBe(1)
  })

  it('names the first displaced record after a reorder', async () => {
    await someActivity()
    tamper((db) => {
      const cols = 'ts, actor, action, source_ip, target, outcome, details, prev_hash, hash'
      const a = db.prepare(`SELECT ${cols} FROM audit_log WHERE seq = 3`).get() as Record<string, unknown>
      const b = db.prepare(`SELECT ${cols} FROM audit_log WHERE seq = 4`).get() as Record<string, unknown>
      const set = db.prepare(
        `UPDATE audit_log SET ts=@ts, actor=@actor, action=@action, source_ip=@source_ip, target=@target,
         outcome=@outcome, details=@details, prev_hash=@prev_hash, hash=@hash WHERE seq = @seq`
      )
      set.run({ ...b, seq: 3 })
      set.run({ ...a, seq: 4 })
    })
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: 3 })
    expect((await vreAuditVerify()).code).toBe(1)
  })

  it('catches truncation of the newest records through the signed checkpoint', async () => {
    await someActivity()
    const last = (await gw.app.store.recentAudit(1))[0]!.seq
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq >= ?').run(last - 1))
    const result = await verify()
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: last - 1 })
    expect(result.ok || result.reason).toMatch(/truncated/)
    const cli = await vreAuditVerify()
    expect(cli.code).toBe(1)
    expect(cli.out).toMatch(/truncated/)
  })

  it('catches a log cut back to an earlier kept checkpoint, given a head kept outside', async () => {
    for (let i = 0; i < 300; i++) {
      await gw.app.store.appendAudit({
        actor: 'test',
        action: 'audit.search',
        sourceIp: null,
        target: null,
        outcome: 'success'
      })
    }
    const kept = join(gw.dataDir, 'kept-head.json')
    const tsx = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')
    const { stdout } = await run(tsx, ['server/src/cli/index.ts', 'audit', 'head', '--data-dir', gw.dataDir], {
      cwd: PROJECT_ROOT
    })
    writeFileSync(kept, stdout)
    // an intruder removes everything after checkpoint 256 and puts that checkpoint back as the head
    tamper((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > 256').run()
      const c = db.prepare('SELECT * FROM audit_checkpoints WHERE seq = 256').get() as Record<string, unknown>
      db.prepare('UPDATE audit_head SET seq = ?, hash = ?, signed_at = ?, signature = ? WHERE id = 1').run(
        c.seq,
        c.hash,
        c.signed_at,
        c.signature
      )
    })
    expect((await verify()).ok).toBe(true) // the store alone cannot tell
    const cli = await vreAuditVerify(['--head', kept])
    expect(cli.code).toBe(1)
    expect(cli.out).toMatch(/cut back: it ends at record 256, but a head kept outside names record \d+/)
  })

  it('catches a forged checkpoint and records appended outside the gateway', async () => {
    await someActivity()
    tamper((db) => db.prepare("UPDATE audit_head SET signature = 'AAAA' WHERE id = 1").run())
    expect(await verify()).toMatchObject({ ok: false })
  })

  it('fails closed: when the audit cannot be written, sign-in does not happen', async () => {
    const db = openStateDb(gw.dataDir)
    db.exec(
      "CREATE TRIGGER audit_disk_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;"
    )
    const before = (db.prepare('SELECT count(*) AS n FROM auth_sessions').get() as { n: number }).n
    gw.clock.advance(30_000)
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'researcher1', password: gw.credentials.researcher1!.password, totp: gw.code('researcher1') }
    })
    expect(res.statusCode).toBe(503)
    expect(res.json().error.code).toBe('VRE_ERR_AUDIT_UNAVAILABLE')
    expect(res.cookies.find((c) => c.name === 'vre_refresh')).toBeUndefined()
    expect(res.body).not.toMatch(/accessToken/)
    expect((db.prepare('SELECT count(*) AS n FROM auth_sessions').get() as { n: number }).n).toBe(before)
    // the code was not consumed either: once the audit works again the same code signs in
    db.exec('DROP TRIGGER audit_disk_full')
    db.close()
    const retry = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'researcher1', password: gw.credentials.researcher1!.password, totp: gw.code('researcher1') }
    })
    expect(retry.statusCode).toBe(200)
  })

  it('fails closed on sign-out too: a sign-out that cannot be audited leaves the token working and says so', async () => {
    const { accessToken } = await gw.login('researcher1')
    const db = openStateDb(gw.dataDir)
    db.exec(
      "CREATE TRIGGER audit_disk_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;"
    )
    const out = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${accessToken}` }
    })
    expect(out.statusCode).toBe(503)
    db.exec('DROP TRIGGER audit_disk_full')
    db.close()
    expect((await gw.app.store.recentAudit(1))[0]!.action).not.toBe('auth.logout')
    const still = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${accessToken}` }
    })
    expect(still.statusCode).toBe(200)
  })
})
