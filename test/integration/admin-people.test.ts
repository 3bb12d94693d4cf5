import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { DEMO_DATASET, DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { projectWorkspaces, workspaceSnapshot } from '../../server/src/sessions/workspace.js'
import { FakeDriver } from '../support/fake-driver.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { attachTestDataset } from '../support/datasets.js'

let driver: FakeDriver
let gw: TestGateway
let admin: string
let projectId: string

const DAY = 24 * 3_600_000

beforeEach(async () => {
  driver = new FakeDriver()
  gw = await testGateway({}, {}, { sessions: { driver, reapIntervalMs: 3_600_000 } })
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  await attachTestDataset(gw.app, gw.dataDir, DEMO_DATASET, 'not really duckdb')
  admin = (await gw.login('admin')).accessToken
})
afterEach(async () => {
  await gw.close()
  driver.dispose()
})

async function api(method: string, url: string, payload?: unknown, token = admin) {
  const res = await gw.app.inject({
    method: method as 'GET',
    url: `/api/v1/admin${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {})
  })
  return { status: res.statusCode, body: res.json() as Record<string, any>, headers: res.headers }
}

async function runningSession(username = 'researcher1') {
  const { accessToken } = await gw.login(username)
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    headers: { authorization: `Bearer ${accessToken}` },
    payload: { projectId }
  })
  expect(res.statusCode).toBe(201)
  await gw.app.sessions.settle()
  expect((await gw.app.store.getSandboxSession(res.json().id))!.state).toBe('running')
  return { id: res.json().id as string, token: accessToken }
}

/** Enrols through a link as its person would; the authenticator secret they were shown. */
async function enrolThrough(url: string, password: string): Promise<string> {
  const token = url.slice(url.indexOf('#') + 1)
  const opened = await gw.app.inject({ method: 'POST', url: '/api/v1/enrolment/open', payload: { token } })
  const secret = opened.json().totpSecret as string
  const done = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/enrolment/complete',
    payload: { token, password, totp: totpCode(secret, gw.clock.now()) }
  })
  expect(done.statusCode).toBe(200)
  return secret
}

const orgOf = async (username: string) => (await gw.app.store.getUserByUsername(username))!.organizationId!
const userId = async (username: string) => (await gw.app.store.getUserByUsername(username))!.id

/** Every audit record since `seq`, oldest first. */
const auditSince = async (seq: number) => (await gw.app.store.recentAudit(200)).filter((r) => r.seq > seq).reverse()
const headSeq = async () => (await gw.app.store.recentAudit(1))[0]!.seq

describe('the administration API', () => {
  it('is for administrators only, and says so', async () => {
    const { accessToken } = await gw.login('researcher1')
    const res = await api('GET', '/users', undefined, accessToken)
    expect(res.status).toBe(403)
    expect(res.body.error.message).toMatch(/admin role/)
  })

  it('creates an organization with its certification and refuses a duplicate or bad dates, writing nothing', async () => {
    const created = await api('POST', '/organizations', {
      name: 'Osaka Clinical Data Lab',
      certification: { number: 'T2-0100', validFrom: '2025-01-01', validTo: '2030-12-31' }
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'Osaka Clinical Data Lab', status: 'active', members: 0 })
    expect(created.body.certification).toMatchObject({ number: 'T2-0100', state: 'valid' })

    const before = await headSeq()
    const dup = await api('POST', '/organizations', {
      name: 'Another Lab',
      certification: { number: 'T2-0100', validFrom: '2025-01-01', validTo: '2030-12-31' }
    })
    expect(dup.status).toBe(400)
    expect(dup.body.error.message).toBe('The certification T2-0100 is held by Osaka Clinical Data Lab.')
    const backwards = await api('POST', '/organizations', {
      name: 'Another Lab',
      certification: { number: 'T2-0101', validFrom: '2030-01-01', validTo: '2025-12-31' }
    })
    expect(backwards.status).toBe(400)
    expect(backwards.body.error.message).toBe('Valid-from must not be after valid-to.')
    const impossible = await api('POST', '/organizations', {
      name: 'Another Lab',
      certification: { number: 'T2-0101', validFrom: '2025-02-30', validTo: '2030-12-31' }
    })
    expect(impossible.status).toBe(400)
    const unknownField = await api('POST', '/organizations', { name: 'X Lab', certification: {}, extra: 1 })
    expect(unknownField.status).toBe(400)
    expect(await gw.app.store.getOrganizationByName('Another Lab')).toBeNull()
    // the refusals by rule are audited as denied (the schema turns malformed bodies away before
    // any rule is asked); nothing else was written
    const trail = await auditSince(before)
    expect(trail.map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'organization.create:denied',
      'organization.create:denied'
    ])
    expect(trail[0]!.details.reason).toBe('the certification T2-0100 is held by Osaka Clinical Data Lab')
  })

  it('creates a user with an enrolment link, never a password or TOTP secret; the person enrols and signs in', async () => {
    const orgId = await orgOf('researcher1')
    const res = await api('POST', '/users', {
      username: 'researcher9',
      displayName: 'Ito Mei',
      roles: ['researcher'],
      organizationId: orgId
    })
    expect(res.status).toBe(201)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body.user).toMatchObject({ username: 'researcher9', status: 'active', organization: { id: orgId } })
    expect(Object.keys(res.body).sort()).toEqual(['enrolment', 'user'])
    const secret = await enrolThrough(res.body.enrolment.url, 'a passphrase of my own')
    gw.clock.advance(30_000)
    const login = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'researcher9', password: 'a passphrase of my own', totp: totpCode(secret, gw.clock.now()) }
    })
    expect(login.statusCode).toBe(200)
    // no link reaches the audit
    const record = (await gw.app.store.recentAudit(50)).find((r) => r.action === 'user.create')!
    expect(JSON.stringify(record)).not.toContain(res.body.enrolment.url.split('#')[1])
  })

  it('refuses a researcher without an organization, a taken username and unknown roles', async () => {
    const noOrg = await api('POST', '/users', {
      username: 'lonely',
      displayName: 'No Org',
      roles: ['researcher'],
      organizationId: null
    })
    expect(noOrg.status).toBe(400)
    expect(noOrg.body.error.message).toMatch(/a researcher must belong to an organization/i)
    const taken = await api('POST', '/users', {
      username: 'researcher1',
      displayName: 'Again',
      roles: ['reviewer'],
      organizationId: null
    })
    expect(taken.status).toBe(400)
    expect(taken.body.error.message).toBe('The username researcher1 is taken.')
    const badRole = await api('POST', '/users', {
      username: 'x1',
      displayName: 'X',
      roles: ['superuser'],
      organizationId: null
    })
    expect(badRole.status).toBe(400)
    expect(await gw.app.store.getUserByUsername('lonely')).toBeNull()
  })

  it('edits an account, and refuses to leave the platform without an administrator', async () => {
    const renamed = await api('PATCH', `/users/${await userId('reviewer1')}`, { displayName: 'Takahashi Yui (QA)' })
    expect(renamed.status).toBe(200)
    expect(renamed.body).toMatchObject({ displayName: 'Takahashi Yui (QA)', roles: ['reviewer'] })
    // the administrator role needs a second administrator (separation-of-duties.test.ts), and holds no other
    const asked = await api('PATCH', `/users/${await userId('reviewer1')}`, {
      roles: ['admin'],
      reason: 'lead reviewer'
    })
    expect(asked.status).toBe(202)
    const admin2 = (await gw.login('admin2')).accessToken
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    const record = (await gw.app.store.recentAudit(5)).find((r) => r.action === 'user.update')!
    expect(record.details.roles).toEqual({ from: ['reviewer'], to: ['admin'] })

    const self = await api('PATCH', `/users/${await userId('admin')}`, { roles: ['reviewer'] })
    expect(self.status).toBe(409)
    expect(self.body.error.message).toBe('You cannot remove your own administrator role.')
    const suspendSelf = await api('POST', `/users/${await userId('admin')}/suspend`, {})
    expect(suspendSelf.status).toBe(409)
    // reviewer1 is an administrator now; taking that away is allowed while others remain (with a second one)
    const back = await api('PATCH', `/users/${await userId('reviewer1')}`, { roles: ['reviewer'], reason: 'back' })
    expect(back.status).toBe(202)
    const stillMember = await api('PATCH', `/users/${await userId('researcher1')}`, { roles: ['reviewer'] })
    expect(stillMember.status).toBe(409)
    expect(stillMember.body.error.message).toMatch(/member of Diabetes care pathways/)
  })

  it('resets credentials: old sign-ins end, the link lets the person set new ones', async () => {
    const old = await gw.login('researcher1')
    const res = await api('POST', `/users/${await userId('researcher1')}/credentials`)
    expect(res.status).toBe(200)
    const me = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${old.accessToken}` }
    })
    expect(me.statusCode).toBe(401)
    expect(me.json().error.message).toMatch(/credentials reset/)
    const secret = await enrolThrough(res.body.enrolment.url, 'my fresh passphrase')
    gw.clock.advance(30_000)
    const login = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'researcher1', password: 'my fresh passphrase', totp: totpCode(secret, gw.clock.now()) }
    })
    expect(login.statusCode).toBe(200)
  })

  it('edits a project: dates are checked, a title must stay unique, and a backwards range is refused', async () => {
    const bad = await api('PATCH', `/projects/${projectId}`, { startDate: '2099-01-01' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toBe('The start date must not be after the end date.')
    const created = await api('POST', '/projects', {
      title: 'Second project',
      purpose: 'p',
      approvalReference: 'IRB-2',
      startDate: '2026-01-01',
      endDate: '2026-12-31'
    })
    expect(created.status).toBe(201)
    const clash = await api('PATCH', `/projects/${created.body.id}`, { title: DEMO_PROJECT })
    expect(clash.status).toBe(409)
    const ok = await api('PATCH', `/projects/${created.body.id}`, {
      purpose: 'Cohort description',
      endDate: '2027-03-31'
    })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ purpose: 'Cohort description', endDate: '2027-03-31' })
    const record = (await gw.app.store.recentAudit(5)).find((r) => r.action === 'project.update')!
    expect(record.details.endDate).toEqual({ from: '2026-12-31', to: '2027-03-31' })
  })

  it('adds and removes members, grants datasets to one project only, and refuses non-researchers', async () => {
    const created = await api('POST', '/projects', {
      title: 'Second project',
      purpose: 'p',
      approvalReference: 'IRB-2',
      startDate: '2026-01-01',
      endDate: '2030-12-31'
    })
    const second = created.body.id as string
    const add = await api('PUT', `/projects/${second}/members/${await userId('researcher1')}`)
    expect(add.status).toBe(200)
    expect(add.body.members.map((m: { username: string }) => m.username)).toEqual(['researcher1'])
    expect((await api('PUT', `/projects/${second}/members/${await userId('researcher1')}`)).status).toBe(409)
    const reviewer = await api('PUT', `/projects/${second}/members/${await userId('reviewer1')}`)
    expect(reviewer.status).toBe(400)
    expect(reviewer.body.error.message).toMatch(/only researchers are project members/)
    const dataset = (await gw.app.store.getDatasetByName(DEMO_DATASET))!
    const grant = await api('PUT', `/projects/${second}/datasets/${dataset.id}`)
    expect(grant.status).toBe(409)
    expect(grant.body.error.message).toMatch(/granted to the project "Diabetes care pathways/)
    const removed = await api('DELETE', `/projects/${second}/members/${await userId('researcher1')}`)
    expect(removed.status).toBe(200)
    expect(removed.body.members).toEqual([])
    const missing = await api('PUT', `/projects/${second}/members/00000000-0000-4000-8000-000000000000`)
    expect(missing.status).toBe(404)

    // nor through a new project, which would otherwise see another project's pseudonyms
    const before = (await gw.app.store.listProjects()).length
    const third = await api('POST', '/projects', {
      title: 'Third project',
      purpose: 'p',
      approvalReference: 'IRB-3',
      startDate: '2026-01-01',
      endDate: '2030-12-31',
      datasets: [DEMO_DATASET]
    })
    expect(third.status).toBe(400)
    expect(third.body.error.message).toMatch(/granted to the project "Diabetes care pathways/)
    expect((await gw.app.store.listProjects()).length).toBe(before)
    // and the store itself holds it, whatever path or race reaches it
    await expect(
      gw.app.store.setProjectDataset(second, dataset.id, true, {
        actor: 'test',
        action: 'project.dataset_grant',
        sourceIp: null,
        target: second,
        outcome: 'success'
      })
    ).rejects.toThrow(/UNIQUE/)
    expect((await gw.app.store.getProject(second))!.datasets).toEqual([])
  })
})

