import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UNACKED_HIGH } from '../../server/src/routes/api/v1/sessions/terminal.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { openBytes } from '../../server/src/keys/encrypted-file.js'
import { recordingContext, recordingParts } from '../../server/src/terminal/recording.js'
import { startRunningSession, type TestGateway, testGateway, TestClock } from '../support/gateway.js'
import { LARGE_DISPLAY, testPolicyFile, withDisplay } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'
import { openTerminal, type TerminalClient } from '../support/terminal.js'

/** The researcher's prompt. */
const PROMPT = /researcher@vre:[^\r\n]*\$ /

describe('the terminal on a real sandbox (runsc; a display budget far above what the tests print)', () => {
  // the browser's flow control is what is tested here; the display budget has its own tests
  const policy = testPolicyFile(withDisplay(LARGE_DISPLAY))
  let docker: DockerDriver
  let gw: TestGateway
  let url = ''
  let token = ''
  let sessionId = ''

  const ticket = async () =>
    (
      await gw.app.inject({
        method: 'POST',
        url: `/api/v1/sessions/${sessionId}/terminal-ticket`,
        headers: { authorization: `Bearer ${token}` }
      })
    ).json().ticket as string
  const connect = async (size?: { cols: number; rows: number }) => {
    const t = await openTerminal(url, sessionId, await ticket(), url, size)
    if (!('ws' in t)) throw new Error(`terminal refused: ${t.status} ${t.body}`)
    return t
  }

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGateway(
      {},
      { VRE_POLICY_FILE: policy.file },
      { sessions: { driver: docker }, clock: TestClock.running() }
    )
    await gw.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
    ;({ sessionId, token } = await startRunningSession(gw))
  }, 60_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
    policy.remove()
  })

  it('shows the prompt, echoes what is typed and runs it', async () => {
    const t = await connect()
    await t.waitFor(PROMPT)
    t.type('echo "answer-$((6 * 7))"\r')
    await t.waitFor(/answer-42/)
    t.ws.close()
  })

  it('re-attaches a new connection to the same shell', async () => {
    const a = await connect()
    await a.waitFor(PROMPT)
    a.type('VRE_MARK=still-here-$$\r')
    a.type('echo "pid=$$"\r')
    await a.waitFor(/pid=\d+/)
    const pid = /pid=(\d+)/.exec(a.output())![1]
    a.ws.terminate() // a dropped connection, not a polite close
    const b = await connect({ cols: 90, rows: 28 })
    // the screen as it was comes back first
    await b.waitFor(/pid=\d+/)
    b.type('echo "mark=$VRE_MARK"\r')
    await b.waitFor(new RegExp(`mark=still-here-${pid}`))
    // a second window takes the shell over; the first is told why
    const c = await connect()
    expect((await b.closed).code).toBe(4002)
    expect(b.control).toContainEqual({ type: 'closed', reason: 'the terminal was opened in another window' })
    c.ws.close()
  })

  it('stops reading the sandbox while the browser is behind, and catches up when it acknowledges', async () => {
    const t = await connect()
    await t.waitFor(PROMPT)
    t.ack(t.bytes())
    const start = t.bytes()
    t.type('cat /dev/urandom | base64\r')
    // without acknowledgements the gateway lets at most UNACKED_HIGH (plus what is in flight) through
    const deadline = Date.now() + 30_000
    while (t.bytes() - start < UNACKED_HIGH && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    await new Promise((r) => setTimeout(r, 1000))
    const stalled = t.bytes() - start
    expect(stalled).toBeGreaterThanOrEqual(UNACKED_HIGH)
    expect(stalled).toBeLessThan(UNACKED_HIGH + 256 * 1024)
    await new Promise((r) => setTimeout(r, 1000))
    expect(t.bytes() - start).toBe(stalled)
    // the keyboard still reaches the shell: Ctrl-C stops the flood; acknowledging lets the rest through
    t.type('\x03')
    t.type('echo "after-$((2 + 2))"\r')
    const until = Date.now() + 30_000
    while (!/after-4/.test(t.output()) && Date.now() < until) {
      t.ack(t.bytes())
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(t.bytes() - start).toBeGreaterThan(stalled)
    expect(t.output()).toMatch(/after-4/)
    t.ws.close()
  }, 120_000)

  it('closes an open terminal when the sign-in ends', async () => {
    const t = await connect()
    await t.waitFor(PROMPT)
    await gw.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${token}` } })
    const closed = await t.closed
    expect(closed.code).toBe(4001)
    expect(t.control).toContainEqual({ type: 'closed', reason: expect.stringMatching(/revoked/) })
    token = (await gw.login('researcher1')).accessToken
  }, 20_000)

  it('records what was shown and typed as asciicast v2, and closes the terminal when the session ends', async () => {
    const t = await connect()
    await t.waitFor(PROMPT)
    t.type('echo "recorded-$((3 * 3))"\r')
    await t.waitFor(/recorded-9/)
    await gw.app.sessions.stop(sessionId, 'ended by the test', { actor: 'test', sourceIp: null })
    const closed = await t.closed
    expect(closed.code).toBe(1000)
    const first = recordingParts(gw.dataDir, sessionId)[0]!
    const lines = openBytes(
      readFileSync(first.file),
      (id) => gw.app.keys.keyring.key(id),
      recordingContext(sessionId, 1)
    )
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown)
    expect(lines[0]).toMatchObject({ version: 2, width: 100, height: 30 })
    const events = lines.slice(1) as [number, string, string][]
    expect(events.every(([time, kind]) => typeof time === 'number' && ['o', 'i', 'r'].includes(kind))).toBe(true)
    expect(events.filter(([, k]) => k === 'i').map(([, , d]) => d)).toContain('echo "recorded-$((3 * 3))"\r')
    expect(events.some(([, k, d]) => k === 'o' && d.includes('recorded-9'))).toBe(true)
    const audited = (await gw.app.store.recentAudit(200)).filter((r) => r.target === sessionId)
    expect(
      audited.filter((r) => r.action === 'terminal.open' && r.outcome === 'success').length
    ).toBeGreaterThanOrEqual(5)
    expect(audited.some((r) => r.action === 'terminal.close')).toBe(true)
    sessionId = ''
  }, 60_000)
})
