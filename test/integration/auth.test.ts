import { generateKeyPairSync } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AUDIENCE, ISSUER } from '../../server/src/auth/tokens.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

let gw: TestGateway
beforeEach(async () => {
  gw = await testGateway()
})
afterEach(async () => {
  await gw.close()
})

const me = (token: string) =>
  gw.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })

const loginAs = (username: string, fields: Partial<{ password: string; totp: string }> = {}, ip = '127.0.0.1') =>
  gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: ip,
    payload: {
      username,
      password: fields.password ?? gw.credentials[username]?.password ?? 'no such password',
      totp: fields.totp ?? (gw.credentials[username] ? gw.code(username) : '000000')
    }
  })

const sessionCount = () =>
  (gw.app.store as unknown as { db: import('better-sqlite3').Database }).db
    .prepare('SELECT count(*) AS n FROM auth_sessions')
    .get() as { n: number }

describe('sign-in', () => {
  it('issues an access token and an httpOnly SameSite=Strict refresh cookie for password + TOTP', async () => {
    const res = await loginAs('researcher1')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.user.username).toBe('researcher1')
    // exp is whole seconds: the issuing second plus the policy's 15 minutes
    expect(new Date(body.expiresAt).getTime()).toBe((Math.floor(gw.clock.t / 1000) + 15 * 60) * 1000)
    const cookie = res.cookies.find((c) => c.name === 'vre_refresh')!
    expect(cookie.httpOnly).toBe(true)
    expect(cookie.sameSite).toBe('Strict')
    expect(cookie.path).toBe('/api/v1/auth')
    expect((await me(body.accessToken)).statusCode).toBe(200)
  })

  it('refuses a wrong password, a wrong code and an unknown user with the same message', async () => {
    const messages = new Set<string>()
    for (const res of [
      await loginAs('researcher1', { password: 'wrong password 123' }),
      await loginAs('researcher1', { totp: '000000' === gw.code('researcher1') ? '111111' : '000000' }),
      await loginAs('nobody')
    ]) {
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('VRE_ERR_INVALID_CREDENTIALS')
      messages.add(res.json().error.message)
    }
    expect(messages.size).toBe(1)
    expect(sessionCount().n).toBe(0)
  })

  it('refuses a TOTP code that was already used', async () => {
    gw.clock.advance(30_000)
    const code = gw.code('researcher1')
    expect((await loginAs('researcher1', { totp: code })).statusCode).toBe(200)
    const replay = await loginAs('researcher1', { totp: code })
    expect(replay.statusCode).toBe(401)
    const audit = await gw.app.store.recentAudit(1)
    expect(audit[0]!.details.reason).toBe('authenticator code already used')
  })

  it('refuses two concurrent sign-ins with the same code: exactly one wins', async () => {
    gw.clock.advance(30_000)
    const code = gw.code('researcher1')
    const results = await Promise.all([loginAs('researcher1', { totp: code }), loginAs('researcher1', { totp: code })])
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401])
  })

  it('refuses an account that has not enrolled yet, whatever is tried, with the same message', async () => {
    const orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId!
    const org = (await gw.app.store.getOrganization(orgId))!
    const { createAccountToEnrol } = await import('../../server/src/identity/accounts.js')
    await createAccountToEnrol(
      gw.app.store,
      { username: 'newcomer', displayName: 'Newcomer', organization: org.name, roles: ['researcher'] },
      { at: gw.clock.now(), baseUrl: 'http://vre.test' },
      { actor: 'test', sourceIp: null }
    )
    const res = await loginAs('newcomer', { password: 'any password at all', totp: '123456' })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('VRE_ERR_INVALID_CREDENTIALS')
    expect((await gw.app.store.recentAudit(1))[0]!.details.reason).toBe('not enrolled yet')
  })

  it('limits sign-in requests per address per minute', async () => {
    const ip = '203.0.113.9'
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) {
      const res = await gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: {} })
      statuses.push(res.statusCode)
    }
    expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true)
    expect(statuses[30]).toBe(429)
  })

  it('refuses a suspended account and revokes its live tokens at once', async () => {
    const { accessToken } = await gw.login('researcher1')
    const user = (await gw.app.store.getUserByUsername('researcher1'))!
    await gw.app.store.setUserStatus(user.id, 'suspended', {
      actor: 'test',
      action: 'user.suspend',
      sourceIp: null,
      target: user.id,
      outcome: 'success'
    })
    const res = await me(accessToken)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('VRE_ERR_SESSION_REVOKED')
    gw.clock.advance(30_000)
    const again = await loginAs('researcher1')
    expect(again.statusCode).toBe(403)
    expect(again.json().error.message).toMatch(/suspended/)
  })
})

