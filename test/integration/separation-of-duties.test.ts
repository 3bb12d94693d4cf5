import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

/**
 * No one administrator can make data leave: making reviewers or administrators, resetting their
 * credentials, and weakening the airlock's policy each wait for a second administrator, who sees
 * who asked and why. Real SQLite, the real app.
 */

let gw: TestGateway
let admin: string
let admin2: string
/** every answer of the administration API in a test, to prove no secret is ever among them */
let answers: string[]

beforeEach(async () => {
  gw = await testGateway()
  admin = (await gw.login('admin')).accessToken
  admin2 = (await gw.login('admin2')).accessToken
  answers = []
})
afterEach(async () => {
  // the API hands out enrolment links, never a password or an authenticator secret
  for (const body of answers) {
    expect(body).not.toMatch(/"(password|totpSecret|totpUri)"|otpauth:/)
  }
  await gw.close()
})

async function api(method: string, url: string, payload?: unknown, token = admin) {
  const res = await gw.app.inject({
    method: method as 'GET',
    url: `/api/v1/admin${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {})
  })
  answers.push(res.body)
  return { status: res.statusCode, body: res.json() as Record<string, any> }
}

const userId = async (username: string) => (await gw.app.store.getUserByUsername(username))!.id
const adminId = () => userId('admin')
const headSeq = async () => (await gw.app.store.recentAudit(1))[0]!.seq
/** Every audit record since `seq`, oldest first. */
const auditSince = async (seq: number) => (await gw.app.store.recentAudit(200)).filter((r) => r.seq > seq).reverse()
const policy = async () => (await api('GET', '/policies/default')).body

describe('an account with the reviewer or administrator role', () => {
  it('is not created by one administrator: it waits, audited, until a second one approves and receives the link', async () => {
    const before = await headSeq()
    const noReason = await api('POST', '/users', {
      username: 'reviewer3',
      displayName: 'Mori Aki',
      roles: ['reviewer'],
      organizationId: null
    })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.message).toMatch(/needs a second administrator's approval: give a reason/)

    const asked = await api('POST', '/users', {
      username: 'reviewer3',
      displayName: 'Mori Aki',
      roles: ['reviewer'],
      organizationId: null,
      reason: 'third output checker for the spring cohort'
    })
    expect(asked.status).toBe(202)
    expect(asked.body.pending).toMatchObject({
      kind: 'user.create',
      state: 'pending',
      reason: 'third output checker for the spring cohort',
      requestedBy: { username: 'admin' },
      change: { username: 'reviewer3', roles: ['reviewer'] },
      mayApprove: false,
      mayWithdraw: true
    })
    expect(asked.body.pending.summary).toBe('Create the account reviewer3 (Mori Aki) with the reviewer role')
    expect(await gw.app.store.getUserByUsername('reviewer3')).toBeNull()

    // the asker can't approve it
    const own = await api('POST', `/approvals/${asked.body.pending.id}/approve`)
    expect(own.status).toBe(403)
    expect(own.body.error.message).toBe('You asked for this change; another administrator must approve it.')
    expect(await gw.app.store.getUserByUsername('reviewer3')).toBeNull()

    // the second administrator sees it with who asked and why, and approves
    const listed = await api('GET', '/approvals', undefined, admin2)
    expect(listed.body).toHaveLength(1)
    expect(listed.body[0]).toMatchObject({ id: asked.body.pending.id, mayApprove: true, mayWithdraw: false })
    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(approved.body.change).toMatchObject({ state: 'approved', decidedBy: { username: 'admin2' } })
    // the approver gets part 2 of the link; part 1 went to the asker when they asked
    expect(asked.body.enrolmentHalf).toMatchObject({ username: 'reviewer3', part: 1, expiresAt: null })
    expect(approved.body.enrolment).toMatchObject({ username: 'reviewer3', part: 2 })
    expect(approved.body.enrolment.half).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(approved.body.enrolment.page).toMatch(/^http:\/\/localhost(:\d+)?\/enrol$/)
    const created = (await gw.app.store.getUserByUsername('reviewer3'))!
    expect(created.roles).toEqual(['reviewer'])
    expect(created.enrolledAt).toBeNull()

    const trail = await auditSince(before)
    expect(trail.map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'user.create:denied',
      'approval.request:success',
      'approval.approve:denied',
      'approval.approve:success',
      'user.create:success'
    ])
    const admin2Id = await userId('admin2')
    expect(trail[3]).toMatchObject({ actor: admin2Id, details: { requestedBy: await adminId(), approvedBy: admin2Id } })
    expect(trail[4]).toMatchObject({
      actor: admin2Id,
      target: created.id,
      details: { username: 'reviewer3', approval: { requestedBy: await adminId(), approvedBy: admin2Id } }
    })
  })

  it('is an administrator only with a second one: the admin role asked at creation waits too', async () => {
    const asked = await api('POST', '/users', {
      username: 'ops2',
      displayName: 'Ops',
      roles: ['admin'],
      organizationId: null,
      reason: 'night shift'
    })
    expect(asked.status).toBe(202)
    expect(await gw.app.store.getUserByUsername('ops2')).toBeNull()
  })

  it("a researcher's account needs no second administrator, and comes with a link, not secrets", async () => {
    const orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId
    const created = await api('POST', '/users', {
      username: 'researcher9',
      displayName: 'Ito Mei',
      roles: ['researcher'],
      organizationId: orgId
    })
    expect(created.status).toBe(201)
    expect(Object.keys(created.body).sort()).toEqual(['enrolment', 'user'])
    expect(created.body.user).toMatchObject({ username: 'researcher9', enrolledAt: null })
    expect(created.body.enrolment.url).toMatch(/\/enrol#/)
  })
})

describe('granting or removing the reviewer or administrator role', () => {
  it('waits for a second administrator; a refusal changes nothing and says why', async () => {
    const reviewer1 = await userId('reviewer1')
    const asked = await api('PATCH', `/users/${reviewer1}`, { roles: ['admin'], reason: 'team lead' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending).toMatchObject({
      kind: 'user.update',
      change: {
        username: 'reviewer1',
        granted: ['admin'],
        removed: ['reviewer'],
        roles: { from: ['reviewer'], to: ['admin'] }
      }
    })
    expect(asked.body.pending.summary).toBe('Grant administrator and remove reviewer: reviewer1')
    expect((await gw.app.store.getUserById(reviewer1))!.roles).toEqual(['reviewer'])
    // the users list shows the change waiting
    const row = (await api('GET', '/users')).body.find((u: { id: string }) => u.id === reviewer1)
    expect(row.pendingChange).toEqual({ id: asked.body.pending.id, kind: 'user.update' })
    // one request at a time for an account
    const orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId
    const again = await api('PATCH', `/users/${reviewer1}`, { organizationId: orgId, reason: 'x' })
    expect(again.status).toBe(409)
    expect(again.body.error.message).toMatch(/is waiting for a second administrator already/)

    // the asker can't refuse their own request either; the other administrator refuses, with a reason
    expect((await api('POST', `/approvals/${asked.body.pending.id}/refuse`, { reason: 'no' })).status).toBe(403)
    const before = await headSeq()
    const refused = await api(
      'POST',
      `/approvals/${asked.body.pending.id}/refuse`,
      { reason: 'ask the board first' },
      admin2
    )
    expect(refused.status).toBe(200)
    expect(refused.body).toMatchObject({ state: 'refused', decisionReason: 'ask the board first', mayApprove: false })
    expect((await gw.app.store.getUserById(reviewer1))!.roles).toEqual(['reviewer'])
    const trail = await auditSince(before)
    expect(trail.map((r) => `${r.action}:${r.outcome}`)).toEqual(['approval.refuse:success'])
    expect(trail[0]!.details).toMatchObject({ reason: 'ask the board first', requestedBy: await adminId() })
    // decided: it can't be approved afterwards
    const late = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(late.status).toBe(409)
    expect((await gw.app.store.getUserById(reviewer1))!.roles).toEqual(['reviewer'])
  })

  it('removing the role waits as granting does, and the approval carries out the edit as asked', async () => {
    const reviewer2 = await userId('reviewer2')
    const asked = await api('PATCH', `/users/${reviewer2}`, {
      roles: ['reviewer'],
      displayName: 'Tanaka Ren (leaving)',
      reason: 'noop'
    })
    // no privileged role moves: made at once
    expect(asked.status).toBe(200)
    const removal = await api('PATCH', `/users/${reviewer2}`, {
      roles: ['researcher'],
      organizationId: (await gw.app.store.getUserByUsername('researcher1'))!.organizationId,
      reason: 'moves to research'
    })
    expect(removal.status).toBe(202)
    expect(removal.body.pending.change).toMatchObject({ granted: [], removed: ['reviewer'] })
    expect((await gw.app.store.getUserById(reviewer2))!.roles).toEqual(['reviewer'])
    const approved = await api('POST', `/approvals/${removal.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(approved.body.enrolment).toBeNull()
    expect((await gw.app.store.getUserById(reviewer2))!.roles).toEqual(['researcher'])
  })

  it('is refused at approval when the account changed meanwhile, with the reason', async () => {
    const reviewer1 = await userId('reviewer1')
    const asked = await api('PATCH', `/users/${reviewer1}`, { roles: ['admin'], reason: 'team lead' })
    expect((await api('PATCH', `/users/${reviewer1}`, { displayName: 'Someone else' })).status).toBe(200)
    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(409)
    expect(approved.body.error.message).toBe(
      "This change no longer applies (reviewer1's display name changed since), so it was refused; ask again if it is still needed."
    )
    expect((await gw.app.store.getUserById(reviewer1))!.roles).toEqual(['reviewer'])
    const closed = (await gw.app.store.approvals.get(asked.body.pending.id))!
    expect(closed).toMatchObject({
      state: 'refused',
      decisionReason: "no longer applies: reviewer1's display name changed since"
    })
  })

  it('tells the approver when the asker issued the link the account enrolled with', async () => {
    const orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId
    const created = await api('POST', '/users', {
      username: 'researcher9',
      displayName: 'Ito Mei',
      roles: ['researcher'],
      organizationId: orgId
    })
    const token = created.body.enrolment.url.split('#')[1]
    const opened = await gw.app.inject({ method: 'POST', url: '/api/v1/enrolment/open', payload: { token } })
    const { totpCode } = await import('../../server/src/auth/totp.js')
    const done = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/enrolment/complete',
      payload: { token, password: 'whoever holds the link', totp: totpCode(opened.json().totpSecret, gw.clock.now()) }
    })
    expect(done.statusCode).toBe(200)
    const asked = await api('PATCH', `/users/${created.body.user.id}`, {
      roles: ['researcher', 'reviewer'],
      reason: 'new checker'
    })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.enrolledThrough).toMatchObject({ issuedBy: await adminId(), byAsker: true })
  })

  it('the asker withdraws their request; nobody else can', async () => {
    const asked = await api('PATCH', `/users/${await userId('reviewer1')}`, {
      roles: ['admin'],
      reason: 'x'
    })
    expect((await api('POST', `/approvals/${asked.body.pending.id}/withdraw`, undefined, admin2)).status).toBe(403)
    const withdrawn = await api('POST', `/approvals/${asked.body.pending.id}/withdraw`)
    expect(withdrawn.status).toBe(200)
    expect(withdrawn.body.state).toBe('withdrawn')
    expect((await api('GET', '/approvals', undefined, admin2)).body).toEqual([])
    expect((await api('GET', '/approvals?state=all', undefined, admin2)).body).toHaveLength(1)
  })
})

