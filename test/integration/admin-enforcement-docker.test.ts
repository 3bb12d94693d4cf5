import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { LABELS } from '../../server/src/sessions/session-service.js'
import { requireDocker } from '../support/sandbox.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'

/**
 * A lapsed right to work ends a REAL running sandbox: an administrator's suspension at once, a
 * certification that expires by the clock at the reaper's next pass. Outcomes are asserted, never
 * durations: the session is stopped with the reason, the audit says why, the sandbox is gone.
 */
let docker: DockerDriver
let gw: TestGateway
let admin = ''

beforeAll(async () => {
  docker = await requireDocker()
  // the reaper passes every second here, so a lapse by the clock is seen without waiting long
  gw = await testGatewayWithDataset(docker, {}, { reapIntervalMs: 1000 })
  admin = (await gw.login('admin')).accessToken
}, 120_000)

afterAll(async () => {
  for (const s of (await gw?.app.store.listSandboxSessions({ states: ['starting', 'running', 'stopping'] })) ?? []) {
    await gw.app.sessions.stop(s.id, 'test over', { actor: 'test', sourceIp: null })
  }
  const gatewayId = await gw?.app.store.gatewayId()
  await gw?.close()
  if (gatewayId !== undefined) for (const s of await docker.list({ [LABELS.gateway]: gatewayId })) await docker.stop(s.id)
})

async function admin_(method: 'POST' | 'PUT', url: string, payload: Record<string, unknown>) {
  const res = await gw.app.inject({
    method,
    url: `/api/v1/admin${url}`,
    headers: { authorization: `Bearer ${admin}` },
    payload
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** Polls until the session has ended (the reaper and the stop run on their own), then returns it. */
async function ended(id: string) {
  for (;;) {
    const s = (await gw.app.store.getSandboxSession(id))!
    if (s.state === 'stopped' || s.state === 'failed') return s
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function expectSandboxGone(sessionId: string) {
  expect(await docker.list({ [LABELS.session]: sessionId })).toEqual([])
}

async function stopRecord(sessionId: string) {
  const records = await gw.app.store.recentAudit(100)
  return records.find((r) => r.action === 'session.stop' && r.target === sessionId)
}

const researcherId = async () => (await gw.app.store.getUserByUsername('researcher1'))!.id
const organizationId = async () => (await gw.app.store.getUserByUsername('researcher1'))!.organizationId!

describe('ending real sandboxes when the right to work lapses', () => {
  it('suspending the researcher ends their running sandbox, audited with the reason', async () => {
    const { sessionId } = await startRunningSession(gw)
    await admin_('POST', `/users/${await researcherId()}/suspend`, { reason: 'credentials shared' })
    const s = await ended(sessionId)
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('your account is suspended')
    await expectSandboxGone(sessionId)
    const record = await stopRecord(sessionId)
    expect(record).toMatchObject({ actor: 'system', outcome: 'success', details: { reason: 'your account is suspended' } })
    await admin_('POST', `/users/${await researcherId()}/reinstate`, {})
  }, 120_000)

  it("suspending the researcher's organization ends their running sandbox, audited with the reason", async () => {
    const { sessionId } = await startRunningSession(gw)
    await admin_('POST', `/organizations/${await organizationId()}/suspend`, { reason: 'breach under investigation' })
    const s = await ended(sessionId)
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('Kanto University Hospital Research Unit is suspended')
    await expectSandboxGone(sessionId)
    expect((await stopRecord(sessionId))?.details.reason).toBe('Kanto University Hospital Research Unit is suspended')
    await admin_('POST', `/organizations/${await organizationId()}/reinstate`, {})
  }, 120_000)

  it('a certification that expires while a sandbox runs ends it at the reaper pass after the day turns', async () => {
    const org = await organizationId()
    const cert = (await gw.app.store.getCertification(org))!
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: gw.config.timeZone }).format(gw.clock.now())
    // the certification's last valid day is today
    await admin_('PUT', `/organizations/${org}/certification`, {
      number: cert.number,
      validFrom: cert.validFrom,
      validTo: today,
      status: 'active'
    })
    const { sessionId } = await startRunningSession(gw)
    expect((await gw.app.store.getSandboxSession(sessionId))!.state).toBe('running')
    // the next day: nobody acts, the reaper finds it
    gw.clock.advance(24 * 3_600_000)
    const s = await ended(sessionId)
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe(`certification ${cert.number} expired on ${today}`)
    await expectSandboxGone(sessionId)
    expect(await stopRecord(sessionId)).toMatchObject({
      actor: 'system',
      details: { reason: `certification ${cert.number} expired on ${today}` }
    })
  }, 120_000)
})
