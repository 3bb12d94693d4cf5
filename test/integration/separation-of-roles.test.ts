import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { editUser, planUserEdit, resetCredentials } from '../../server/src/identity/users.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

/**
 * An administrator never also works in the data or reviews what leaves it: the administrator role
 * holds no other, and is no project member. Moving a reviewer or administrator to another
 * organization (which decides whose requests a reviewer may vote on) waits for a second
 * administrator, and what one administrator makes alone is refused if the account changed since
 * it was checked. Real SQLite, the real app, through HTTP.
 */

let gw: TestGateway
let admin: string
let admin2: string
let orgId: string
let projectId: string

beforeEach(async () => {
  gw = await testGateway()
  admin = (await gw.login('admin')).accessToken
  admin2 = (await gw.login('admin2')).accessToken
  orgId = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId!
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
})
afterEach(async () => {
  await gw.close()
})

async function api(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown, token = admin) {
  const res = await gw.app.inject({
    method,
    url: `/api/v1/admin${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {})
  })
  return { status: res.statusCode, body: res.json() as Record<string, any> }
}

const user = async (username: string) => (await gw.app.store.getUserByUsername(username))!
const headSeq = async () => (await gw.app.store.recentAudit(1))[0]!.seq
const auditSince = async (seq: number) => (await gw.app.store.recentAudit(200)).filter((r) => r.seq > seq).reverse()
const pending = () => gw.app.store.approvals.list({ states: ['pending'], limit: 10 })

describe('an administrator holds no other role', () => {
  it('can’t make themselves a researcher and join a project: each step refused, audited, nothing changed', async () => {
    const self = await user('admin')
    const before = await headSeq()
    const researcher = await api('PATCH', `/users/${self.id}`, {
      roles: ['admin', 'researcher'],
      organizationId: orgId
    })
    expect(researcher.status).toBe(409)
    expect(researcher.body.error.message).toBe(
      "An administrator can't also be a researcher: whoever administers the platform neither works in the data nor reviews what leaves it (use a separate account for that work)."
    )
    const member = await api('PUT', `/projects/${projectId}/members/${self.id}`)
    expect(member.status).toBe(409)
    expect(member.body.error.message).toBe(
      'Admin is an administrator: an administrator is never a project member, or they could admit themselves to its data.'
    )
    const trail = await auditSince(before)
    expect(trail.map((r) => `${r.action}:${r.outcome}`)).toEqual(['user.update:denied', 'project.member_add:denied'])
    expect(trail[0]).toMatchObject({ actor: self.id, target: self.id })
    expect(String(trail[0]!.details.reason)).toMatch(/can't also be a researcher/)
    expect(await user('admin')).toMatchObject({ roles: ['admin'], organizationId: null })
    expect(await gw.app.store.isProjectMember(projectId, self.id)).toBe(false)
    expect(await pending()).toEqual([])
  })

  it('an account that holds both from before the rule is still no project member', async () => {
    const self = await user('admin')
    // written straight to the store, as an older version could have
    await gw.app.store.updateUser(
      self.id,
      { roles: ['admin', 'researcher'], organizationId: orgId },
      { actor: 'test', sourceIp: null, action: 'user.update', target: self.id, outcome: 'success', details: {} }
    )
    const member = await api('PUT', `/projects/${projectId}/members/${self.id}`)
    expect(member.status).toBe(409)
    expect(member.body.error.message).toMatch(/is an administrator: an administrator is never a project member/)
    expect(await gw.app.store.isProjectMember(projectId, self.id)).toBe(false)
  })

  it('is refused at creation and at every edit that would combine them, before anything is asked', async () => {
    const before = await headSeq()
    const account = (username: string, roles: string[], organizationId: string | null) =>
      api('POST', '/users', { username, displayName: 'Ops', roles, organizationId, reason: 'x' })
    const edit = async (username: string, roles: string[]) =>
      api('PATCH', `/users/${(await user(username)).id}`, { roles, reason: 'x' })
    for (const attempt of [
      () => account('ops3', ['admin', 'reviewer'], null),
      () => account('ops4', ['researcher', 'admin'], orgId),
      () => edit('researcher1', ['researcher', 'admin']),
      () => edit('reviewer1', ['reviewer', 'admin']),
      () => edit('admin2', ['admin', 'reviewer'])
    ]) {
      const refused = await attempt()
      expect(refused.status).toBe(409)
      expect(refused.body.error.message).toMatch(/^An administrator can't also be a (reviewer|researcher):/)
    }
    expect((await auditSince(before)).map((r) => r.outcome)).toEqual(Array(5).fill('denied'))
    expect(await pending()).toEqual([])
    expect(await gw.app.store.getUserByUsername('ops3')).toBeNull()
    expect((await user('reviewer1')).roles).toEqual(['reviewer'])
    // a researcher who also reviews stays allowed (the airlock's independence rules cover them)
    const both = await api('PATCH', `/users/${(await user('researcher1')).id}`, {
      roles: ['researcher', 'reviewer'],
      reason: 'also checks outputs of other projects'
    })
    expect(both.status).toBe(202)
  })
})

describe("a reviewer's or administrator's organization", () => {
  it('changes only with a second administrator, who finds the account as it was asked about', async () => {
    const reviewer1 = await user('reviewer1')
    const noReason = await api('PATCH', `/users/${reviewer1.id}`, { organizationId: orgId })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.message).toMatch(/needs a second administrator's approval: give a reason/)
    const asked = await api('PATCH', `/users/${reviewer1.id}`, { organizationId: orgId, reason: 'joins the unit' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.summary).toBe('Move to Kanto University Hospital Research Unit: reviewer1')
    expect(asked.body.enrolmentHalf).toBeUndefined()
    expect((await user('reviewer1')).organizationId).toBeNull()
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`)).status).toBe(403)
    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(approved.body.enrolment).toBeNull()
    expect((await user('reviewer1')).organizationId).toBe(orgId)
    const record = (await gw.app.store.recentAudit(1))[0]!
    expect(record).toMatchObject({
      action: 'user.update',
      details: { organization: { from: null, to: orgId }, approval: { approvedBy: (await user('admin2')).id } }
    })

    // an administrator's too
    const moving = await api('PATCH', `/users/${(await user('admin2')).id}`, { organizationId: orgId, reason: 'x' })
    expect(moving.status).toBe(202)
    expect((await user('admin2')).organizationId).toBeNull()
    // one whose account changed meanwhile is refused at approval, with the reason
    const reviewer2 = await user('reviewer2')
    const asked2 = await api('PATCH', `/users/${reviewer2.id}`, { organizationId: orgId, reason: 'joins the unit' })
    expect((await api('PATCH', `/users/${reviewer2.id}`, { displayName: 'Tanaka Ren (QA)' })).status).toBe(200)
    const stale = await api('POST', `/approvals/${asked2.body.pending.id}/approve`, undefined, admin2)
    expect(stale.status).toBe(409)
    expect(stale.body.error.message).toBe(
      "This change no longer applies (reviewer2's display name changed since), so it was refused; ask again if it is still needed."
    )
    expect((await user('reviewer2')).organizationId).toBeNull()
  })

  it("a researcher's organization still changes at once", async () => {
    const other = await api('POST', '/organizations', {
      name: 'Second institute',
      certification: { number: 'T2-0777', validFrom: '2020-01-01', validTo: '2099-12-31' }
    })
    const res = await api('PATCH', `/users/${(await user('researcher2')).id}`, { organizationId: other.body.id })
    expect(res.status).toBe(200)
    expect((await user('researcher2')).organizationId).toBe(other.body.id)
  })
})

