import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { DEMO_DATASET, DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { WORK_DIR, workspaceSnapshot } from '../../server/src/sessions/workspace.js'
import { FakeDriver } from '../support/fake-driver.js'
import { type TestGateway, testGateway, TestClock } from '../support/gateway.js'
import { attachTestDataset } from '../support/datasets.js'

let driver: FakeDriver
let gw: TestGateway
let projectId: string

const sys = { actor: 'test', sourceIp: null, target: null, outcome: 'success' as const }

async function boot(options: { dataDir?: string; clock?: TestClock } = {}) {
  const g = await testGateway({}, {}, { sessions: { driver, reapIntervalMs: 3_600_000 }, ...options })
  return g
}

beforeEach(async () => {
  driver = new FakeDriver()
  gw = await boot()
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  // a small dataset file attached to the demo dataset
  await attachTestDataset(gw.app, gw.dataDir, DEMO_DATASET, 'not really duckdb')
})
afterEach(async () => {
  await gw.close()
  driver.dispose()
})

async function startAs(username: string, body: Record<string, unknown> = { projectId }) {
  const { accessToken } = await gw.login(username)
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    headers: { authorization: `Bearer ${accessToken}` },
    payload: body
  })
  return { res, token: accessToken }
}

async function running(username = 'researcher1') {
  const { res, token } = await startAs(username)
  expect(res.statusCode).toBe(201)
  await gw.app.sessions.settle()
  const session = (await gw.app.store.getSandboxSession(res.json().id))!
  expect(session.state).toBe('running')
  return { session, token }
}

const actions = async (n: number) =>
  (await gw.app.store.recentAudit(n)).reverse().map((r) => `${r.action}:${r.outcome}`)

describe('starting a session', () => {
  it('launches a labelled sandbox with the dataset read-only and the workspace folders, then reports it running', async () => {
    const { res, token } = await startAs('researcher1')
    expect(res.json()).toMatchObject({ state: 'starting', projectId, runtime: 'runsc' })
    await gw.app.sessions.settle()
    const view = await gw.app.inject({
      method: 'GET',
      url: `/api/v1/sessions/${res.json().id}`,
      headers: { authorization: `Bearer ${token}` }
    })
    expect(view.json().state).toBe('running')
    expect(view.json().expiresAt).not.toBeNull()
    const [sandbox] = await driver.list({ 'vre.session': res.json().id })
    const user = (await gw.app.store.getUserByUsername('researcher1'))!
    expect(sandbox!.labels).toMatchObject({ 'vre.user': user.id, 'vre.project': projectId })
    expect((await runInSandbox(driver, sandbox!.id, { cmd: ['cat', `/data/${DEMO_DATASET}.duckdb`] })).stdout).toBe(
      'not really duckdb'
    )
    const fakeBox = driver.sandboxes.get(sandbox!.id)!
    expect(existsSync(join(fakeBox.root, WORK_DIR, 'outbox'))).toBe(true)
    expect(existsSync(join(fakeBox.root, WORK_DIR, 'inbox'))).toBe(true)
    expect(fakeBox.spec.env.VRE_DATASET).toBe(`/data/${DEMO_DATASET}.duckdb`)
    expect(await actions(2)).toEqual(['session.start:success', 'session.running:success'])
  })

  it('tells a researcher whose certification expired why, and starts nothing', async () => {
    const { res } = await startAs('researcher2')
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('VRE_ERR_NOT_ELIGIBLE')
    expect(res.json().error.message).toMatch(/certification T2-0017 expired on \d{4}-\d{2}-\d{2}/)
    expect(await gw.app.store.listSandboxSessions({})).toEqual([])
    expect(driver.sandboxes.size).toBe(0)
    expect(await actions(1)).toEqual(['session.start:denied'])
  })

  it("refuses outside the project dates naming the reason, and a project one is not in as one that doesn't exist", async () => {
    gw.clock.advance(400 * 24 * 3_600_000)
    const late = await startAs('researcher1')
    expect(late.res.statusCode).toBe(403)
    expect(late.res.json().error.message).toMatch(/ended on/)
    const other = await gw.app.store.createProject(
      {
        title: 'Other',
        purpose: 'p',
        approvalReference: 'r',
        startDate: '2020-01-01',
        endDate: '2099-01-01',
        memberIds: [],
        datasetIds: []
      },
      { ...sys, action: 'project.create' }
    )
    const stranger = await startAs('researcher1', { projectId: other.id })
    const nowhere = await startAs('researcher1', { projectId: '00000000-0000-4000-8000-000000000000' })
    // the same answer as for no project at all: the title is not given away
    expect(stranger.res.statusCode).toBe(404)
    expect(stranger.res.json()).toEqual(nowhere.res.json())
    expect(stranger.res.json().error.message).toBe('There is no such project.')
    const refused = (await gw.app.store.recentAudit(10)).find((r) => r.target === other.id)
    expect(refused).toMatchObject({ action: 'session.start', outcome: 'denied' })
    expect(refused!.details.reasons).toContainEqual('you are not a member of the project "Other"')
    expect(driver.sandboxes.size).toBe(0)
  })

  it('refuses a second live session over the per-user quota', async () => {
    await running()
    const again = await startAs('researcher1')
    expect(again.res.statusCode).toBe(409)
    expect(again.res.json().error.message).toMatch(/already have 1 live session/)
    expect(driver.sandboxes.size).toBe(1)
  })

  it('holds the quota against concurrent starts', async () => {
    const { accessToken } = await gw.login('researcher1')
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        gw.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          headers: { authorization: `Bearer ${accessToken}` },
          payload: { projectId }
        })
      )
    )
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409])
    await gw.app.sessions.settle()
    expect(driver.sandboxes.size).toBe(1)
  })

  it('refuses when the policy runtime is missing, without falling back', async () => {
    driver.available = ['runc']
    const { res } = await startAs('researcher1')
    expect(res.statusCode).toBe(503)
    expect(res.json().error.message).toMatch(/runsc runtime/)
    expect(await gw.app.store.listSandboxSessions({})).toEqual([])
  })

  it('refuses bad input and other roles', async () => {
    expect((await startAs('researcher1', { projectId, extra: 1 })).res.statusCode).toBe(400)
    expect((await startAs('researcher1', {})).res.statusCode).toBe(400)
    const reviewer = await startAs('reviewer1')
    expect(reviewer.res.statusCode).toBe(403)
    expect(reviewer.res.json().error.message).toMatch(/researcher role/)
  })
})

