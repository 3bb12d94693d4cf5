import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashPassword } from '../../server/src/auth/passwords.js'
import { newTotpSecret, totpCode, totpSealContext } from '../../server/src/auth/totp.js'
import { seal } from '../../server/src/keys/sealed.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { MIGRATIONS } from '../../server/src/store/sqlite/migrations.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { closeKeys, dataDirKeys, openStateDb } from '../support/keys.js'

/**
 * Accounts from before enrolment links got their password and authenticator secret from an
 * administrator, who knows them. After the upgrade such a reviewer or administrator signs in but
 * neither reviews nor administers until they set their own, signed in, proving the old ones and
 * confirming a new authenticator; that ends their other sign-ins. Real SQLite: the data directory
 * is made at the schema before enrolment links, and upgraded by the gateway.
 */

const OLD_PASSWORD = 'handed out by an administrator'
const NEW_PASSWORD = 'a passphrase only I know'

let gw: TestGateway
/** the legacy accounts' authenticator secrets, which their administrator knows, and their ids */
const secrets: Record<string, string> = {}
const ids: Record<string, string> = {}

/** A data directory at schema version 7 with a reviewer and an administrator whose secrets were handed out. */
async function legacyDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vre-legacy-'))
  const keys = dataDirKeys(dataDir)
  const secretsKey = Buffer.from(keys.secretsKey)
  closeKeys(keys)
  const db = openStateDb(dataDir)
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)')
  const t = new Date().toISOString()
  for (const m of MIGRATIONS.filter((x) => x.version <= 7)) {
    db.exec(m.sql)
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, t)
  }
  for (const [username, roles] of [
    ['oldreviewer', ['reviewer']],
    ['oldadmin', ['admin']]
  ] as const) {
    secrets[username] = newTotpSecret()
    ids[username] = randomUUID()
    db.prepare('INSERT INTO users VALUES (?, ?, ?, NULL, ?, ?, ?, 0, ?, NULL, ?)').run(
      ids[username],
      username,
      username,
      JSON.stringify(roles),
      await hashPassword(OLD_PASSWORD),
      seal(secrets[username]!, secretsKey, totpSealContext(username)),
      'active',
      t
    )
  }
  db.close()
  return dataDir
}

beforeEach(async () => {
  gw = await testGateway({}, {}, { dataDir: await legacyDataDir() })
})
afterEach(async () => {
  await gw.close()
})

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, token?: string, payload?: unknown, ip?: string) {
  const res = await gw.app.inject({
    method,
    url,
    ...(ip ? { remoteAddress: ip } : {}),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {})
  })
  const cookie = res.cookies.find((c) => c.name === 'vre_refresh')?.value
  return { status: res.statusCode, body: res.json() as Record<string, any>, raw: res.body, cookie }
}

/** Signs in with the handed-out credentials; the clock moves a step first so codes never repeat. */
async function signInOld(username: string, ip = '127.0.0.1') {
  gw.clock.advance(30_000)
  return call(
    'POST',
    '/api/v1/auth/login',
    undefined,
    {
      username,
      password: OLD_PASSWORD,
      totp: totpCode(secrets[username]!, gw.clock.now())
    },
    ip
  )
}

const code = (secret: string) => totpCode(secret, gw.clock.now())
/** A sealed ticket with one character of its authentication tag changed. */
const tampered = (ticket: string) => {
  const parts = ticket.split('.')
  parts[2] = `${parts[2]!.startsWith('A') ? 'B' : 'A'}${parts[2]!.slice(1)}`
  return parts.join('.')
}
const headSeq = async () => (await gw.app.store.recentAudit(1))[0]!.seq
const auditSince = async (seq: number) => (await gw.app.store.recentAudit(100)).filter((r) => r.seq > seq).reverse()

