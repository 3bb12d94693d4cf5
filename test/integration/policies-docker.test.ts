import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostPidsLimit, type DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { requireDocker } from '../support/sandbox.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { testPolicyFile } from '../support/policy.js'

const MiB = 1024 * 1024

/**
 * A policy saved while a sandbox runs, on the real engine: under runc the engine's container
 * update changes CPU, memory and process limits in place (read back with docker inspect); gVisor
 * has no update command, so there the sandbox keeps its limits until its next session, the answer
 * says so, and the time limits still change.
 */
describe.each(['runc', 'runsc'] as const)('live policy limits on the real engine (%s)', (runtime) => {
  let docker: DockerDriver
  let gw: TestGateway
  let policy: ReturnType<typeof testPolicyFile> | null = null
  let sessionId = ''
  let researcher = ''
  let admin = ''

  const savePolicy = async (change: (sandbox: Record<string, unknown>) => void) => {
    const auth = { authorization: `Bearer ${admin}` }
    const current = (
      await gw.app.inject({ method: 'GET', url: '/api/v1/admin/policies/default', headers: auth })
    ).json() as {
      version: number
      policy: { sandbox: Record<string, unknown> }
    }
    const policy = structuredClone(current.policy)
    change(policy.sandbox)
    return gw.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/policies/default',
      headers: auth,
      payload: { policy, baseVersion: current.version }
    })
  }

  const cell = async (source: string) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${sessionId}/cells`,
      headers: { authorization: `Bearer ${researcher}` },
      payload: { language: 'sql', source }
    })
    expect(res.statusCode, res.body).toBe(200)
    return (res.json() as { outputs: { rows: unknown[]; rowCount: number; truncated: boolean }[] }).outputs[0]!
  }

  beforeAll(async () => {
    docker = await requireDocker()
    policy = testPolicyFile((yaml) => yaml.replace(/^ {2}runtime: runsc$/m, `  runtime: ${runtime}`))
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
    ;({ sessionId, token: researcher } = await startRunningSession(gw))
    admin = (await gw.login('admin')).accessToken
  })
  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
    policy?.remove()
  })

  it('applies what the runtime can change to the running sandbox and says what it could not', async () => {
    const sandboxId = (await gw.app.store.getSandboxSession(sessionId))!.sandboxId!
    const before = (await docker.inspect(sandboxId)).HostConfig
    expect([before.NanoCpus, before.Memory, before.PidsLimit]).toEqual([
      1e9,
      2048 * MiB,
      hostPidsLimit({ pids: 256, runtime })
    ])

    const current = (
      await gw.app.inject({
        method: 'GET',
        url: '/api/v1/admin/policies/default',
        headers: { authorization: `Bearer ${admin}` }
      })
    ).json() as { version: number; policy: { sandbox: Record<string, unknown> } }
    const policy = structuredClone(current.policy)
    Object.assign(policy.sandbox, { cpus: 0.5, memoryMiB: 1536, pids: 200, idleMinutes: 15 })
    const res = await gw.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/policies/default',
      headers: { authorization: `Bearer ${admin}` },
      payload: { policy, baseVersion: current.version, comment: 'smaller sandboxes' }
    })
    expect(res.statusCode).toBe(200)
    const change = (
      res.json() as {
        live: {
          sessions: { sessionId: string; applied: { key: string }[]; notApplied: { key: string; reason: string }[] }[]
        }
      }
    ).live.sessions.find((s) => s.sessionId === sessionId)!
    const after = (await docker.inspect(sandboxId)).HostConfig
    const limits = (await gw.app.store.getSandboxSession(sessionId))!.limits

    if (runtime === 'runc') {
      expect(change.applied.map((a) => a.key).sort()).toEqual(['cpus', 'idleMinutes', 'memoryMiB', 'pids'])
      expect(change.notApplied).toEqual([])
      expect([after.NanoCpus, after.Memory, after.MemorySwap, after.PidsLimit]).toEqual([
        5e8,
        1536 * MiB,
        1536 * MiB,
        200
      ])
      expect(limits).toMatchObject({ cpus: 0.5, memoryMiB: 1536, pids: 200, idleMinutes: 15 })
    } else {
      expect(change.applied.map((a) => a.key)).toEqual(['idleMinutes'])
      expect(change.notApplied.map((n) => n.key).sort()).toEqual(['cpus', 'memoryMiB', 'pids'])
      expect(change.notApplied[0]!.reason).toMatch(
        /gVisor \(runsc\) runtime cannot change the limits of a running sandbox/
      )
      // the engine changed nothing, and the record says what the sandbox really runs under
      expect([after.NanoCpus, after.Memory, after.PidsLimit]).toEqual([
        before.NanoCpus,
        before.Memory,
        before.PidsLimit
      ])
      expect(limits).toMatchObject({ cpus: 1, memoryMiB: 2048, pids: 256, idleMinutes: 15 })
    }
    // the sandbox works on after the change
    expect((await gw.app.sessions.get(sessionId))!.state).toBe('running')
    expect(await docker.poll(sandboxId)).toBeNull()
  })

  it('lowers the notebook row cap of the running kernel at once', async () => {
    expect(await cell('select * from range(300)')).toMatchObject({ rowCount: 300, truncated: false })
    const res = await savePolicy((sandbox) => (sandbox.rowCap = 100))
    expect(res.statusCode).toBe(200)
    const capped = await cell('select * from range(300)')
    expect(capped).toMatchObject({ rowCount: 300, truncated: true })
    expect(capped.rows).toHaveLength(100)
  }, 60_000)
})