describe('sign-in delays instead of lockout (NIST SP 800-63B)', () => {
  const wrong = { password: 'wrong password 123' }
  const failures = async (n: number, username: string, ip: string, waitMs = 0) => {
    for (let i = 0; i < n; i++) {
      const res = await loginAs(username, wrong, ip)
      expect(res.statusCode, `failure ${i + 1}`).toBe(401)
      gw.clock.advance(waitMs)
    }
  }
  const retryAfter = (res: Awaited<ReturnType<typeof loginAs>>) => Number(res.headers['retry-after'])

  it('slows an account down after five failures, and the right password and code still get in after the wait', async () => {
    await failures(5, 'researcher1', '192.0.2.1')
    const early = await loginAs('researcher1', {}, '192.0.2.1')
    expect(early.statusCode).toBe(429)
    expect(early.json().error.code).toBe('VRE_ERR_SIGN_IN_DELAYED')
    expect(retryAfter(early)).toBe(1)
    expect(sessionCount().n).toBe(0)
    gw.clock.advance(1000)
    expect((await loginAs('researcher1', {}, '192.0.2.1')).statusCode).toBe(200)
    // another account was never slowed
    expect((await loginAs('researcher2', {}, '192.0.2.1')).statusCode).toBe(200)
  })

  it('answers an attempt during the wait with 429, Retry-After and a sentence, without checking or counting it', async () => {
    await failures(5, 'researcher1', '192.0.2.2')
    gw.clock.advance(1000)
    await failures(1, 'researcher1', '192.0.2.2')
    // the sixth failure doubled the wait: 2 seconds now
    const early = await loginAs('researcher1', wrong, '192.0.2.2')
    expect(early.statusCode).toBe(429)
    expect(early.headers['retry-after']).toBe('2')
    expect(early.json().error).toEqual({
      code: 'VRE_ERR_SIGN_IN_DELAYED',
      message:
        'Too many failed sign-ins: try again in 2 seconds. This attempt was not checked and does not count as a failure.',
      retryAfterSeconds: 2
    })
    const record = (await gw.app.store.recentAudit(1))[0]!
    expect([record.action, record.outcome, record.details.retryAfterSeconds]).toEqual(['auth.login', 'denied', 2])
    // not counted: asked again, the wait is still 2 seconds, not 4
    expect(retryAfter(await loginAs('researcher1', wrong, '192.0.2.2'))).toBe(2)
  })

  it('holds the waits against concurrent guesses: the right password among them waits too', async () => {
    const guesses = Array.from({ length: 12 }, (_, i) =>
      loginAs('researcher1', { password: `wrong password ${i}` }, '192.0.2.3')
    )
    const right = loginAs('researcher1', {}, '192.0.2.3')
    const results = await Promise.all([...guesses, right])
    expect(results.filter((r) => r.statusCode === 401)).toHaveLength(5)
    expect(results.at(-1)!.statusCode).toBe(429)
    expect(sessionCount().n).toBe(0)
    gw.clock.advance(retryAfter(results.at(-1)!) * 1000)
    expect((await loginAs('researcher1', {}, '192.0.2.3')).statusCode).toBe(200)
  })

  it('slows an unknown username the same way, so a 429 does not reveal which accounts exist', async () => {
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await loginAs('no-such-user', {}, '192.0.2.4')).statusCode)
    const real: number[] = []
    for (let i = 0; i < 6; i++) real.push((await loginAs('reviewer1', wrong, '192.0.2.5')).statusCode)
    expect(codes).toEqual([401, 401, 401, 401, 401, 429])
    expect(real).toEqual(codes)
  })

  it('slows down failures from one address across accounts (password spraying), and no other address', async () => {
    const ip = '198.51.100.7'
    for (let i = 0; i < 10; i++) {
      expect((await loginAs(`user${i}`, {}, ip)).statusCode).toBe(401)
    }
    const slowed = await loginAs('researcher1', {}, ip)
    expect(slowed.statusCode).toBe(429)
    expect(slowed.json().error.code).toBe('VRE_ERR_SIGN_IN_DELAYED')
    // the same account from another address signs in at once
    expect((await loginAs('researcher1', {}, '198.51.100.8')).statusCode).toBe(200)
  })

  it('never waits longer than the cap: many wrong passwords from one address do not keep the right credentials out', async () => {
    const ip = '198.51.100.20'
    // 20 failures, each as soon as the longest wait (60 s) allows
    await failures(20, 'researcher1', ip, 60_000)
    gw.clock.advance(-60_000)
    const early = await loginAs('researcher1', {}, ip)
    expect(early.statusCode).toBe(429)
    expect(retryAfter(early)).toBeGreaterThan(30)
    expect(retryAfter(early)).toBeLessThanOrEqual(60)
    gw.clock.advance(retryAfter(early) * 1000)
    expect((await loginAs('researcher1', {}, ip)).statusCode).toBe(200)
  })

  it('does not slow a person down at their own address when an attacker fails against their name at another', async () => {
    const attacker = '198.51.100.66'
    // each as soon as the last wait allows; then back to just after the last one
    await failures(8, 'reviewer1', attacker, 60_000)
    gw.clock.advance(-60_000)
    // the attacker waits, and the refusal is audited with the pair's failures
    const again = await loginAs('reviewer1', wrong, attacker)
    expect(again.statusCode).toBe(429)
    const refusal = (await gw.app.store.recentAudit(1))[0]!
    expect(refusal).toMatchObject({
      action: 'auth.login',
      outcome: 'denied',
      sourceIp: attacker,
      details: { reason: 'sign-in delayed after failures (account at this address)', username: 'reviewer1' }
    })
    // the person, from an address they never used, gets in at once
    expect((await loginAs('reviewer1', {}, '203.0.113.51')).statusCode).toBe(200)
    // and their sign-in there does not lift the attacker's wait
    expect((await loginAs('reviewer1', wrong, attacker)).statusCode).toBe(429)
  })

  it("spares an account an address's waits where it signed in before, but not its own failures there", async () => {
    const shared = '198.51.100.30'
    await gw.login('reviewer1', shared)
    for (let i = 0; i < 10; i++) expect((await loginAs(`user${i}`, {}, shared)).statusCode).toBe(401)
    // someone new at that address waits for its failures; the known pair does not
    expect((await loginAs('researcher1', {}, shared)).statusCode).toBe(429)
    gw.clock.advance(30_000)
    expect((await loginAs('reviewer1', {}, shared)).statusCode).toBe(200)
    // failures of the known pair itself still slow it down
    gw.clock.advance(30_000)
    await failures(5, 'reviewer1', shared)
    expect((await loginAs('reviewer1', {}, shared)).statusCode).toBe(429)
  })
})

