import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { LARGE_DISPLAY, testPolicyFile, withDisplay, withMonitoring } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'

/** The output rule on a real sandbox: a terminal dumping more than the policy allows per minute ends its session. */
describe('live monitoring on a real sandbox', () => {
  let gw: TestGateway
  // what the shell prints is counted whether or not it reaches the screen; a large display budget
  // lets it print at full speed, so the rule, not the pacing, is what ends the dump
  const policy = testPolicyFile((yaml) =>
    withMonitoring('  terminalOutputMiBPerMinute:\n    limit: 1\n    action: end\n')(withDisplay(LARGE_DISPLAY)(yaml))
  )

  beforeAll(async () => {
    const docker = await requireDocker()
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
  }, 120_000)

  afterAll(async () => {
    await gw?.close()
    policy.remove()
  })

  it('ends a session whose terminal prints more than the policy allows in a minute, and says why', async () => {
    const { sessionId } = await startRunningSession(gw)
    const session = (await gw.app.sessions.get(sessionId))!
    const terminal = await gw.app.terminals.open(
      { sessionId, projectId: session.projectId, userId: session.userId },
      session.sandboxId!,
      { cols: 100, rows: 30 }
    )
    let seen = 0
    terminal.output.on('data', (c: Buffer) => (seen += c.length))
    // a dump of about 4 MiB, as someone reading a table off the screen would make
    terminal.write('head -c 3000000 /dev/urandom | base64\r')
    await expect
      .poll(async () => (await gw.app.sessions.get(sessionId))!.state, { timeout: 60_000, interval: 250 })
      .toBe('stopped')
    const ended = (await gw.app.sessions.get(sessionId))!
    expect(ended.reason).toBe('ended by monitoring: the terminal printed more than 1 MiB within a minute')
    expect(seen).toBeGreaterThan(1024 * 1024)
    const [alert] = await gw.app.store.searchAudit({ action: 'alert.raised', session: sessionId, limit: 5 })
    expect(alert!.details).toMatchObject({ rule: 'terminalOutputMiBPerMinute', action: 'end', limitMiB: 1 })
    expect(alert!.details.bytesPerMinute as number).toBeGreaterThan(1024 * 1024)
  }, 120_000)
})