describe('what one administrator does alone', () => {
  it('is refused if the account changed after it was checked: a role granted meanwhile', async () => {
    const researcher1 = await user('researcher1')
    const admin2Id = (await user('admin2')).id
    const by = { actor: admin2Id, sourceIp: null, userId: admin2Id }
    const other = await api('POST', '/organizations', {
      name: 'Second institute',
      certification: { number: 'T2-0777', validFrom: '2020-01-01', validTo: '2099-12-31' }
    })
    // admin2 checks a move of a researcher, and a reset, as one administrator may make them
    const plan = (await planUserEdit(gw.app.store, researcher1.id, { organizationId: other.body.id }, by))!
    // meanwhile the researcher becomes a reviewer, with two administrators
    const asked = await api('PATCH', `/users/${researcher1.id}`, { roles: ['researcher', 'reviewer'], reason: 'x' })
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    const granted = await user('researcher1')

    const before = await headSeq()
    await expect(editUser(gw.app.store, plan, by)).rejects.toThrow(
      "researcher1's account changed meanwhile; look at it again, then retry"
    )
    await expect(
      resetCredentials(gw.app.store, researcher1, by, { at: gw.clock.now(), baseUrl: 'http://localhost' })
    ).rejects.toThrow(/changed meanwhile/)
    // the reviewer's reset needs two administrators whoever asks it this way
    await expect(
      resetCredentials(gw.app.store, granted, by, { at: gw.clock.now(), baseUrl: 'http://localhost' })
    ).rejects.toThrow("resetting researcher1's credentials needs a second administrator's approval")
    expect(await auditSince(before)).toEqual([])
    expect(await user('researcher1')).toEqual(granted)
  })

  it('may suspend another administrator (it grants nothing), audited with who and why', async () => {
    const target = await user('admin2')
    const before = await headSeq()
    const res = await api('POST', `/users/${target.id}/suspend`, { reason: 'left the team' })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('suspended')
    expect(await auditSince(before)).toMatchObject([
      {
        action: 'user.suspend',
        actor: (await user('admin')).id,
        target: target.id,
        outcome: 'success',
        details: { username: 'admin2', roles: ['admin'], reason: 'left the team' }
      }
    ])
  })
})