describe('refresh and sign-out', () => {
  const refresh = (cookie: string | undefined, headers: Record<string, string> = {}) =>
    gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers,
      ...(cookie !== undefined ? { cookies: { vre_refresh: cookie } } : {})
    })

  it('rotates the refresh token and mints a new access token', async () => {
    const first = await gw.login('researcher1')
    const res = await refresh(first.refreshCookie)
    expect(res.statusCode).toBe(200)
    const next = res.cookies.find((c) => c.name === 'vre_refresh')!.value
    expect(next).not.toBe(first.refreshCookie)
    expect((await me(res.json().accessToken)).statusCode).toBe(200)
  })

  it('revokes the whole sign-in when an old refresh token is reused', async () => {
    const first = await gw.login('researcher1')
    const rotated = await refresh(first.refreshCookie)
    const newCookie = rotated.cookies.find((c) => c.name === 'vre_refresh')!.value
    const newAccess = rotated.json().accessToken as string

    const reuse = await refresh(first.refreshCookie)
    expect(reuse.statusCode).toBe(401)
    // the thief's copy and the owner's newer tokens are all dead now
    expect((await refresh(newCookie)).statusCode).toBe(401)
    expect((await me(newAccess)).statusCode).toBe(401)
    expect((await me(first.accessToken)).json().error.code).toBe('VRE_ERR_SESSION_REVOKED')
    const actions = (await gw.app.store.recentAudit(10)).map((r) => r.action)
    expect(actions).toContain('auth.refresh.reuse_detected')
  })

  it('refuses a refresh without the cookie, or from a foreign Origin', async () => {
    expect((await refresh(undefined)).statusCode).toBe(401)
    const { refreshCookie } = await gw.login('researcher1')
    const foreign = await refresh(refreshCookie, { origin: 'https://evil.example' })
    expect(foreign.statusCode).toBe(403)
    // the refused request did not consume the token
    expect((await refresh(refreshCookie)).statusCode).toBe(200)
  })

  it('sign-out revokes the access and refresh tokens immediately', async () => {
    const { accessToken, refreshCookie } = await gw.login('researcher1')
    const out = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${accessToken}` }
    })
    expect(out.statusCode).toBe(200)
    expect(out.cookies.find((c) => c.name === 'vre_refresh')!.value).toBe('')
    expect((await me(accessToken)).statusCode).toBe(401)
    expect((await refresh(refreshCookie)).statusCode).toBe(401)
  })
})

describe('access tokens', () => {
  const secret = () => gw.app.keys.jwtKey
  async function claims() {
    const { accessToken } = await gw.login('researcher1')
    return { token: accessToken, payload: jwt.decode(accessToken) as jwt.JwtPayload }
  }
  const expectRejected = async (token: string, reason: RegExp) => {
    const res = await me(token)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.message).toMatch(reason)
  }

  it('refuses alg "none"', async () => {
    const { payload } = await claims()
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    await expectRejected(`${header}.${body}.`, /invalid/)
  })

  it('refuses a token signed with an asymmetric algorithm (RS/HS confusion)', async () => {
    const { payload } = await claims()
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    await expectRejected(jwt.sign(payload, privateKey, { algorithm: 'RS256' }), /algorithm|signature/)
    // and an HS256 token keyed with a public key, the classic confusion
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const forged = jwt.sign(payload, Buffer.from(pem), { algorithm: 'HS256' })
    await expectRejected(forged, /signature/)
  })

  it('refuses a token signed with another secret', async () => {
    const { payload } = await claims()
    await expectRejected(jwt.sign(payload, 'x'.repeat(64), { algorithm: 'HS256' }), /signature/)
  })

  it('refuses wrong issuer and wrong audience', async () => {
    const { payload } = await claims()
    await expectRejected(jwt.sign({ ...payload, iss: 'someone-else' }, secret(), { algorithm: 'HS256' }), /claims/)
    await expectRejected(jwt.sign({ ...payload, aud: 'another-api' }, secret(), { algorithm: 'HS256' }), /claims/)
  })

  it('refuses an expired token and one with no expiry', async () => {
    const { token, payload } = await claims()
    gw.clock.advance(15 * 60_000 + 1000)
    await expectRejected(token, /expired/)
    const { exp: _exp, ...noExp } = payload
    await expectRejected(jwt.sign(noExp, secret(), { algorithm: 'HS256' }), /no expiry/)
  })

  it('refuses a token of another type (a terminal ticket is not an access token)', async () => {
    const { payload } = await claims()
    await expectRejected(
      jwt.sign({ ...payload, typ: 'terminal-ticket' }, secret(), { algorithm: 'HS256' }),
      /not an access token/
    )
  })

  it('refuses a token whose sign-in is unknown or belongs to another user', async () => {
    const { payload } = await claims()
    const other = (await gw.app.store.getUserByUsername('researcher2'))!
    await expectRejected(jwt.sign({ ...payload, sub: other.id }, secret(), { algorithm: 'HS256' }), /unknown/)
  })

  it('accepts tokens only from the Authorization header, never from the URL', async () => {
    const { token } = await claims()
    const res = await gw.app.inject({ method: 'GET', url: `/api/v1/me?access_token=${token}` })
    expect(res.statusCode).toBe(401)
  })

  it('never writes a token or the refresh cookie to the logs', async () => {
    const { accessToken, refreshCookie } = await gw.login('researcher1')
    await me(accessToken)
    await gw.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', cookies: { vre_refresh: refreshCookie } })
    await me('garbage.' + accessToken)
    const all = gw.logs.join('')
    expect(gw.logs.length).toBeGreaterThan(0)
    expect(all).not.toContain(accessToken)
    expect(all).not.toContain(accessToken.split('.')[2]!)
    expect(all).not.toContain(refreshCookie)
  })
})

describe('identity', () => {
  it('tells a researcher of an organization whose certification expired exactly why they cannot work', async () => {
    const { accessToken } = await gw.login('researcher2')
    const body = (await me(accessToken)).json()
    expect(body.user.organization.certification.state).toBe('expired')
    expect(body.eligibility.canWork).toBe(false)
    expect(body.eligibility.reasons).toEqual([
      `certification T2-0017 expired on ${body.user.organization.certification.validTo}`
    ])
  })

  it('shows a certified researcher their current project and that they can work', async () => {
    const { accessToken } = await gw.login('researcher1')
    const body = (await me(accessToken)).json()
    expect(body.eligibility).toEqual({ canWork: true, reasons: [] })
    expect(body.projects).toHaveLength(1)
    expect(body.projects[0].state).toBe('active')
    expect(body.projects[0].datasets[0].name).toBe('demo-claims')
  })
})
