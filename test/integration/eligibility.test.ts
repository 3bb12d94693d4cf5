import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { FakeDriver } from '../support/fake-driver.js'
import { startRunningSession, type TestGateway, testGateway } from '../support/gateway.js'

/**
 * Every researcher action on a project checks the right to work in it (account, organization,
 * certification, membership, the project's dates), not only a session's start.
 */
let driver: FakeDriver
let gw: TestGateway
let projectId: string

beforeEach(async () => {
  driver = new FakeDriver()
  gw = await testGateway({}, {}, { sessions: { driver } })
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
})
afterEach(async () => {
  await gw.close()
  driver.dispose()
})

const call = (token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  gw.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> })
  })

const upload = (token: string, project: string, name = 'codes.csv') =>
  gw.app.inject({
    method: 'POST',
    url: `/api/v1/imports?${new URLSearchParams({ projectId: project, name, justification: 'ICD-10 code list' })}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    payload: Buffer.from('code,label\nE11,type 2 diabetes\n')
  })

const refusals = async (userId: string) =>
  (await gw.app.store.recentAudit(100)).filter((r) => r.actor === userId && r.outcome === 'denied').reverse()

/** A project researcher1 is not a member of. */
async function othersProject(title: string) {
  return gw.app.store.createProject(
    {
      title,
      purpose: 'p',
      approvalReference: 'r',
      startDate: '2020-01-01',
      endDate: '2099-01-01',
      memberIds: [],
      datasetIds: []
    },
    { actor: 'test', sourceIp: null, target: null, outcome: 'success', action: 'project.create' }
  )
}

/** Sets researcher1's organization's certification to `status`, as the store holds it (no session is ended for it). */
async function certificationOfResearcher1(status: 'active' | 'suspended') {
  const user = (await gw.app.store.getUserByUsername('researcher1'))!
  const cert = (await gw.app.store.getCertification(user.organizationId!))!
  const { id: _id, ...rest } = cert
  await gw.app.store.setCertification(
    { ...rest, status },
    { actor: 'test', sourceIp: null, target: null, outcome: 'success', action: 'certification.set' }
  )
}

describe('a researcher whose certification expired', () => {
  it("is refused the project's catalog and bringing files in, told why, and each refusal is audited", async () => {
    const token = (await gw.login('researcher2')).accessToken
    const user = (await gw.app.store.getUserByUsername('researcher2'))!
    const expired = /certification T2-0017 expired on \d{4}-\d{2}-\d{2}/

    const catalog = await call(token, 'GET', `/api/v1/projects/${projectId}/catalog`)
    expect(catalog.statusCode).toBe(403)
    expect(catalog.json().error.code).toBe('VRE_ERR_NOT_ELIGIBLE')
    expect(catalog.json().error.message).toMatch(/^You cannot read this project's catalog: certification T2-0017/)

    const imported = await upload(token, projectId)
    expect(imported.statusCode).toBe(403)
    expect(imported.json().error.message).toMatch(/^You cannot bring files into this project: /)
    expect(imported.json().error.message).toMatch(expired)
    expect(await gw.app.store.listAirlockRequests({ direction: 'import', projectId })).toEqual([])

    const started = await call(token, 'POST', '/api/v1/sessions', { projectId })
    expect(started.statusCode).toBe(403)
    expect(started.json().error.message).toMatch(expired)

    const audited = await refusals(user.id)
    expect(audited.map((r) => [r.action, r.target])).toEqual([
      ['catalog.read', projectId],
      ['import.submit', projectId],
      ['session.start', projectId]
    ])
    for (const r of audited) expect(r.details.reasons).toContainEqual(expect.stringMatching(expired))
  })

  it('still sees what is theirs: their account with the reasons, their sessions and their requests', async () => {
    const token = (await gw.login('researcher2')).accessToken
    const me = await call(token, 'GET', '/api/v1/me')
    expect(me.statusCode).toBe(200)
    expect(me.json().eligibility.canWork).toBe(false)
    expect(me.json().eligibility.reasons).toContainEqual(expect.stringMatching(/T2-0017 expired/))
    for (const url of ['/api/v1/sessions', '/api/v1/exports', '/api/v1/imports']) {
      const res = await call(token, 'GET', url)
      expect(res.statusCode, url).toBe(200)
      expect(res.json(), url).toEqual([])
    }
  })
})

describe('a right to work that lapses while a session runs', () => {
  it("refuses the session's work and every airlock move until it is restored, and lets the session be ended", async () => {
    const { sessionId, token } = await startRunningSession(gw)
    const user = (await gw.app.store.getUserByUsername('researcher1'))!
    const sandbox = driver.sandboxes.get((await gw.app.sessions.get(sessionId))!.sandboxId!)!
    mkdirSync(join(sandbox.root, WORK_DIR, 'outbox'), { recursive: true })
    writeFileSync(join(sandbox.root, WORK_DIR, 'outbox', 'counts.csv'), 'group,n\na,120\nb,140\n')
    const files = [{ path: 'outbox/counts.csv', justification: 'group sizes for the paper' }]
    const submitted = await call(token, 'POST', '/api/v1/exports', { sessionId, files })
    expect(submitted.statusCode, submitted.body).toBe(201)
    const request = submitted.json() as { id: string; files: { id: string }[] }

    await certificationOfResearcher1('suspended')
    const refused: [string, string, string, unknown?][] = [
      ['POST', `/api/v1/sessions/${sessionId}/cells`, 'run cells', { language: 'sql', source: 'SELECT 1' }],
      [
        'POST',
        `/api/v1/sessions/${sessionId}/cells/export`,
        'send a result to the outbox',
        { language: 'sql', source: 'SELECT 1', name: 'one' }
      ],
      ['POST', `/api/v1/sessions/${sessionId}/terminal-ticket`, 'open the terminal'],
      ['GET', `/api/v1/sessions/${sessionId}/files`, 'work with the workspace files'],
      ['GET', `/api/v1/sessions/${sessionId}/files/content?path=a.py`, 'work with the workspace files'],
      ['POST', `/api/v1/sessions/${sessionId}/files/folder`, 'work with the workspace files', { path: 'new' }],
      ['POST', '/api/v1/exports', 'submit outputs for review', { sessionId, files }],
      ['POST', `/api/v1/exports/${request.id}/resubmit`, 'submit outputs for review', { sessionId, files }],
      ['POST', `/api/v1/exports/${request.id}/withdraw`, 'withdraw a request'],
      ['GET', `/api/v1/exports/${request.id}/files/${request.files[0]!.id}/content`, 'download released outputs']
    ]
    const before = (await refusals(user.id)).length
    for (const [method, url, doing, payload] of refused) {
      const res = await call(token, method as 'GET' | 'POST', url, payload)
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403)
      expect(res.json().error).toEqual({
        code: 'VRE_ERR_NOT_ELIGIBLE',
        message: `You cannot ${doing}: certification T2-0042 is suspended.`
      })
    }
    const audited = (await refusals(user.id)).slice(before)
    expect(audited.map((r) => r.action)).toEqual([
      'cell.run',
      'cell.export',
      'terminal.open',
      'file.list',
      'file.open',
      'file.folder',
      'export.submit',
      'export.resubmit',
      'export.withdraw',
      'export.download'
    ])
    for (const r of audited)
      expect(r.details).toEqual({ project: projectId, reasons: ['certification T2-0042 is suspended'] })
    // nothing moved: the request is as it was, and no second one was made
    expect((await call(token, 'GET', `/api/v1/exports/${request.id}`)).json().state).toBe('submitted')
    expect(await gw.app.store.listAirlockRequests({ direction: 'export', projectId })).toHaveLength(1)

    // restored, the same move goes through
    await certificationOfResearcher1('active')
    expect((await call(token, 'POST', `/api/v1/exports/${request.id}/withdraw`)).statusCode).toBe(200)
    await certificationOfResearcher1('suspended')
    const ended = await call(token, 'DELETE', `/api/v1/sessions/${sessionId}`)
    expect(ended.statusCode).toBe(200)
  })
})

describe('a project one is not a member of', () => {
  it('answers as a project that does not exist on every route that names one, and audits the real reason', async () => {
    const other = await othersProject('Cancer registry linkage (confidential)')
    const nowhere = '00000000-0000-4000-8000-000000000000'
    const token = (await gw.login('researcher1')).accessToken
    const user = (await gw.app.store.getUserByUsername('researcher1'))!
    const routes = [
      (id: string) => call(token, 'GET', `/api/v1/projects/${id}/catalog`),
      (id: string) => upload(token, id),
      (id: string) => call(token, 'POST', '/api/v1/sessions', { projectId: id })
    ]
    for (const route of routes) {
      const theirs = await route(other.id)
      const missing = await route(nowhere)
      expect(theirs.statusCode).toBe(404)
      expect(theirs.json()).toEqual({ error: { code: 'VRE_ERR_NOT_FOUND', message: 'There is no such project.' } })
      expect(theirs.json()).toEqual(missing.json())
    }
    const audited = (await refusals(user.id)).filter((r) => r.target === other.id)
    expect(audited.map((r) => r.action)).toEqual(['catalog.read', 'import.submit', 'session.start'])
    for (const r of audited) {
      expect(r.details.reasons).toContainEqual(
        'you are not a member of the project "Cancer registry linkage (confidential)"'
      )
    }
    expect(driver.sandboxes.size).toBe(0)
  })
})
