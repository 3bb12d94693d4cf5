import { afterEach, describe, expect, it } from 'vitest'
import { minuteOfDay } from '../../server/src/monitoring/rules.js'
import { startRunningSession, type TestGateway, testGateway } from '../support/gateway.js'
import { testPolicyFile, withMonitoring } from '../support/policy.js'

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`

describe('live monitoring rules (policy monitoring section)', () => {
  let gw: TestGateway | null = null
  let policy: ReturnType<typeof testPolicyFile> | null = null
  afterEach(async () => {
    await gw?.close()
    gw = null
    policy?.remove()
  })

  async function gateway(monitoring: string) {
    policy = testPolicyFile(withMonitoring(monitoring))
    gw = await testGateway({}, { VRE_POLICY_FILE: policy.file })
    return gw
  }
  const alerts = async (g: TestGateway) =>
    (await g.app.store.searchAudit({ action: 'alert.raised', limit: 50 })).map((r) => r.details)

  it('ends the sessions of a user whose requests are refused again and again, with the reason', async () => {
    const g = await gateway('  refusedActionsPerMinute:\n    limit: 3\n    action: end\n')
    const { sessionId, token } = await startRunningSession(g)
    for (let i = 0; i < 3; i++) {
      const res = await g.app.inject({
        method: 'POST',
        url: '/api/v1/exports',
        headers: { authorization: `Bearer ${token}` },
        payload: { sessionId, files: [{ path: `../../etc/passwd-${i}`, justification: 'x' }] }
      })
      expect(res.statusCode).toBe(400)
    }
    await g.app.monitor.tick()
    const session = (await g.app.sessions.get(sessionId))!
    expect(['stopping', 'stopped']).toContain(session.state)
    expect(session.reason).toMatch(/^ended by monitoring: 3 requests were refused within a minute/)
    const [alert] = await alerts(g)
    expect(alert).toMatchObject({ rule: 'refusedActionsPerMinute', action: 'end', refusals: 3, limit: 3 })
    // once raised, the same alert waits a minute before it is raised again
    await g.app.monitor.tick()
    expect(await alerts(g)).toHaveLength(1)
  })

  it("does not count refused sign-ins against the account tried: nobody can get a researcher's session ended by guessing", async () => {
    const g = await gateway('  refusedActionsPerMinute:\n    limit: 3\n    action: end\n')
    const { sessionId } = await startRunningSession(g)
    for (let i = 0; i < 8; i++) {
      const res = await g.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: `203.0.113.${i}`,
        payload: { username: 'researcher1', password: 'not the password', totp: '000000' }
      })
      expect([401, 429]).toContain(res.statusCode)
    }
    await g.app.monitor.tick()
    expect((await g.app.sessions.get(sessionId))!.state).toBe('running')
    expect(await alerts(g)).toEqual([])
  })

  it('only alerts when the policy says alert, leaving the session running', async () => {
    const g = await gateway('  refusedActionsPerMinute:\n    limit: 2\n    action: alert\n')
    const { sessionId, token } = await startRunningSession(g)
    for (let i = 0; i < 2; i++) {
      await g.app.inject({
        method: 'POST',
        url: '/api/v1/exports',
        headers: { authorization: `Bearer ${token}` },
        payload: { sessionId, files: [{ path: 'not-in-outbox.csv', justification: 'x' }] }
      })
    }
    await g.app.monitor.tick()
    expect((await g.app.sessions.get(sessionId))!.state).toBe('running')
    expect(await alerts(g)).toEqual([expect.objectContaining({ rule: 'refusedActionsPerMinute', action: 'alert' })])
  })

  it('ends a session running outside the allowed hours, and leaves one inside them alone', async () => {
    // a window that starts two hours from now and lasts an hour: now is outside it
    const now = minuteOfDay(new Date(), 'Asia/Tokyo')
    const g = await gateway(
      `  allowedHours:\n    from: "${hhmm(now + 120)}"\n    to: "${hhmm(now + 180)}"\n    action: end\n`
    )
    const { sessionId } = await startRunningSession(g)
    await g.app.monitor.tick()
    const session = (await g.app.sessions.get(sessionId))!
    expect(session.reason).toMatch(/^ended by monitoring: sessions may run only from/)
    expect(await alerts(g)).toEqual([expect.objectContaining({ rule: 'allowedHours', session: sessionId })])
  })

  it('leaves sessions alone within the allowed hours', async () => {
    const now = minuteOfDay(new Date(), 'Asia/Tokyo')
    const g = await gateway(
      `  allowedHours:\n    from: "${hhmm(now + 24 * 60 - 60)}"\n    to: "${hhmm(now + 60)}"\n    action: end\n`
    )
    const { sessionId } = await startRunningSession(g)
    await g.app.monitor.tick()
    expect((await g.app.sessions.get(sessionId))!.state).toBe('running')
    expect(await alerts(g)).toEqual([])
  })

  it('lists live sessions for administrators only, and lets one end a session with a reason', async () => {
    const g = await gateway('  refusedActionsPerMinute:\n    limit: 100\n    action: alert\n')
    const { sessionId, token } = await startRunningSession(g)
    const admin = (await g.login('admin')).accessToken
    const asResearcher = await g.app.inject({
      method: 'GET',
      url: '/api/v1/admin/monitoring/sessions',
      headers: { authorization: `Bearer ${token}` }
    })
    expect(asResearcher.statusCode).toBe(403)
    const live = await g.app.inject({
      method: 'GET',
      url: '/api/v1/admin/monitoring/sessions',
      headers: { authorization: `Bearer ${admin}` }
    })
    expect(live.json()).toEqual([
      expect.objectContaining({
        id: sessionId,
        username: 'researcher1',
        state: 'running',
        projectTitle: expect.any(String)
      })
    ])
    const noReason = await g.app.inject({
      method: 'POST',
      url: `/api/v1/admin/monitoring/sessions/${sessionId}/end`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { reason: '' }
    })
    expect(noReason.statusCode).toBe(400)
    const blank = await g.app.inject({
      method: 'POST',
      url: `/api/v1/admin/monitoring/sessions/${sessionId}/end`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { reason: '   ' }
    })
    expect(blank.statusCode).toBe(400)
    expect(blank.json().error.message).toBe('Say why the session is ended.')
    expect((await g.app.sessions.get(sessionId))!.state).toBe('running')
    const ended = await g.app.inject({
      method: 'POST',
      url: `/api/v1/admin/monitoring/sessions/${sessionId}/end`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { reason: 'suspected screen scraping' }
    })
    expect(ended.statusCode, ended.body).toBe(200)
    expect(ended.json().reason).toBe('ended by an administrator: suspected screen scraping')
    const adminId = (await g.app.store.getUserByUsername('admin'))!.id
    const stops = await g.app.store.searchAudit({ session: sessionId, actor: adminId, limit: 10 })
    expect(stops.length).toBeGreaterThan(0)
  })
})
