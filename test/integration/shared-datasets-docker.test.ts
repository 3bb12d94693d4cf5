import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { createProject } from '../../server/src/projects/new-project.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { LABELS } from '../../server/src/sessions/sandbox-spec.js'
import { attachTestDataset } from '../support/datasets.js'
import { addResearcher, startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { requireDocker } from '../support/sandbox.js'

/**
 * Datasets made available once per host and mounted read-only into every sandbox of their project
 * (datasets/host-copies.ts, sessions/shared-datasets.ts), on the real engine under runsc. What a
 * sandbox can do with its mount from inside is the isolation probe's (sandbox-security.test.ts).
 */
describe('datasets shared read-only by the sandboxes of their project (runsc)', () => {
  let docker: DockerDriver
  let gw: TestGateway
  const by = { actor: 'test', sourceIp: null }
  const sessions: Record<string, string> = {}

  const sandboxOf = async (sessionId: string) => (await gw.app.sessions.get(sessionId))!.sandboxId!
  const bindsOf = async (sessionId: string) =>
    (await docker.inspect(await sandboxOf(sessionId))).Mounts.filter((m) => m.Type === 'bind').map((m) => ({
      source: m.Source,
      target: m.Destination,
      rw: m.RW
    }))
  const hostCopies = () => gw.app.sessions.hostCopies
  const copies = () => hostCopies().present().sort()
  const stop = (id: string) => gw.app.sessions.stop(id, 'test over', by)

  async function startOther(username: string): Promise<string> {
    const token = (await gw.login(username)).accessToken
    const projectId = (await gw.app.store.getProjectByTitle('Other study'))!.id
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { authorization: `Bearer ${token}` },
      payload: { projectId }
    })
    expect(res.statusCode, res.body).toBe(201)
    await gw.app.sessions.settle()
    const id = res.json().id as string
    expect((await gw.app.sessions.get(id))!.state).toBe('running')
    return id
  }

  beforeAll(async () => {
    docker = await requireDocker()
    // copies nobody uses go at the first prune; the reaper stays out of the way of the test's own
    gw = await testGatewayWithDataset(docker, {}, { datasetLingerMs: 0, reapIntervalMs: 3_600_000 })
    await addResearcher(gw, 'researcher3')
    await addResearcher(gw, 'researcher4')
    await attachTestDataset(gw.app, gw.dataDir, 'other-claims', 'ANOTHER PROJECT ROW\n'.repeat(2000))
    const day = gw.clock.now().toISOString().slice(0, 10)
    await createProject(
      gw.app.store,
      {
        title: 'Other study',
        purpose: 'another project on the same host',
        approvalReference: 'IRB-2',
        startDate: day,
        endDate: `${Number(day.slice(0, 4)) + 1}${day.slice(4)}`,
        members: ['researcher4'],
        datasets: ['other-claims']
      },
      by
    )
    sessions.first = (await startRunningSession(gw, 'researcher1')).sessionId
    sessions.second = (await startRunningSession(gw, 'researcher3')).sessionId
    sessions.other = await startOther('researcher4')
  }, 240_000)

  afterAll(async () => {
    for (const id of Object.values(sessions)) await stop(id).catch(() => undefined)
    await gw?.close()
  })

  it('mounts one host copy, read-only, into every sandbox of a project; another project mounts only its own', async () => {
    const first = await bindsOf(sessions.first!)
    const second = await bindsOf(sessions.second!)
    const other = await bindsOf(sessions.other!)
    const root = hostCopies().root
    expect(first).toEqual([{ source: expect.stringMatching(`^${root}/dataset-[0-9a-f-]+\\.duckdb$`), target: '/data/demo-claims.duckdb', rw: false }])
    expect(second).toEqual(first)
    expect(other).toEqual([{ source: expect.stringMatching(`^${root}/`), target: '/data/other-claims.duckdb', rw: false }])
    expect(other[0]!.source).not.toBe(first[0]!.source)
    // one copy per dataset on the host, whatever the number of sandboxes
    expect(copies()).toEqual(
      [first[0]!.source, other[0]!.source].map((s) => s.split('/').pop()!.replace(/\.duckdb$/, '')).sort()
    )
    // each sandbox names the keys of what it mounts: what keeps the copies on the host
    const labels = (await docker.inspect(await sandboxOf(sessions.first!))).Config.Labels
    expect(labels[LABELS.datasets]).toBe(first[0]!.source.split('/').pop()!.replace(/\.duckdb$/, ''))
  })

  it('serves the dataset from the mount: the researcher queries it, and reads the bytes of the host copy', async () => {
    const box = await sandboxOf(sessions.second!)
    const q = await runInSandbox(docker, box, { cmd: ['vre-sql'], input: 'select count(*) as n from patients;\n' })
    expect(q.stderr).toBe('')
    expect(q.stdout).toMatch(/\b2000\b/)
    const [bind] = await bindsOf(sessions.second!)
    const sum = await runInSandbox(docker, box, { cmd: ['sha256sum', '/data/demo-claims.duckdb'] })
    expect(sum.stdout.split(' ')[0]).toBe(createHash('sha256').update(readFileSync(bind!.source)).digest('hex'))
    // the sandbox's data area holds no copy of it: it is sized for the staged workspace alone
    const policy = gw.app.policyFor((await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id).sandbox
    const fs = await runInSandbox(docker, box, {
      cmd: ['python3', '-c', 'import os; s = os.statvfs("/data"); print(s.f_blocks * s.f_frsize)']
    })
    expect(Number(fs.stdout)).toBe(policy.workAreaMiB * 1024 * 1024)
  })

  it('keeps a copy while any sandbox of its project mounts it, and removes it once none does', async () => {
    const demoKey = (await docker.inspect(await sandboxOf(sessions.first!))).Config.Labels[LABELS.datasets]!
    const otherKey = (await docker.inspect(await sandboxOf(sessions.other!))).Config.Labels[LABELS.datasets]!
    await stop(sessions.first!)
    expect((await gw.app.sessions.pruneDatasets()).removed).toEqual([])
    expect(copies()).toContain(demoKey)
    await stop(sessions.second!)
    expect((await gw.app.sessions.pruneDatasets()).removed).toEqual([demoKey])
    expect(copies()).toEqual([otherKey])
    // the next start makes it again
    sessions.first = (await startRunningSession(gw, 'researcher1')).sessionId
    expect(copies()).toEqual([demoKey, otherKey].sort())
  })

  it('removes an erased version at once and ends the sessions still reading it, saying why', async () => {
    const otherKey = (await docker.inspect(await sandboxOf(sessions.other!))).Config.Labels[LABELS.datasets]!
    // what an opt-out's re-issue or a project's erasure does to the version's key
    gw.app.keys.keyring.destroy(otherKey)
    const pass = await gw.app.sessions.pruneDatasets()
    expect(pass.removed).toEqual([otherKey])
    expect(pass.ending).toEqual([sessions.other])
    await gw.app.sessions.settle()
    const ended = (await gw.app.sessions.get(sessions.other!))!
    expect(ended.state).toBe('stopped')
    expect(ended.reason).toMatch(/a dataset this session reads was erased/)
    expect(copies()).not.toContain(otherKey)
    const [record] = (await gw.app.store.recentAudit(50)).filter(
      (r) => r.action === 'session.stop' && r.target === sessions.other
    )
    expect(record).toMatchObject({ actor: 'system', details: { reason: expect.stringMatching(/erased/) } })
    // the demo project's sandbox is untouched
    expect((await gw.app.sessions.get(sessions.first!))!.state).toBe('running')
  })
})
