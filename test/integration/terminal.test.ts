import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { FakeDriver } from '../support/fake-driver.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { openTerminal } from '../support/terminal.js'

let driver: FakeDriver
let gw: TestGateway
let url: string
const sys = { actor: 'test', sourceIp: null, target: null, outcome: 'success' as const }

beforeEach(async () => {
  driver = new FakeDriver()
  gw = await testGateway({}, {}, { sessions: { driver, reapIntervalMs: 3_600_000 } })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
  // researcher2 certified too, for the tests that need a second researcher
  await gw.app.store.setCertification(
    {
      organizationId: (await gw.app.store.getUserByUsername('researcher2'))!.organizationId!,
      number: 'T2-0017',
      validFrom: '2020-01-01',
      validTo: '2099-01-01',
      status: 'active'
    },
    { ...sys, action: 'certification.set' }
  )
})
afterEach(async () => {
  await gw.close()
  driver.dispose()
})

/** A running session of `username`, with the token that started it. */
async function running(username: string) {
  const { accessToken } = await gw.login(username)
  const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    headers: { authorization: `Bearer ${accessToken}` },
    payload: { projectId }
  })
  expect(res.statusCode).toBe(201)
  await gw.app.sessions.settle()
  return { id: res.json().id as string, token: accessToken }
}

async function ticket(sessionId: string, token: string) {
  return gw.app.inject({
    method: 'POST',
    url: `/api/v1/sessions/${sessionId}/terminal-ticket`,
    headers: { authorization: `Bearer ${token}` }
  })
}

async function refusals() {
  return (await gw.app.store.recentAudit(50))
    .filter((r) => r.action === 'terminal.open' && r.outcome === 'denied')
    .map((r) => (r.details as { reason: string }).reason)
}

describe('terminal tickets', () => {
  it("are issued for one's own running session only, good for 60 s", async () => {
    const mine = await running('researcher1')
    const res = await ticket(mine.id, mine.token)
    expect(res.statusCode).toBe(201)
    const body = res.json() as { ticket: string; expiresAt: string }
    expect(body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Date.parse(body.expiresAt) - gw.clock.t).toBe(60_000)

    const other = await gw.login('researcher2')
    expect((await ticket(mine.id, other.accessToken)).statusCode).toBe(404)
    await gw.app.inject({
      method: 'DELETE',
      url: `/api/v1/sessions/${mine.id}`,
      headers: { authorization: `Bearer ${mine.token}` }
    })
    const stopped = await ticket(mine.id, mine.token)
    expect(stopped.statusCode).toBe(409)
    expect(stopped.json().error.message).toMatch(/stopped/)
  })

  it('is not an access token', async () => {
    const mine = await running('researcher1')
    const t = (await ticket(mine.id, mine.token)).json().ticket as string
    const me = await gw.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${t}` } })
    expect(me.statusCode).toBe(401)
  })
})

describe('the terminal WebSocket', () => {
  it('upgrades once for a ticket; the same ticket again is refused', async () => {
    const mine = await running('researcher1')
    const t = (await ticket(mine.id, mine.token)).json().ticket as string
    const first = await openTerminal(url, mine.id, t)
    expect('ws' in first).toBe(true)
    if ('ws' in first) first.ws.close()
    const again = await openTerminal(url, mine.id, t)
    expect(again).toMatchObject({ status: 401 })
    expect((again as { body: string }).body).toMatch(/unknown or already used ticket/)
    expect(await refusals()).toContain('unknown or already used ticket')
  })

  it('refuses an expired ticket', async () => {
    const mine = await running('researcher1')
    const t = (await ticket(mine.id, mine.token)).json().ticket as string
    gw.clock.advance(60_001)
    const res = await openTerminal(url, mine.id, t)
    expect(res).toMatchObject({ status: 401 })
    expect((res as { body: string }).body).toMatch(/expired ticket/)
  })

  it("refuses a ticket for another researcher's session", async () => {
    const mine = await running('researcher1')
    const theirs = await running('researcher2')
    const t = (await ticket(theirs.id, theirs.token)).json().ticket as string
    const res = await openTerminal(url, mine.id, t)
    expect(res).toMatchObject({ status: 401 })
    expect((res as { body: string }).body).toMatch(/ticket for another session/)
    // and it was spent by that attempt
    expect(await openTerminal(url, theirs.id, t)).toMatchObject({ status: 401 })
  })

  it('refuses a foreign Origin, or none, before the upgrade, and keeps the ticket unspent', async () => {
    const mine = await running('researcher1')
    const t = (await ticket(mine.id, mine.token)).json().ticket as string
    const foreign = await openTerminal(url, mine.id, t, 'https://evil.example')
    expect(foreign).toMatchObject({ status: 403 })
    expect((foreign as { body: string }).body).toMatch(/foreign origin https:\/\/evil\.example/)
    expect(await openTerminal(url, mine.id, t, null)).toMatchObject({ status: 403 })
    expect(await refusals()).toEqual(
      expect.arrayContaining(['foreign origin https://evil.example', 'no Origin header'])
    )
    // the Origin check comes first: the ticket still opens the terminal from the right page
    const ok = await openTerminal(url, mine.id, t)
    expect('ws' in ok).toBe(true)
    if ('ws' in ok) ok.ws.close()
  })

  it('accepts an origin the configuration allows', async () => {
    await gw.close()
    driver = new FakeDriver()
    gw = await testGateway({ allowedOrigins: ['https://vre.example.jp'] }, {}, { sessions: { driver } })
    await gw.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
    const mine = await running('researcher1')
    const t = (await ticket(mine.id, mine.token)).json().ticket as string
    const ok = await openTerminal(url, mine.id, t, 'https://vre.example.jp')
    expect('ws' in ok).toBe(true)
    if ('ws' in ok) ok.ws.close()
  })

  it('refuses after the sign-in ended', async () => {
    const mine = await running('researcher1')
    const t = (await ticket(mine.id, mine.token)).json().ticket as string
    await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${mine.token}` }
    })
    const res = await openTerminal(url, mine.id, t)
    expect(res).toMatchObject({ status: 401 })
    expect((res as { body: string }).body).toMatch(/revoked/)
  })

  it('refuses a malformed request before anything else', async () => {
    const mine = await running('researcher1')
    expect(await openTerminal(url, mine.id, 'short')).toMatchObject({ status: 400 })
    expect(await openTerminal(url, 'not-a-uuid', 'x'.repeat(43))).toMatchObject({ status: 400 })
  })
})