/** Parses a Server-Sent Events body into its events. */
function serverSentEvents(body: string): { event: string; data: Record<string, unknown> }[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n')
      return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) as Record<string, unknown> }
    })
}

describe('following a session', () => {
  it('streams its state and the start steps as Server-Sent Events until it ends', async () => {
    let release!: () => void
    driver.holdStarts = new Promise<void>((r) => (release = r))
    const { res, token } = await startAs('researcher1')
    const id = res.json().id as string
    const auth = { authorization: `Bearer ${token}` }
    const stream = gw.app.inject({ method: 'GET', url: `/api/v1/sessions/${id}/events`, headers: auth })
    await new Promise((r) => setTimeout(r, 50))
    release()
    await gw.app.sessions.settle()
    await gw.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${id}`, headers: auth })
    const done = await stream
    expect(done.statusCode).toBe(200)
    expect(done.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const events = serverSentEvents(done.body).map((e) =>
      e.event === 'session' ? `session:${e.data.state as string}` : `progress:${e.data.step as string}`
    )
    expect(events.filter((e) => e !== 'progress:data')).toEqual([
      'session:starting',
      'progress:sandbox',
      'progress:workspace',
      'session:running',
      'session:stopping',
      'session:stopped'
    ])
    const data = serverSentEvents(done.body).filter((e) => e.event === 'progress' && e.data.step === 'data')
    expect(data.at(-1)?.data).toEqual({ step: 'data', bytes: 17, totalBytes: 17 })
  })

  it('fails a start whose sandbox dies before it is ready, instead of leaving it starting', async () => {
    driver.holdSeeds = new Promise<void>(() => undefined)
    const { res } = await startAs('researcher1')
    const id = res.json().id as string
    for (let i = 0; i < 100 && driver.sandboxes.size === 0; i++) await new Promise((r) => setTimeout(r, 10))
    const sandbox = [...driver.sandboxes.keys()][0]!
    driver.crash(sandbox)
    await gw.app.sessions.settle()
    const session = (await gw.app.store.getSandboxSession(id))!
    expect(session.state).toBe('failed')
    expect(session.reason).toMatch(/ended while it was starting: the sandbox ran out of memory/)
  })

  it('needs a sign-in', async () => {
    const { session } = await running()
    const res = await gw.app.inject({ method: 'GET', url: `/api/v1/sessions/${session.id}/events` })
    expect(res.statusCode).toBe(401)
  })
})

describe('ending a session', () => {
  it('keeps the workspace across sessions of the same project', async () => {
    const first = await running()
    const p = pack()
    p.entry({ name: 'work/analysis.py', mode: 0o644 }, 'print("hello")\n')
    p.finalize()
    await driver.copyIn(
      first.session.sandboxId!,
      '/home/researcher',
      Readable.from(p as unknown as AsyncIterable<Buffer>)
    )
    const stop = await gw.app.inject({
      method: 'DELETE',
      url: `/api/v1/sessions/${first.session.id}`,
      headers: { authorization: `Bearer ${first.token}` }
    })
    expect(stop.statusCode).toBe(200)
    expect(stop.json()).toMatchObject({ state: 'stopped', reason: 'ended by the researcher' })
    expect(driver.sandboxes.size).toBe(0)
    expect(existsSync(workspaceSnapshot(gw.dataDir, projectId, first.session.userId))).toBe(true)
    const second = await running()
    expect(
      (await runInSandbox(driver, second.session.sandboxId!, { cmd: ['cat', `${WORK_DIR}/analysis.py`] })).stdout
    ).toBe('print("hello")\n')
    expect(await actions(6)).toContain('workspace.save:success')
  })

  it("hides another researcher's session", async () => {
    const mine = await running()
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
    const { accessToken } = await gw.login('researcher2')
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/events'],
      ['DELETE', '']
    ] as const) {
      const res = await gw.app.inject({
        method,
        url: `/api/v1/sessions/${mine.session.id}${path}`,
        headers: { authorization: `Bearer ${accessToken}` }
      })
      expect(res.statusCode).toBe(404)
    }
    expect((await gw.app.store.getSandboxSession(mine.session.id))!.state).toBe('running')
  })
})

describe('the reaper', () => {
  it('ends a session at the maximum duration', async () => {
    const { session } = await running()
    gw.clock.advance(8 * 3_600_000)
    await gw.app.sessions.reap()
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(session.id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('the session reached its maximum duration of 480 minutes')
    expect(driver.sandboxes.size).toBe(0)
  })

  it('ends an idle session, and activity keeps one alive', async () => {
    const { session } = await running()
    gw.clock.advance(20 * 60_000)
    gw.app.sessions.touch(session.id)
    gw.clock.advance(20 * 60_000)
    await gw.app.sessions.reap()
    expect((await gw.app.store.getSandboxSession(session.id))!.state).toBe('running')
    gw.clock.advance(11 * 60_000)
    await gw.app.sessions.reap()
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(session.id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('the session was idle for 30 minutes')
  })

  it('ends live sessions when the certification is suspended', async () => {
    const { session } = await running()
    const orgId = (await gw.app.store.getUserById(session.userId))!.organizationId!
    const cert = (await gw.app.store.getCertification(orgId))!
    await gw.app.store.setCertification({ ...cert, status: 'suspended' }, { ...sys, action: 'certification.set' })
    await gw.app.sessions.reap()
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(session.id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe('certification T2-0042 is suspended')
    expect(await actions(3)).toEqual(['session.stop:success', 'workspace.save:success', 'session.stopped:success'])
  })

  it('ends a session whose right to work lapsed even while the engine gives no figures', async () => {
    const { session } = await running()
    const orgId = (await gw.app.store.getUserById(session.userId))!.organizationId!
    const cert = (await gw.app.store.getCertification(orgId))!
    await gw.app.store.setCertification({ ...cert, status: 'suspended' }, { ...sys, action: 'certification.set' })
    driver.statsFault = new Error('the engine did not answer')
    try {
      await gw.app.sessions.reap()
      await gw.app.sessions.settle()
    } finally {
      driver.statsFault = null
    }
    expect((await gw.app.store.getSandboxSession(session.id))!.reason).toBe('certification T2-0042 is suspended')
  })

  it('marks a session failed when its sandbox dies, with the reason', async () => {
    const { session } = await running()
    driver.crash(session.sandboxId!, 'the sandbox ran out of memory')
    await gw.app.sessions.reap()
    const s = (await gw.app.store.getSandboxSession(session.id))!
    expect(s.state).toBe('failed')
    expect(s.reason).toBe('the sandbox stopped unexpectedly: the sandbox ran out of memory')
    expect(await actions(1)).toEqual(['session.failed:error'])
  })
})

describe('limits', () => {
  it('audits a process killed for memory, and fails the session at once when the sandbox dies', async () => {
    const { session } = await running()
    driver.emit(session.sandboxId!, 'oom')
    await new Promise((r) => setTimeout(r, 50))
    const [oom] = await gw.app.store.recentAudit(1)
    expect(oom).toMatchObject({ action: 'sandbox.limit', target: session.id, outcome: 'denied' })
    expect(oom!.details).toMatchObject({ limit: 'memory' })
    driver.crash(session.sandboxId!, 'the sandbox ran out of memory')
    driver.emit(session.sandboxId!, 'died', 137)
    await new Promise((r) => setTimeout(r, 50))
    expect((await gw.app.store.getSandboxSession(session.id))!.state).toBe('failed')
  })

  it('audits a sandbox at its process limit once per episode', async () => {
    const { session } = await running()
    driver.pidsNow = 256
    await gw.app.sessions.reap()
    await gw.app.sessions.reap()
    const hits = (await gw.app.store.recentAudit(10)).filter((r) => r.action === 'sandbox.limit')
    expect(hits).toHaveLength(1)
    expect(hits[0]!.details).toEqual({ limit: 'pids', pids: 256, max: 256 })
    expect((await gw.app.store.getSandboxSession(session.id))!.state).toBe('running')
  })
})

describe('a gateway restart', () => {
  it('re-adopts running sandboxes, removes orphans and fails sessions whose sandbox vanished', async () => {
    const kept = await running('researcher1')
    // a second researcher of a certified organization, to have two live sessions
    const orgName = (await gw.app.store.getOrganization(
      (await gw.app.store.getUserById(kept.session.userId))!.organizationId!
    ))!.name
    const { createAccount } = await import('../../server/src/identity/accounts.js')
    const extra = await createAccount(
      gw.app.store,
      gw.app.keys,
      { username: 'researcher3', displayName: 'R3', organization: orgName, roles: ['researcher'] },
      { actor: 'test', sourceIp: null }
    )
    ;(gw.app.store as unknown as { db: import('better-sqlite3').Database }).db
      .prepare('INSERT INTO project_members (project_id, user_id) VALUES (?, ?)')
      .run(projectId, extra.user.id)
    gw.credentials.researcher3 = { password: extra.password, totpSecret: extra.totpSecret }
    const lost = await running('researcher3')
    const gatewayId = await gw.app.store.gatewayId()
    const orphan = await driver.start({
      ...driver.sandboxes.get(kept.session.sandboxId!)!.spec,
      name: 'orphan',
      labels: { 'vre.gateway': gatewayId, 'vre.session': 'no-such-session' }
    })
    const foreign = await driver.start({
      ...driver.sandboxes.get(kept.session.sandboxId!)!.spec,
      name: 'other-gateway',
      labels: { 'vre.gateway': 'another' }
    })

    const clock = gw.clock
    const dataDir = gw.dataDir
    await gw.close(true)
    driver.vanish(lost.session.sandboxId!)
    gw = await boot({ dataDir, clock })

    expect((await gw.app.store.getSandboxSession(kept.session.id))!.state).toBe('running')
    expect(driver.sandboxes.has(kept.session.sandboxId!)).toBe(true)
    const failed = (await gw.app.store.getSandboxSession(lost.session.id))!
    expect(failed.state).toBe('failed')
    expect(failed.reason).toBe('the sandbox was gone when the gateway restarted')
    expect(driver.sandboxes.has(orphan.id)).toBe(false)
    expect(driver.sandboxes.has(foreign.id)).toBe(true)
    const trail = (await gw.app.store.recentAudit(10)).map((r) => r.action)
    expect(trail).toContain('session.adopted')
    expect(trail).toContain('sandbox.orphan_removed')
    // the adopted session still works: it can be stopped normally
    const stopped = await gw.app.sessions.stop(kept.session.id, 'test', { actor: 'test', sourceIp: null })
    expect(stopped.state).toBe('stopped')
  })

  it('finds a sandbox that ended itself at its deadline while the gateway was away, and says so', async () => {
    driver.clock = () => gw.clock.t
    const { session } = await running()
    const box = driver.sandboxes.get(session.sandboxId!)!
    // the longest session (480 minutes) plus the grace the gateway has to end it first (5 minutes)
    expect(box.spec.deadline.getTime()).toBe(Date.parse(session.createdAt) + 485 * 60_000)
    const clock = gw.clock
    const dataDir = gw.dataDir
    await gw.close(true)
    clock.advance(485 * 60_000)
    gw = await boot({ dataDir, clock })
    const failed = (await gw.app.store.getSandboxSession(session.id))!
    expect(failed.state).toBe('failed')
    expect(failed.reason).toMatch(/reached its deadline.*while the gateway was away/)
    expect(driver.sandboxes.has(session.sandboxId!)).toBe(false)
  })

  it("removes other gateways' sandboxes past their deadline, on record first, and leaves the rest alone", async () => {
    driver.clock = () => gw.clock.t
    const { session } = await running()
    const spec = driver.sandboxes.get(session.sandboxId!)!.spec
    const labels = (gateway: string, id: string) => ({
      'vre.gateway': gateway,
      'vre.session': id,
      'vre.user': 'u-gone',
      'vre.project': 'p-gone'
    })
    const t = gw.clock.t
    const expired = await driver.start({
      ...spec,
      name: 'expired',
      labels: labels('gone-gateway', 's-expired'),
      deadline: new Date(t + 60_000)
    })
    const within = await driver.start({
      ...spec,
      name: 'within',
      labels: labels('other-gateway', 's-within'),
      deadline: new Date(t + 3_600_000)
    })
    const unlabelled = await driver.start({ ...spec, name: 'not-ours', labels: {}, deadline: new Date(t + 60_000) })

    const clock = gw.clock
    const dataDir = gw.dataDir
    await gw.close(true)
    // at its deadline the sandbox ends itself; what is left is removed a minute later
    clock.advance(60_000)
    gw = await boot({ dataDir, clock })
    expect(driver.sandboxes.has(expired.id)).toBe(true)
    await gw.close(true)
    clock.advance(60_000)
    gw = await boot({ dataDir, clock })

    expect(driver.sandboxes.has(expired.id)).toBe(false)
    expect(driver.sandboxes.has(within.id)).toBe(true)
    // not a sandbox of any gateway: not ours to judge
    expect(driver.sandboxes.has(unlabelled.id)).toBe(true)
    // this gateway's own live session is re-adopted as before
    expect((await gw.app.store.getSandboxSession(session.id))!.state).toBe('running')
    const removed = (await gw.app.store.recentAudit(20)).filter((r) => r.action === 'sandbox.expired_removed')
    expect(removed).toHaveLength(1)
    expect(removed[0]).toMatchObject({
      actor: 'system',
      target: expired.id,
      outcome: 'success',
      details: {
        gateway: 'gone-gateway',
        session: 's-expired',
        user: 'u-gone',
        project: 'p-gone',
        deadline: new Date(t + 60_000).toISOString(),
        stillRunning: false
      }
    })
  })
})

describe('project end', () => {
  it('ends the session and then deletes the project workspaces, recording what was deleted', async () => {
    const { session } = await running()
    const project = (await gw.app.store.getProject(projectId))!
    gw.clock.t = Date.parse(`${project.endDate}T00:00:00+09:00`) + 24 * 3_600_000 + 60_000
    await gw.app.sessions.reap()
    await gw.app.sessions.settle()
    const s = (await gw.app.store.getSandboxSession(session.id))!
    expect(s.state).toBe('stopped')
    expect(s.reason).toBe(`the project "${DEMO_PROJECT}" ended on ${project.endDate}`)
    const snapshot = workspaceSnapshot(gw.dataDir, projectId, session.userId)
    expect(existsSync(snapshot)).toBe(true)
    // kept for the policy's retention (30 days by default) after the end date
    expect(await gw.app.sessions.wipeEndedProjects()).toEqual([])
    expect(existsSync(snapshot)).toBe(true)
    gw.clock.advance(30 * 24 * 3_600_000)
    expect(await gw.app.sessions.wipeEndedProjects()).toEqual([projectId])
    expect(existsSync(snapshot)).toBe(false)
    // the wipe is recorded, then the erasure of the project's keys closes it
    const recent = await gw.app.store.recentAudit(20)
    expect(recent[0]!.action).toBe('project.erased')
    const record = recent.find((r) => r.action === 'workspace.wipe')
    expect(record!.action).toBe('workspace.wipe')
    expect(record!.details.files).toEqual([
      { path: `workspaces/${projectId}/${session.userId}.tar.enc`, bytes: expect.any(Number) }
    ])
  })

  it('keeps the workspaces of a running project', async () => {
    const { session } = await running()
    await gw.app.sessions.stop(session.id, 'test', { actor: 'test', sourceIp: null })
    expect(await gw.app.sessions.wipeEndedProjects()).toEqual([])
    expect(existsSync(workspaceSnapshot(gw.dataDir, projectId, session.userId))).toBe(true)
  })
})
