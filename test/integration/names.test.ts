import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { startRunningSession, type TestGateway, testGateway } from '../support/gateway.js'

/**
 * A name a person gives is read by others (reviewers, auditors, administrators), so it may not hold
 * characters that are not seen but change what is: `report\u202Evsc.py` shows as `reportyp.csv`.
 */
const RLO = '\u202E'

let gw: TestGateway
let admin: string
let projectId: string
beforeAll(async () => {
  gw = await testGateway()
  admin = (await gw.login('admin')).accessToken
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
})
afterAll(async () => gw.close())

const send = (token: string, method: 'POST' | 'PATCH' | 'PUT', url: string, payload: Record<string, unknown>) =>
  gw.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload })

/** A 400 that names the character by its code point and where it is, without carrying it. */
function expectRefused(res: Awaited<ReturnType<typeof send>>, codePoint: string) {
  expect(res.statusCode, res.body).toBe(400)
  expect(res.json().error.message).toMatch(
    new RegExp(`holds ${codePoint.replace('+', '\\+')} \\(.+\\) at character \\d+`)
  )
  expect(res.body).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/)
}

describe('names an administrator gives', () => {
  it('refuses organization names, display names and project titles with hidden characters, writing nothing', async () => {
    const org = (await gw.app.store.getOrganizationByName('Kanto University Hospital Research Unit'))!
    const user = (await gw.app.store.getUserByUsername('researcher1'))!
    const seq = (await gw.app.store.recentAudit(1))[0]!.seq
    const cases: [string, Promise<Awaited<ReturnType<typeof send>>>][] = [
      [
        'U+202E',
        send(admin, 'POST', '/api/v1/admin/organizations', {
          name: `Clinic ${RLO}gro.evil`,
          certification: { number: 'T2-0999', validFrom: '2025-01-01', validTo: '2030-01-01' }
        })
      ],
      ['U+2067', send(admin, 'PATCH', `/api/v1/admin/organizations/${org.id}`, { name: 'Kanto \u2067Unit' })],
      [
        'U+200F',
        send(admin, 'POST', '/api/v1/admin/users', {
          username: 'mallory',
          displayName: 'Suzuki\u200F Kenji',
          roles: ['researcher'],
          organizationId: org.id
        })
      ],
      ['U+061C', send(admin, 'PATCH', `/api/v1/admin/users/${user.id}`, { displayName: 'Tanaka\u061C Yui' })],
      ['U+0085', send(admin, 'PATCH', `/api/v1/admin/users/${user.id}`, { displayName: 'Tanaka\u0085Yui' })],
      [
        'U+2066',
        send(admin, 'POST', '/api/v1/admin/projects', {
          title: 'Diabetes \u2066pathways',
          purpose: 'p',
          approvalReference: 'IRB-1',
          startDate: '2025-01-01',
          endDate: '2030-01-01'
        })
      ],
      ['U+202A', send(admin, 'PATCH', `/api/v1/admin/projects/${projectId}`, { title: '\u202ADiabetes' })]
    ]
    for (const [codePoint, res] of cases) expectRefused(await res, codePoint)
    expect(await gw.app.store.getUserByUsername('mallory')).toBeNull()
    expect((await gw.app.store.getUserById(user.id))!.displayName).toBe(user.displayName)
    expect((await gw.app.store.getProject(projectId))!.title).toBe(DEMO_PROJECT)
    expect((await gw.app.store.getOrganization(org.id))!.name).toBe(org.name)
    const denied = (await gw.app.store.recentAudit(50)).filter((r) => r.seq > seq && r.outcome === 'denied')
    expect(denied).toHaveLength(cases.length)
  })
})

describe('names a researcher gives', () => {
  it('refuses workspace paths that name a file, outbox paths to export and import names with hidden characters', async () => {
    const { sessionId, token } = await startRunningSession(gw)
    const files = `/api/v1/sessions/${sessionId}/files`
    expectRefused(await send(token, 'POST', `${files}/folder`, { path: `results${RLO}` }), 'U+202E')
    expectRefused(await send(token, 'POST', `${files}/move`, { from: 'a.py', to: 'b\u2069.py' }), 'U+2069')
    expectRefused(await send(token, 'POST', `${files}/outbox`, { path: `analysis/t${RLO}vsc.py` }), 'U+202E')
    expectRefused(
      await send(token, 'PUT', `${files}/content`, { path: 'x\u200E.py', content: '', baseModifiedAt: null }),
      'U+200E'
    )

    const exported = await send(token, 'POST', '/api/v1/exports', {
      sessionId,
      files: [{ path: `outbox/report${RLO}vsc.py`, justification: 'table 1' }]
    })
    expectRefused(exported, 'U+202E')
    expect(exported.json().error.message).toMatch(/^A path in the outbox holds/)

    const imported = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/imports?${new URLSearchParams({ projectId, name: `codes${RLO}vsc.r`, justification: 'ICD-10' })}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('code\nE11\n')
    })
    expectRefused(imported, 'U+202E')
    expect(await gw.app.store.listAirlockRequests({ projectId })).toEqual([])

    const audited = (await gw.app.store.recentAudit(30)).filter((r) => r.outcome === 'denied').map((r) => r.action)
    expect(audited).toEqual(expect.arrayContaining(['file.folder', 'file.move', 'file.outbox', 'file.save']))
    expect(audited).toEqual(expect.arrayContaining(['export.submit', 'import.submit']))
  })
})