describe("resetting a reviewer's or administrator's credentials", () => {
  it('waits for a second administrator, who receives the link; the reset ends their sign-ins at once', async () => {
    const reviewer1 = await userId('reviewer1')
    const signedIn = await gw.login('reviewer1')
    const asked = await api('POST', `/users/${reviewer1}/credentials`, { reason: 'lost their phone' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.summary).toBe('Reset the credentials of reviewer1 (reviewer)')
    // nothing happened yet: still signed in, still enrolled
    const me = () =>
      gw.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${signedIn.accessToken}` } })
    expect((await me()).statusCode).toBe(200)
    expect((await gw.app.store.getUserById(reviewer1))!.enrolledAt).not.toBeNull()

    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(approved.body.enrolment).toMatchObject({ username: 'reviewer1' })
    expect((await me()).statusCode).toBe(401)
    expect((await gw.app.store.getUserById(reviewer1))!.enrolledAt).toBeNull()
    await expect(gw.login('reviewer1')).rejects.toThrow(/401/)
  })

  it("a researcher's reset needs no second administrator; the link goes to the one who reset it", async () => {
    const res = await api('POST', `/users/${await userId('researcher1')}/credentials`)
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['enrolment', 'user'])
  })
})

describe('a policy change that weakens the airlock', () => {
  const save = (
    p: Record<string, any>,
    edit: (airlock: Record<string, unknown>) => void,
    comment?: string,
    token = admin
  ) => {
    const next = structuredClone(p.policy)
    edit(next.airlock)
    return api(
      'PUT',
      '/policies/default',
      { policy: next, baseVersion: p.version, ...(comment ? { comment } : {}) },
      token
    )
  }

  it('lowering the reviewer count waits for a second administrator, and is then in force with both named', async () => {
    const p = await policy()
    const noReason = await save(p, (a) => (a.reviewers = 1))
    expect(noReason.status).toBe(400)
    const asked = await save(p, (a) => (a.reviewers = 1), 'a pilot with one checker')
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.weakenings).toEqual([{ key: 'reviewers', from: 2, to: 1 }])
    expect(asked.body.pending.summary).toBe('Policy default from version 1: reviewers 2 → 1')
    expect(gw.app.policy().airlock.reviewers).toBe(2)
    expect((await gw.app.policies.versions('default')).length).toBe(1)

    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(gw.app.policy().airlock.reviewers).toBe(1)
    const versions = await gw.app.policies.versions('default')
    expect(versions[0]).toMatchObject({ version: 2, author: await adminId(), comment: 'a pilot with one checker' })
    const record = (await gw.app.store.recentAudit(1))[0]!
    expect(record).toMatchObject({
      action: 'policy.update',
      actor: await userId('admin2'),
      details: { version: 2, approval: { requestedBy: await adminId(), approvedBy: await userId('admin2') } }
    })
  })

  it('allowing exceptions waits too, whichever way: a rule added, the organization rule off, partial release on', async () => {
    const p = await policy()
    const threshold = await save(p, (a) => (a.exceptionRules = ['threshold', 'dominance']), 'NDB waiver')
    expect(threshold.status).toBe(202)
    expect(threshold.body.pending.change.weakenings.map((w: { key: string }) => w.key)).toEqual(['exceptionRules'])
    expect((await api('POST', `/approvals/${threshold.body.pending.id}/withdraw`)).status).toBe(200)
    const org = await save(
      p,
      (a) => {
        a.excludeRequesterOrganization = false
        a.partialRelease = true
      },
      'small institute'
    )
    expect(org.status).toBe(202)
    expect(org.body.pending.change.weakenings.map((w: { key: string }) => w.key)).toEqual([
      'excludeRequesterOrganization',
      'partialRelease'
    ])
    expect(gw.app.policy().airlock.excludeRequesterOrganization).toBe(true)
    // a change that weakens nothing is saved at once
    expect((await save(p, (a) => (a.reviewers = 3))).status).toBe(200)
  })

  it('is refused at approval when the policy moved on since it was asked', async () => {
    const p = await policy()
    const asked = await save(p, (a) => (a.reviewers = 1), 'pilot')
    const raised = structuredClone(p.policy)
    raised.sandbox.cpus = 2
    expect((await api('PUT', '/policies/default', { policy: raised, baseVersion: 1 }, admin2)).status).toBe(200)
    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(409)
    expect(approved.body.error.message).toMatch(/the policy default moved from version 1 to 2 since/)
    expect(gw.app.policy().airlock.reviewers).toBe(2)
    expect((await gw.app.store.approvals.get(asked.body.pending.id))!.state).toBe('refused')
  })

  it('moving a project to a policy that allows more exceptions waits for a second administrator', async () => {
    const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    const asked = await api('PUT', `/policy-assignments/${projectId}`, { policy: 'acro-default', reason: 'ACRO rules' })
    expect(asked.status).toBe(202)
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    expect(gw.app.policies.policyNameFor(projectId)).toBe('acro-default')
    // back to default is weaker too: ndb-japan lets a zero count pass, which acro-default does not
    const back = await api('PUT', `/policy-assignments/${projectId}`, { policy: null, reason: 'pilot over' })
    expect(back.status).toBe(202)
    expect(back.body.pending.change.weakenings).toEqual([{ key: 'zerosDisclosive', from: true, to: false }])
    expect(gw.app.policies.policyNameFor(projectId)).toBe('acro-default')
  })

  it('relaxing a disclosure rule or a cap waits too: a lower threshold, looser dominance, a larger preview volume', async () => {
    const p = await policy()
    const seq = await headSeq()
    const asked = await save(
      p,
      (a) => {
        a.threshold = 5
        a.dominance = { n: 2, k: 0.95 }
        a.previewMiBPerReviewerPerDay = 1024
      },
      'a larger cohort study'
    )
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.weakenings).toEqual([
      { key: 'threshold', from: 10, to: 5 },
      { key: 'dominance.k', from: 0.9, to: 0.95 },
      { key: 'previewMiBPerReviewerPerDay', from: 64, to: 1024 }
    ])
    expect(asked.body.pending.summary).toBe(
      'Policy default from version 1: threshold 10 → 5; dominance.k 0.9 → 0.95; previewMiBPerReviewerPerDay 64 → 1024'
    )
    // nothing is in force until a second administrator approves; the request is audited
    expect(gw.app.policy().airlock.threshold).toBe(10)
    expect((await gw.app.policies.versions('default')).length).toBe(1)
    expect((await auditSince(seq)).map((r) => r.action)).toContain('approval.request')
    expect((await api('POST', `/approvals/${asked.body.pending.id}/withdraw`)).status).toBe(200)
    // one relaxation among tightenings still waits
    const held = await save(
      p,
      (a) => {
        a.reviewers = 3
        a.exportTypes = ['csv', 'parquet']
      },
      'parquet for the registry'
    )
    expect(held.status).toBe(202)
    expect(held.body.pending.change.weakenings).toEqual([
      { key: 'exportTypes', from: p.policy.airlock.exportTypes, to: ['csv', 'parquet'] }
    ])
    expect((await api('POST', `/approvals/${held.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    expect(gw.app.policy().airlock.exportTypes).toEqual(['csv', 'parquet'])
  })

  it('moving a project to a policy with larger caps waits for a second administrator; the way back is at once', async () => {
    const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    const p = await policy()
    const wider = structuredClone(p.policy)
    wider.name = 'wide-preview'
    wider.airlock.previewMiBPerReviewerPerDay = 256
    // a new policy is weighed against the default in force: made, it waits too
    const made = await api('PUT', '/policies/wide-preview', { policy: wider, baseVersion: 0, comment: 'image-heavy' })
    expect(made.status).toBe(202)
    expect((await api('POST', `/approvals/${made.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)

    const asked = await api('PUT', `/policy-assignments/${projectId}`, { policy: 'wide-preview', reason: 'figures' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.weakenings).toEqual([{ key: 'previewMiBPerReviewerPerDay', from: 64, to: 256 }])
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
    expect(gw.app.policyFor(projectId).airlock.previewMiBPerReviewerPerDay).toBe(64)
    // the asker cannot approve it themselves
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`)).status).toBe(403)
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    expect(gw.app.policies.policyNameFor(projectId)).toBe('wide-preview')
    // back to a stricter one: at once
    expect((await api('PUT', `/policy-assignments/${projectId}`, { policy: null })).status).toBe(200)
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
  })
})