describe('a lapsed right to work ends live sessions at once', () => {
  it('suspending a user ends their session, revokes their sign-ins and records why', async () => {
    const { id, token } = await runningSession()
    const before = await headSeq()
    const res = await api('POST', `/users/${await userId('researcher1')}/suspend`, { reason: 'left the institute' })
    expect(res.status).toBe(200)
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('your account is suspended')
    const trail = await auditSince(before)
    expect(trail.find((r) => r.action === 'user.suspend')!.details.reason).toBe('left the institute')
    expect(trail.find((r) => r.action === 'session.stop')!.details.reason).toBe('your account is suspended')
    const me = await gw.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    expect(me.statusCode).toBe(401)
    // reinstated, they may work again
    expect((await api('POST', `/users/${await userId('researcher1')}/reinstate`, {})).status).toBe(200)
    await runningSession()
  })

  it('suspending an organization ends its members sessions and refuses their sign-in until reinstated', async () => {
    const { id } = await runningSession()
    const org = await orgOf('researcher1')
    const res = await api('POST', `/organizations/${org}/suspend`, { reason: 'audit finding' })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('suspended')
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('Kanto University Hospital Research Unit is suspended')
    const record = (await gw.app.store.recentAudit(20)).find((r) => r.action === 'organization.suspend')!
    expect(record.details.signInsRevokedFor).toEqual(['researcher1'])
    await expect(gw.login('researcher1')).rejects.toThrow(/403.*suspended/)
    // nobody is moved into it while it is suspended: they would keep the sign-ins its members lost
    const reviewer = await userId('reviewer1')
    const move = await api('PATCH', `/users/${reviewer}`, { organizationId: org })
    expect(move.status).toBe(409)
    expect(move.body.error.message).toMatch(/is suspended; reinstate it before moving anyone into it/)
    expect((await gw.app.store.getUserById(reviewer))!.organizationId).toBeNull()
    expect((await api('POST', `/organizations/${org}/suspend`, {})).status).toBe(409)
    expect((await api('POST', `/organizations/${org}/reinstate`, {})).status).toBe(200)
    await runningSession()
  })

  it('a certification suspended or renewed takes effect on live sessions at once', async () => {
    const { id } = await runningSession()
    const org = await orgOf('researcher1')
    const cert = (await gw.app.store.getCertification(org))!
    const res = await api('PUT', `/organizations/${org}/certification`, {
      number: cert.number,
      validFrom: cert.validFrom,
      validTo: cert.validTo,
      status: 'suspended',
      reason: 'certifier notice'
    })
    expect(res.status).toBe(200)
    expect(res.body.certification.state).toBe('suspended')
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe(`certification ${cert.number} is suspended`)
  })

  it('removing a member ends their session in that project', async () => {
    const { id } = await runningSession()
    const res = await api('DELETE', `/projects/${projectId}/members/${await userId('researcher1')}`)
    expect(res.status).toBe(200)
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe(`you are not a member of the project "${DEMO_PROJECT}"`)
  })

  it('revoking a dataset ends the project sessions, whose sandboxes hold a copy', async () => {
    const { id } = await runningSession()
    const dataset = (await gw.app.store.getDatasetByName(DEMO_DATASET))!
    const res = await api('DELETE', `/projects/${projectId}/datasets/${dataset.id}`)
    expect(res.status).toBe(200)
    expect(res.body.datasets).toEqual([])
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe(`the dataset ${DEMO_DATASET} was revoked from the project`)
  })
})

