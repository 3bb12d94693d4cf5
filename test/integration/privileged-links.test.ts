import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

/**
 * Who ends up holding a reviewer's or administrator's credentials. The link of a reviewer or
 * administrator created, reset, or granted the role, is split between the administrator who asked
 * and the one who approved, so neither alone can enrol in the person's place; a grant takes the
 * account's present credentials and links away, so an administrator who enrolled it, or kept its
 * link, holds nothing of it. Real SQLite, through HTTP.
 */

let gw: TestGateway
let admin: string
let admin2: string
let orgId: string

beforeEach(async () => {
  gw = await testGateway()
  admin = (await gw.login('admin')).accessToken
  admin2 = (await gw.login('admin2')).accessToken
  orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId!
})
afterEach(async () => {
  await gw.close()
})

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, token?: string) {
  const res = await gw.app.inject({
    method,
    url,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {})
  })
  return { status: res.statusCode, body: res.json() as Record<string, any>, raw: res.body }
}
const adminApi = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, token = admin) =>
  call(method, `/api/v1/admin${url}`, payload, token)

const userId = async (username: string) => (await gw.app.store.getUserByUsername(username))!.id
const headSeq = async () => (await gw.app.store.recentAudit(1))[0]!.seq
const auditSince = async (seq: number) => (await gw.app.store.recentAudit(200)).filter((r) => r.seq > seq).reverse()
const db = () => (gw.app.store as unknown as { db: import('better-sqlite3').Database }).db

/** Opens a link's token and enrols with it as the person would; the authenticator secret they added. */
async function enrol(token: string, password: string): Promise<string> {
  const opened = await call('POST', '/api/v1/enrolment/open', { token })
  expect(opened.status).toBe(200)
  const done = await call('POST', '/api/v1/enrolment/complete', {
    token,
    password,
    totp: totpCode(opened.body.totpSecret, gw.clock.now())
  })
  expect(done.status).toBe(200)
  return opened.body.totpSecret as string
}

const signIn = (username: string, password: string, secret: string) =>
  gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password, totp: totpCode(secret, gw.clock.now()) }
  })

/** A researcher account admin2 alone makes and enrols through themselves: what they then hold of it. */
async function researcherEnrolledBy(token: string, username = 'researcher9') {
  const created = await adminApi(
    'POST',
    '/users',
    { username, displayName: 'Ito Mei', roles: ['researcher'], organizationId: orgId },
    token
  )
  expect(created.status).toBe(201)
  const link = created.body.enrolment.url.split('#')[1] as string
  const secret = await enrol(link, 'chosen by the administrator')
  gw.clock.advance(30_000)
  const session = await signIn(username, 'chosen by the administrator', secret)
  expect(session.statusCode).toBe(200)
  return { id: created.body.user.id as string, link, secret, accessToken: session.json().accessToken as string }
}

const me = (token: string) =>
  gw.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })

