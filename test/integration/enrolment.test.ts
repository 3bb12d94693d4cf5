import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

/**
 * Nobody learns another person's secrets: a new account, or a reset, gives a single-use link with
 * which the person sets their own password and adds their own authenticator. Real SQLite.
 */

let gw: TestGateway
let admin: string
let orgId: string

beforeEach(async () => {
  gw = await testGateway()
  admin = (await gw.login('admin')).accessToken
  orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId!
})
afterEach(async () => {
  await gw.close()
})

const PASSWORD = 'a long passphrase of my own'

async function post(url: string, payload?: unknown, token?: string) {
  const res = await gw.app.inject({
    method: 'POST',
    url,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {})
  })
  return { status: res.statusCode, body: res.json() as Record<string, any>, headers: res.headers, raw: res.body }
}

const tokenOf = (url: string) => url.slice(url.indexOf('#') + 1)

/** A new researcher account through the administration API; its link's token. */
async function newResearcher(username = 'researcher9'): Promise<string> {
  const res = await post(
    '/api/v1/admin/users',
    { username, displayName: 'Ito Mei', roles: ['researcher'], organizationId: orgId },
    admin
  )
  expect(res.status).toBe(201)
  return tokenOf(res.body.enrolment.url)
}

const signIn = (username: string, password: string, secret: string) =>
  gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password, totp: totpCode(secret, gw.clock.now()) }
  })

/** Opens the link and completes it as the person would: their password, a code from the seed shown. */
async function enrol(token: string, password = PASSWORD): Promise<string> {
  const opened = await post('/api/v1/enrolment/open', { token })
  expect(opened.status).toBe(200)
  const completed = await post('/api/v1/enrolment/complete', {
    token,
    password,
    totp: totpCode(opened.body.totpSecret, gw.clock.now())
  })
  expect(completed.status).toBe(200)
  return opened.body.totpSecret as string
}

describe('an enrolment link', () => {
  it('lets the person set their password and authenticator once, then sign in with them', async () => {
    const token = await newResearcher()
    // no credentials until then
    expect((await gw.app.store.getUserByUsername('researcher9'))!.enrolledAt).toBeNull()

    const opened = await post('/api/v1/enrolment/open', { token })
    expect(opened.status).toBe(200)
    expect(opened.headers['cache-control']).toBe('no-store')
    expect(opened.body).toMatchObject({ username: 'researcher9', displayName: 'Ito Mei' })
    expect(opened.body.totpSecret).toMatch(/^[A-Z2-7]{32}$/)
    expect(opened.body.totpUri).toMatch(/^otpauth:\/\/totp\/VRE:researcher9\?/)
    const completed = await post('/api/v1/enrolment/complete', {
      token,
      password: PASSWORD,
      totp: totpCode(opened.body.totpSecret, gw.clock.now())
    })
    expect(completed).toMatchObject({ status: 200, body: { username: 'researcher9' } })

    // the code that confirmed the authenticator can't sign in as well; the next one does
    gw.clock.advance(30_000)
    expect((await signIn('researcher9', PASSWORD, opened.body.totpSecret)).statusCode).toBe(200)

    // once only
    const again = await post('/api/v1/enrolment/open', { token })
    expect(again.status).toBe(410)
    expect(again.body.error).toEqual({
      code: 'VRE_ERR_ENROLMENT_LINK',
      message:
        'This enrolment link was already used. Sign in with the password you chose, or ask an administrator for a new link.'
    })
    const actions = (await gw.app.store.recentAudit(10)).map((r) => `${r.action}:${r.outcome}`)
    expect(actions).toContain('user.enrol:success')
    expect(actions).toContain('user.enrol_open:success')
    expect(actions[0]).toBe('user.enrol_open:denied')
  })

  it('expires after 24 hours', async () => {
    const token = await newResearcher()
    gw.clock.advance(24 * 3_600_000 + 1000)
    const opened = await post('/api/v1/enrolment/open', { token })
    expect(opened.status).toBe(410)
    expect(opened.body.error.message).toMatch(/^This enrolment link expired at .*Ask an administrator for a new one\.$/)
  })

  it('is kept only as the hash of its token, and the token never reaches the log', async () => {
    const token = await newResearcher()
    await enrol(token)
    const db = (gw.app.store as unknown as { db: import('better-sqlite3').Database }).db
    const rows = db.prepare('SELECT * FROM enrolments').all() as Record<string, unknown>[]
    expect(rows).toHaveLength(1)
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(token).digest('hex'))
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(gw.logs.join('')).not.toContain(token)
    const audit = JSON.stringify(await gw.app.store.recentAudit(50))
    expect(audit).not.toContain(token)
  })

  it('refuses a weak password or a code from another seed, changing nothing, and only the seed shown last counts', async () => {
    const token = await newResearcher()
    const first = (await post('/api/v1/enrolment/open', { token })).body.totpSecret as string
    const second = (await post('/api/v1/enrolment/open', { token })).body.totpSecret as string
    const weak = await post('/api/v1/enrolment/complete', {
      token,
      password: 'short',
      totp: totpCode(second, gw.clock.now())
    })
    expect(weak.status).toBe(400)
    expect(weak.body.error.message).toBe('A password needs at least 12 characters.')
    const stale = await post('/api/v1/enrolment/complete', {
      token,
      password: PASSWORD,
      totp: totpCode(first, gw.clock.now())
    })
    expect(stale.status).toBe(400)
    expect(stale.body.error.message).toMatch(/^The code does not match the authenticator secret shown on this page/)
    expect((await gw.app.store.getUserByUsername('researcher9'))!.enrolledAt).toBeNull()
    const done = await post('/api/v1/enrolment/complete', {
      token,
      password: PASSWORD,
      totp: totpCode(second, gw.clock.now())
    })
    expect(done.status).toBe(200)
  })

  it('is not valid when made up, and needs to be opened before it is completed', async () => {
    const token = await newResearcher()
    const early = await post('/api/v1/enrolment/complete', { token, password: PASSWORD, totp: '123456' })
    expect(early.status).toBe(409)
    const madeUp = await post('/api/v1/enrolment/open', { token: 'x'.repeat(43) })
    expect(madeUp.status).toBe(410)
    expect(madeUp.body.error.message).toMatch(/^This enrolment link is not valid/)
  })
})

describe('a credentials reset', () => {
  it('ends the person’s sign-ins at once, stops the old password, and replaces an earlier link', async () => {
    const researcher1 = (await gw.app.store.getUserByUsername('researcher1'))!.id
    const signedIn = await gw.login('researcher1')
    const first = await post(`/api/v1/admin/users/${researcher1}/credentials`, undefined, admin)
    expect(first.status).toBe(200)
    expect(first.raw).not.toMatch(/password|totpSecret|otpauth/)
    const me = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${signedIn.accessToken}` }
    })
    expect(me.statusCode).toBe(401)
    expect(me.json().error.message).toMatch(/credentials reset/)
    // the old credentials no longer sign in
    await expect(gw.login('researcher1')).rejects.toThrow(/401/)

    const second = await post(`/api/v1/admin/users/${researcher1}/credentials`, undefined, admin)
    const replaced = await post('/api/v1/enrolment/open', { token: tokenOf(first.body.enrolment.url) })
    expect(replaced.status).toBe(410)
    expect(replaced.body.error.message).toMatch(/replaced by a newer one/)
    const secret = await enrol(tokenOf(second.body.enrolment.url), 'my new passphrase here')
    gw.clock.advance(30_000)
    expect((await signIn('researcher1', 'my new passphrase here', secret)).statusCode).toBe(200)
  })
})