describe('a reviewer or administrator whose credentials were handed out before enrolment links', () => {
  it('counts as not enrolled after the upgrade, while the demo accounts made since are', async () => {
    for (const username of ['oldreviewer', 'oldadmin']) {
      expect((await gw.app.store.getUserByUsername(username))!.enrolledAt).toBeNull()
    }
    expect((await gw.app.store.getUserByUsername('reviewer1'))!.enrolledAt).not.toBeNull()
    const demo = await gw.login('reviewer1')
    expect(demo.body.user).toMatchObject({ mustChangeCredentials: false })
  })

  it('signs in, but may not review or administer, each refusal audited, until they set their own', async () => {
    const reviewer = await signInOld('oldreviewer')
    expect(reviewer.status).toBe(200)
    expect(reviewer.body.user).toMatchObject({ username: 'oldreviewer', mustChangeCredentials: true })
    const admin = await signInOld('oldadmin')
    expect(admin.status).toBe(200)
    const before = await headSeq()
    for (const [token, url] of [
      [reviewer.body.accessToken, '/api/v1/reviews'],
      [admin.body.accessToken, '/api/v1/admin/users'],
      [admin.body.accessToken, '/api/v1/admin/approvals']
    ] as const) {
      const refused = await call('GET', url, token)
      expect(refused.status, url).toBe(403)
      expect(refused.body.error.code).toBe('VRE_ERR_CHANGE_CREDENTIALS')
      expect(refused.body.error.message).toMatch(/^Your password and authenticator were set up by an administrator/)
    }
    const trail = await auditSince(before)
    expect(trail.map((r) => `${r.action}:${r.outcome}`)).toEqual(Array(3).fill('access.denied:denied'))
    expect(trail[0]).toMatchObject({
      actor: ids.oldreviewer,
      target: 'GET /api/v1/reviews',
      details: { reason: 'credentials handed out by an administrator: not changed yet' }
    })
    // what is theirs stays open
    expect((await call('GET', '/api/v1/me', reviewer.body.accessToken)).body.user.mustChangeCredentials).toBe(true)
  })

  it('sets their own, proving the old ones and the new authenticator: the others’ sign-ins end, the role works', async () => {
    const mine = await signInOld('oldreviewer')
    // whoever knows the handed-out credentials is signed in elsewhere too
    const other = await signInOld('oldreviewer', '198.51.100.9')
    const token = mine.body.accessToken as string
    const fresh = await call('POST', '/api/v1/me/credentials/secret', token)
    expect(fresh.status).toBe(200)
    expect(fresh.body.totpSecret).toMatch(/^[A-Z2-7]{32}$/)
    expect(fresh.body.totpUri).toMatch(/^otpauth:\/\/totp\/VRE:oldreviewer\?/)

    gw.clock.advance(30_000)
    const before = await headSeq()
    const changed = await call('POST', '/api/v1/me/credentials', token, {
      password: OLD_PASSWORD,
      totp: code(secrets.oldreviewer!),
      newPassword: NEW_PASSWORD,
      newTotp: code(fresh.body.totpSecret),
      ticket: fresh.body.ticket
    })
    expect(changed.status).toBe(200)
    expect(changed.body.user).toMatchObject({ username: 'oldreviewer', mustChangeCredentials: false })
    const record = (await auditSince(before)).find((r) => r.action === 'user.credentials_change')!
    expect(record).toMatchObject({ outcome: 'success', actor: ids.oldreviewer, details: { signInsEnded: 1 } })
    expect((await gw.app.store.getUserByUsername('oldreviewer'))!.enrolledAt).toBe(gw.clock.now().toISOString())

    // the other sign-in ended; this one goes on, and may now review
    expect((await call('GET', '/api/v1/me', other.body.accessToken)).status).toBe(401)
    expect((await call('GET', '/api/v1/reviews', token)).status).toBe(200)
    // the handed-out credentials no longer sign in; the new ones do
    expect((await signInOld('oldreviewer')).status).toBe(401)
    gw.clock.advance(30_000)
    const again = await call('POST', '/api/v1/auth/login', undefined, {
      username: 'oldreviewer',
      password: NEW_PASSWORD,
      totp: code(fresh.body.totpSecret)
    })
    expect(again.status).toBe(200)
  })

  it('refuses a wrong current password as a failed sign-in, and a weak, unchanged or unconfirmed new one; nothing changes', async () => {
    const signedIn = await signInOld('oldadmin')
    const token = signedIn.body.accessToken as string
    const fresh = (await call('POST', '/api/v1/me/credentials/secret', token)).body
    gw.clock.advance(30_000)
    const body = {
      password: OLD_PASSWORD,
      totp: code(secrets.oldadmin!),
      newPassword: NEW_PASSWORD,
      newTotp: code(fresh.totpSecret),
      ticket: fresh.ticket
    }
    const before = await headSeq()
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ password: 'not my password at all' }, 403, /^Your current password or authenticator code is not right/],
      [{ newPassword: 'short' }, 400, /^A password needs at least 12 characters\.$/],
      [{ newPassword: OLD_PASSWORD }, 400, /^The new password must differ from the current one/],
      [{ newTotp: code(secrets.oldadmin!) }, 400, /^The code does not match the new authenticator secret/],
      [
        { ticket: tampered(fresh.ticket) },
        400,
        /^The new authenticator secret on this page is older than 15 minutes or belongs to another sign-in/
      ]
    ]
    for (const [change, status, message] of cases) {
      const refused = await call('POST', '/api/v1/me/credentials', token, { ...body, ...change })
      expect(refused.status, JSON.stringify(change)).toBe(status)
      expect(refused.body.error.message).toMatch(message)
    }
    expect((await auditSince(before)).map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'user.credentials_change:failure',
      ...Array(4).fill('user.credentials_change:denied')
    ])
    // the wrong password counted as a failed sign-in of the account at this address
    expect((await gw.app.store.loginFailures({ username: 'oldadmin', sourceIp: '127.0.0.1' }, new Date(0))).count).toBe(
      1
    )
    expect((await gw.app.store.getUserByUsername('oldadmin'))!.enrolledAt).toBeNull()

    // a secret shown in another sign-in, or too long ago, is not accepted
    const elsewhere = (await signInOld('oldadmin', '198.51.100.10')).body.accessToken as string
    const theirs = (await call('POST', '/api/v1/me/credentials/secret', elsewhere)).body
    const foreign = await call('POST', '/api/v1/me/credentials', token, {
      ...body,
      totp: code(secrets.oldadmin!),
      newTotp: code(theirs.totpSecret),
      ticket: theirs.ticket
    })
    expect(foreign.status).toBe(400)
    expect(foreign.body.error.message).toMatch(/belongs to another sign-in/)
    // past the secret's 15 minutes (and the access token's: the sign-in renews it)
    gw.clock.advance(16 * 60_000)
    const renewed = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { vre_refresh: signedIn.cookie! }
    })
    expect(renewed.statusCode).toBe(200)
    const late = await call('POST', '/api/v1/me/credentials', renewed.json().accessToken, {
      ...body,
      totp: code(secrets.oldadmin!),
      newTotp: code(fresh.totpSecret)
    })
    expect(late.status).toBe(400)
    expect(late.body.error.message).toMatch(/^The new authenticator secret on this page is older than 15 minutes/)
    expect((await gw.app.store.getUserByUsername('oldadmin'))!.enrolledAt).toBeNull()
  })

  it('given another privileged role, is enrolled again: the handed-out credentials stop working at approval', async () => {
    const admin = (await gw.login('admin')).accessToken
    const admin2 = (await gw.login('admin2')).accessToken
    // an administrator is never also a reviewer: the reviewer role goes as the administrator role comes
    const asked = await call('PATCH', `/api/v1/admin/users/${ids.oldreviewer}`, admin, {
      roles: ['admin'],
      reason: 'takes over administration'
    })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change).toMatchObject({ granted: ['admin'], removed: ['reviewer'], reenrol: true })
    expect(asked.body.enrolmentHalf).toMatchObject({ username: 'oldreviewer', part: 1 })
    const old = await signInOld('oldreviewer')
    expect(old.status).toBe(200)

    const approved = await call('POST', `/api/v1/admin/approvals/${asked.body.pending.id}/approve`, admin2)
    expect(approved.status).toBe(200)
    expect(approved.body.enrolment).toMatchObject({ username: 'oldreviewer', part: 2 })
    // the sign-in made with what an administrator handed out ended, and those credentials open nothing now
    expect((await call('GET', '/api/v1/me', old.body.accessToken)).status).toBe(401)
    expect((await signInOld('oldreviewer')).status).toBe(401)
    expect(await gw.app.store.getUserById(ids.oldreviewer!)).toMatchObject({
      roles: ['admin'],
      passwordHash: '',
      enrolledAt: null
    })
  })
})