describe('a reviewer role granted to an account an administrator enrolled themselves', () => {
  it('enrols it again through a split link: the administrator who enrolled it can no longer sign in', async () => {
    const held = await researcherEnrolledBy(admin2)
    // the honest administrator asks; the approver is told who issued the link, and that the account is enrolled anew
    const asked = await adminApi('PATCH', `/users/${held.id}`, { roles: ['researcher', 'reviewer'], reason: 'checker' })
    expect(asked.status).toBe(202)
    expect(asked.body.enrolmentHalf).toMatchObject({ username: 'researcher9', part: 1 })
    expect(asked.body.pending.change).toMatchObject({ granted: ['reviewer'], removed: [], reenrol: true })
    const listed = (await adminApi('GET', '/approvals', undefined, admin2)).body[0]
    expect(listed.enrolledThrough).toMatchObject({ issuedBy: { username: 'admin2' }, byAsker: false })
    // nothing yet: admin2 is still signed in as the researcher
    expect((await me(held.accessToken)).statusCode).toBe(200)

    const before = await headSeq()
    const approved = await adminApi('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(approved.body.enrolment).toMatchObject({ username: 'researcher9', part: 2 })
    const trail = await auditSince(before)
    expect(trail.map((r) => `${r.action}:${r.outcome}`)).toEqual(['approval.approve:success', 'user.update:success'])
    expect(trail[1]).toMatchObject({
      target: held.id,
      details: {
        roles: { from: ['researcher'], to: ['researcher', 'reviewer'] },
        reenrolment: { signInsEnded: true, enrolmentSplit: true },
        approval: { requestedBy: await userId('admin'), approvedBy: await userId('admin2') }
      }
    })

    // what admin2 held opens nothing: their sign-in ended, their password fails (audited), their link is spent
    const ended = await me(held.accessToken)
    expect(ended.statusCode).toBe(401)
    expect(ended.json().error.message).toMatch(/credentials reset/)
    gw.clock.advance(30_000)
    const seq = await headSeq()
    const refused = await signIn('researcher9', 'chosen by the administrator', held.secret)
    expect(refused.statusCode).toBe(401)
    expect(refused.json().error.message).toBe('Username, password or authenticator code is incorrect.')
    expect((await auditSince(seq)).at(-1)).toMatchObject({
      action: 'auth.login',
      outcome: 'failure',
      details: { reason: 'not enrolled yet' }
    })
    expect((await call('POST', '/api/v1/enrolment/open', { token: held.link })).status).toBe(410)
    expect((await call('POST', '/api/v1/enrolment/open', { token: approved.body.enrolment.half })).status).toBe(410)

    // the person, given part 1 by admin and part 2 by admin2, enrols and is a reviewer
    const secret = await enrol(`${asked.body.enrolmentHalf.half}.${approved.body.enrolment.half}`, 'the person’s own')
    gw.clock.advance(30_000)
    const theirs = await signIn('researcher9', 'the person’s own', secret)
    expect(theirs.statusCode).toBe(200)
    expect(theirs.json().user).toMatchObject({ roles: ['researcher', 'reviewer'], mustChangeCredentials: false })
  })

  it('the same after a reset: enrolling in a researcher’s place through their reset link gains nothing', async () => {
    const id = await userId('researcher1')
    const reset = await adminApi('POST', `/users/${id}/credentials`, {}, admin2)
    expect(reset.status).toBe(200)
    const secret = await enrol(reset.body.enrolment.url.split('#')[1], 'chosen by the administrator')
    const asked = await adminApi('PATCH', `/users/${id}`, { roles: ['researcher', 'reviewer'], reason: 'checker' })
    expect(asked.status).toBe(202)
    expect((await adminApi('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    gw.clock.advance(30_000)
    expect((await signIn('researcher1', 'chosen by the administrator', secret)).statusCode).toBe(401)
    expect(await gw.app.store.getUserById(id)).toMatchObject({ passwordHash: '', enrolledAt: null })
  })

  it('a link kept unused stops working at the approval; used before it, the approval is refused', async () => {
    const created = await adminApi(
      'POST',
      '/users',
      { username: 'researcher9', displayName: 'Ito Mei', roles: ['researcher'], organizationId: orgId },
      admin2
    )
    const kept = created.body.enrolment.url.split('#')[1] as string
    // not enrolled yet: asked all the same, since the approval enrols it anew
    const asked = await adminApi('PATCH', `/users/${created.body.user.id}`, {
      roles: ['researcher', 'reviewer'],
      reason: 'checker'
    })
    expect(asked.status).toBe(202)
    expect((await adminApi('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    const seq = await headSeq()
    const replaced = await call('POST', '/api/v1/enrolment/open', { token: kept })
    expect(replaced.status).toBe(410)
    expect(replaced.body.error.message).toMatch(/replaced by a newer one/)
    expect((await auditSince(seq)).map((r) => `${r.action}:${r.outcome}`)).toEqual(['user.enrol_open:denied'])

    // a second account: its link is used while the grant waits, so the approval finds it changed and refuses
    const other = await adminApi(
      'POST',
      '/users',
      { username: 'researcher8', displayName: 'Abe Jun', roles: ['researcher'], organizationId: orgId },
      admin2
    )
    const waiting = await adminApi('PATCH', `/users/${other.body.user.id}`, {
      roles: ['researcher', 'reviewer'],
      reason: 'checker'
    })
    await enrol(other.body.enrolment.url.split('#')[1], 'chosen meanwhile')
    const stale = await adminApi('POST', `/approvals/${waiting.body.pending.id}/approve`, undefined, admin2)
    expect(stale.status).toBe(409)
    expect(stale.body.error.message).toBe(
      "This change no longer applies (researcher8's credentials changed since (a reset or an enrolment)), so it was refused; ask again if it is still needed."
    )
    expect((await gw.app.store.getUserById(other.body.user.id))!.roles).toEqual(['researcher'])
  })
})

describe("a reviewer's or administrator's enrolment link", () => {
  it('comes in two parts, the asker’s and the approver’s: neither alone opens it, both together enrol', async () => {
    const asked = await adminApi('POST', '/users', {
      username: 'reviewer3',
      displayName: 'Mori Aki',
      roles: ['reviewer'],
      organizationId: null,
      reason: 'third output checker'
    })
    expect(asked.status).toBe(202)
    const part1 = asked.body.enrolmentHalf.half as string
    expect(asked.body.enrolmentHalf).toMatchObject({ username: 'reviewer3', part: 1, expiresAt: null })
    expect(asked.body.enrolmentHalf.page).toMatch(/\/enrol$/)
    // part 1 is shown to the asker once, and to nobody else: not in the list, for either administrator
    for (const token of [admin, admin2])
      expect((await adminApi('GET', '/approvals', undefined, token)).raw).not.toContain(part1)

    const approved = await adminApi('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    const part2 = approved.body.enrolment.half as string
    expect(approved.body.enrolment).toMatchObject({ username: 'reviewer3', part: 2 })
    expect(Date.parse(approved.body.enrolment.expiresAt)).toBe(gw.clock.t + 24 * 3_600_000)
    expect(approved.raw).not.toContain(part1)
    expect(part2).not.toBe(part1)

    // either part alone, or both the wrong way round, is refused and audited
    const before = await headSeq()
    for (const token of [part1, part2, `${part2}.${part1}`]) {
      const tried = await call('POST', '/api/v1/enrolment/open', { token })
      expect(tried.status).toBe(410)
      expect(tried.body.error.message).toMatch(
        /^This enrolment link is not valid\. Check that you copied all of it \(both parts/
      )
    }
    expect((await auditSince(before)).map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'user.enrol_open:denied',
      'user.enrol_open:denied',
      'user.enrol_open:denied'
    ])

    const secret = await enrol(`${part1}.${part2}`, 'a passphrase of my own')
    gw.clock.advance(30_000)
    expect((await signIn('reviewer3', 'a passphrase of my own', secret)).statusCode).toBe(200)

    // only hashes are kept: neither part is in the database or the audit log
    const stored = JSON.stringify([
      db().prepare('SELECT * FROM enrolments').all(),
      db().prepare('SELECT * FROM pending_changes').all(),
      await gw.app.store.recentAudit(100)
    ])
    expect(stored).not.toContain(part1)
    expect(stored).not.toContain(part2)
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    expect(stored).not.toContain(sha(part2))
    expect(stored).not.toContain(sha(`${part1}.${part2}`))
  })

  it('after an approved reset, is split too, and a reset approved later revokes the earlier link', async () => {
    const reviewer1 = await userId('reviewer1')
    const asked = await adminApi('POST', `/users/${reviewer1}/credentials`, { reason: 'lost their phone' })
    expect(asked.status).toBe(202)
    expect(asked.body.enrolmentHalf).toMatchObject({ username: 'reviewer1', part: 1 })
    const first = await adminApi('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(first.status).toBe(200)
    const firstToken = `${asked.body.enrolmentHalf.half}.${first.body.enrolment.half}`
    expect((await call('POST', '/api/v1/enrolment/open', { token: asked.body.enrolmentHalf.half })).status).toBe(410)

    // asked again (the second administrator asks, the first approves): the earlier link stops working
    const again = await adminApi(
      'POST',
      `/users/${reviewer1}/credentials`,
      { reason: 'sent to the wrong address' },
      admin2
    )
    expect(again.status).toBe(202)
    const second = await adminApi('POST', `/approvals/${again.body.pending.id}/approve`)
    expect(second.status).toBe(200)
    const replaced = await call('POST', '/api/v1/enrolment/open', { token: firstToken })
    expect(replaced.status).toBe(410)
    expect(replaced.body.error.message).toMatch(/replaced by a newer one/)
    const secret = await enrol(`${again.body.enrolmentHalf.half}.${second.body.enrolment.half}`, 'my fresh passphrase')
    gw.clock.advance(30_000)
    expect((await signIn('reviewer1', 'my fresh passphrase', secret)).statusCode).toBe(200)
  })
})