describe('workspace retention', () => {
  /** A second project, ended, with saved workspaces of two researchers and a stray partial copy. */
  async function endedProjectWithWorkspaces(title: string, endDate: string) {
    const res = await api('POST', '/projects', {
      title,
      purpose: 'p',
      approvalReference: 'IRB-9',
      startDate: '2020-01-01',
      endDate
    })
    expect(res.status).toBe(201)
    const id = res.body.id as string
    const files = [
      workspaceSnapshot(gw.dataDir, id, await userId('researcher1')),
      workspaceSnapshot(gw.dataDir, id, await userId('researcher2')),
      `${workspaceSnapshot(gw.dataDir, id, await userId('researcher1'))}.partial-0a1b2c3d`
    ]
    mkdirSync(projectWorkspaces(gw.dataDir, id), { recursive: true })
    files.forEach((f, i) => writeFileSync(f, 'x'.repeat(100 * (i + 1))))
    return { id, files }
  }

  it('deletes exactly the workspaces of a project past its end date plus the retention, recording each file', async () => {
    const today = new Date(gw.clock.t).toISOString().slice(0, 10)
    // ended 40 days ago: past the default 30 days of retention
    const old = await endedProjectWithWorkspaces('Old study', shift(today, -40))
    // ended 10 days ago: kept for 20 days more
    const recent = await endedProjectWithWorkspaces('Recent study', shift(today, -10))
    // the running demo project keeps its workspace
    const current = workspaceSnapshot(gw.dataDir, projectId, await userId('researcher1'))
    mkdirSync(projectWorkspaces(gw.dataDir, projectId), { recursive: true })
    writeFileSync(current, 'y')

    expect(await gw.app.sessions.wipeEndedProjects()).toEqual([old.id])
    for (const f of old.files) expect(existsSync(f)).toBe(false)
    expect(existsSync(projectWorkspaces(gw.dataDir, old.id))).toBe(false)
    for (const f of recent.files) expect(existsSync(f)).toBe(true)
    expect(existsSync(current)).toBe(true)

    const latest = await gw.app.store.recentAudit(20)
    expect(latest[0]!.action).toBe('project.erased')
    const record = latest.find((r) => r.action === 'workspace.wipe')!
    expect(record.action).toBe('workspace.wipe')
    expect(record.target).toBe(old.id)
    expect(record.details).toMatchObject({
      project: 'Old study',
      retentionDays: 30,
      directory: `workspaces/${old.id}`,
      fileCount: 3,
      totalBytes: 600
    })
    expect((record.details.files as { path: string; bytes: number }[]).sort((a, b) => a.bytes - b.bytes)).toEqual([
      { path: `workspaces/${old.id}/${await userId('researcher1')}.tar.enc`, bytes: 100 },
      { path: `workspaces/${old.id}/${await userId('researcher2')}.tar.enc`, bytes: 200 },
      { path: `workspaces/${old.id}/${await userId('researcher1')}.tar.enc.partial-0a1b2c3d`, bytes: 300 }
    ])

    // twenty days on, the recent project's retention is over as well
    gw.clock.advance(21 * DAY)
    expect(await gw.app.sessions.wipeEndedProjects()).toEqual([recent.id])
    for (const f of recent.files) expect(existsSync(f)).toBe(false)
    expect(existsSync(current)).toBe(true)
  })

  it('shows the deletion day, and an end date moved later keeps the workspaces', async () => {
    const today = new Date(gw.clock.t).toISOString().slice(0, 10)
    const p = await endedProjectWithWorkspaces('Extended study', shift(today, -40))
    const listed = (await api('GET', '/projects')).body as unknown as {
      id: string
      workspacesDeletedOn: string
      hasWorkspaces: boolean
    }[]
    expect(listed.find((x) => x.id === p.id)).toMatchObject({
      workspacesDeletedOn: shift(today, -9),
      hasWorkspaces: true
    })
    expect((await api('PATCH', `/projects/${p.id}`, { endDate: shift(today, 30) })).status).toBe(200)
    expect(await gw.app.sessions.wipeEndedProjects()).toEqual([])
    for (const f of p.files) expect(existsSync(f)).toBe(true)
  })
})

function shift(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
