import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PRESETS } from '../../server/src/airlock/disclosure/params.js'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { DEMO_DATASET, DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { loadPolicyFile } from '../../server/src/policy/load.js'
import { FakeDriver } from '../support/fake-driver.js'
import { type TestGateway, testGateway, TestClock } from '../support/gateway.js'
import { DEFAULT_POLICY_YAML } from '../support/policy.js'
import { attachTestDataset } from '../support/datasets.js'

/** The exceptions the default policy (ndb-japan) allows. */
const NDB_EXCEPTIONS = [...PRESETS['ndb-japan'].exceptionRules]

let driver: FakeDriver
let gw: TestGateway
let policyDir: string
let policyFile: string
let projectId: string
let admin: string

/** The gateway on a policy file of its own (runc unless told, so the fake driver's limits can change live). */
async function boot(options: { dataDir?: string; clock?: TestClock } = {}) {
  gw = await testGateway({}, { VRE_POLICY_FILE: policyFile }, { sessions: { driver }, ...options })
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  admin = (await gw.login('admin')).accessToken
}

beforeEach(async () => {
  driver = new FakeDriver()
  policyDir = mkdtempSync(join(tmpdir(), 'vre-policies-'))
  policyFile = join(policyDir, 'default.yaml')
  writeFileSync(policyFile, DEFAULT_POLICY_YAML.replace(/^ {2}runtime: runsc$/m, '  runtime: runc'))
  await boot()
})
afterEach(async () => {
  await gw.close()
  driver.dispose()
  rmSync(policyDir, { recursive: true, force: true })
})

const as = (token: string) => ({ authorization: `Bearer ${token}` })
const get = (url: string, token = admin) => gw.app.inject({ method: 'GET', url, headers: as(token) })
const put = (url: string, payload: Record<string, unknown>, token = admin) =>
  gw.app.inject({ method: 'PUT', url, headers: as(token), payload })

async function current(name = 'default') {
  const res = await get(`/api/v1/admin/policies/${name}`)
  expect(res.statusCode).toBe(200)
  return res.json() as { version: number; yaml: string; policy: Record<string, any> }
}

/** The policy with `change` made to a copy of it, as the console's form sends it. */
async function edited(name: string, change: (p: Record<string, any>) => void) {
  const c = await current(name)
  const policy = structuredClone(c.policy)
  change(policy)
  return { policy, baseVersion: c.version }
}

async function lastAudit(action: string) {
  return (await gw.app.store.recentAudit(50)).find((r) => r.action === action)
}

/** A running session of the demo project, started through the API on the fake driver. */
async function runningSession() {
  await attachTestDataset(gw.app, gw.dataDir, DEMO_DATASET, 'not really duckdb')
  const token = (await gw.login('researcher1')).accessToken
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    headers: as(token),
    payload: { projectId }
  })
  expect(res.statusCode).toBe(201)
  await gw.app.sessions.settle()
  const session = (await gw.app.store.getSandboxSession(res.json().id))!
  expect(session.state).toBe('running')
  return session
}

describe('policies in the store', () => {
  it('are seeded from the policy file and the preset files, each a first version by the system', async () => {
    const res = await get('/api/v1/admin/policies')
    expect(res.statusCode).toBe(200)
    const list = res.json() as { name: string; version: number; author: { name: string }; projects: number }[]
    expect(list.map((p) => [p.name, p.version, p.author.name])).toEqual([
      ['acro-default', 1, 'system'],
      ['default', 1, 'system'],
      ['ndb-japan', 1, 'system']
    ])
    expect(list.find((p) => p.name === 'default')!.projects).toBeGreaterThan(0)
    expect((await current('acro-default')).policy.airlock.preset).toBe('acro-default')
    expect((await current('ndb-japan')).policy.airlock.preset).toBe('ndb-japan')
    expect((await current()).yaml).toContain('runtime: runc')
  })

  it('ship each preset as the default policy with its own airlock preset, so the files do not drift apart', () => {
    const read = (name: string) => loadPolicyFile(join(PROJECT_ROOT, 'policies', `${name}.yaml`))
    const { name: _n, description: _d, airlock, display, monitoring, ...platform } = read('default')
    for (const preset of ['ndb-japan', 'acro-default'] as const) {
      const p = read(preset)
      expect(p.name).toBe(preset)
      expect(p.airlock).toEqual({ ...airlock, preset })
      const { name: _pn, description: _pd, airlock: _pa, display: pd, monitoring: pm, ...rest } = p
      expect(rest).toEqual(platform)
      // a preset may be stricter on the screen than the platform, never looser
      for (const k of ['bytesPerMinute', 'burstBytes', 'bytesPerSession'] as const) {
        expect(pd![k]).toBeLessThanOrEqual(display![k])
      }
      expect(Object.keys(pm!).sort()).toEqual(Object.keys(monitoring!).sort())
      if (preset === 'acro-default') expect([pd, pm]).toEqual([display, monitoring])
    }
  })

  it('are for administrators only', async () => {
    const researcher = (await gw.login('researcher1')).accessToken
    expect((await get('/api/v1/admin/policies', researcher)).statusCode).toBe(403)
    expect(
      (await put('/api/v1/admin/policies/default', { yaml: DEFAULT_POLICY_YAML, baseVersion: 1 }, researcher))
        .statusCode
    ).toBe(403)
    expect((await current()).version).toBe(1)
  })

  it('imports the policy file again when it changed while the gateway was down, and keeps a console edit otherwise', async () => {
    const edit = await edited('default', (p) => (p.sandbox.idleMinutes = 45))
    expect((await put('/api/v1/admin/policies/default', edit)).statusCode).toBe(200)
    const dataDir = gw.dataDir
    await gw.close(true)
    await boot({ dataDir, clock: gw.clock })
    expect((await current()).version).toBe(2)
    expect(gw.app.policy().sandbox.idleMinutes).toBe(45)

    writeFileSync(policyFile, readFileSync(policyFile, 'utf8').replace(/^ {2}pids: 256$/m, '  pids: 300'))
    await gw.close(true)
    await boot({ dataDir, clock: gw.clock })
    const now = await current()
    expect(now.version).toBe(3)
    expect(now.policy.sandbox.pids).toBe(300)
    expect((await lastAudit('policy.import'))!.details).toMatchObject({ replaces: 2 })
  })
})

describe('saving a policy', () => {
  it('refuses unknown keys and out-of-range values, naming every key path and line, and changes nothing', async () => {
    const bad = DEFAULT_POLICY_YAML.replace(/^ {2}cpus: 1\.0$/m, '  cpus: 100').replace(
      /^ {2}pids: 256$/m,
      '  pids: 256\n  colour: blue'
    )
    const res = await put('/api/v1/admin/policies/default', { yaml: bad, baseVersion: 1 })
    expect(res.statusCode).toBe(400)
    const { error } = res.json() as {
      error: { code: string; message: string; problems: { path: string; line?: number }[] }
    }
    expect(error.code).toBe('VRE_ERR_POLICY_INVALID')
    expect(error.message).toContain('/sandbox/cpus: must be <= 64')
    expect(error.message).toContain('/sandbox/colour: is not a key a policy may have')
    const cpusLine = bad.split('\n').findIndex((l) => l === '  cpus: 100') + 1
    expect(error.problems).toContainEqual({ path: '/sandbox/cpus', message: 'must be <= 64', line: cpusLine })
    expect(error.problems.find((p) => p.path === '/sandbox/colour')!.line).toBe(cpusLine + 3)
    expect((await current()).version).toBe(1)
    expect(gw.app.policy().sandbox.cpus).toBe(1)
    expect((await lastAudit('policy.update'))!).toMatchObject({ outcome: 'denied', target: 'default' })
  })

  it('refuses a policy object with a bad value at its path, and YAML that does not parse with its line', async () => {
    const edit = await edited('default', (p) => {
      p.sandbox.memoryMiB = 10
      p.airlock.dominance = { n: 0, k: 0.9 }
    })
    const res = await put('/api/v1/admin/policies/default', edit)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.problems.map((p: { path: string }) => p.path)).toEqual([
      '/sandbox/memoryMiB',
      '/airlock/dominance/n'
    ])
    const broken = await put('/api/v1/admin/policies/default', { yaml: 'name: default\nauth: [\n', baseVersion: 1 })
    expect(broken.statusCode).toBe(400)
    expect(broken.json().error.problems[0]).toMatchObject({
      path: '',
      message: expect.stringMatching(/not valid YAML/)
    })
    const renamed = await put('/api/v1/admin/policies/default', {
      yaml: DEFAULT_POLICY_YAML.replace('name: default', 'name: other'),
      baseVersion: 1
    })
    expect(renamed.json().error.problems).toEqual([
      { path: '/name', message: expect.stringMatching(/must be default/) }
    ])
    expect((await current()).version).toBe(1)
  })

  it('keeps the YAML comments when the policy comes as an object, and records author, comment and a line diff', async () => {
    const res = await put('/api/v1/admin/policies/default', {
      ...(await edited('default', (p) => (p.sandbox.cpus = 2))),
      comment: 'more CPU for the spring cohort'
    })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.changed).toBe(true)
    // only the line that changed: the rest of the file is written back as it was
    const changed = (body.diff as string).split('\n').filter((l) => /^[-+](?![-+]{2})/.test(l))
    expect(changed).toEqual(['-  cpus: 1.0', '+  cpus: 2'])
    const after = await current()
    expect(after.version).toBe(2)
    expect(after.yaml).toContain('# gVisor. A policy that asks for it never silently falls back to runc.')
    expect(gw.app.policy().sandbox.cpus).toBe(2)
    const versions = (await get('/api/v1/admin/policies/default/versions')).json()
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1])
    expect(versions[0]).toMatchObject({
      author: { name: 'Platform Administrator' },
      comment: 'more CPU for the spring cohort',
      diff: body.diff
    })
    expect((await lastAudit('policy.update'))!).toMatchObject({
      outcome: 'success',
      details: { version: 2, baseVersion: 1 }
    })
  })

  it('lets only one of two concurrent edits of the same version win; the other is told the version and loses nothing', async () => {
    const admin2 = (await gw.login('admin')).accessToken
    const a = await edited('default', (p) => (p.sandbox.cpus = 2))
    const b = await edited('default', (p) => (p.sandbox.pids = 512))
    const [ra, rb] = await Promise.all([
      put('/api/v1/admin/policies/default', a),
      put('/api/v1/admin/policies/default', b, admin2)
    ])
    const codes = [ra.statusCode, rb.statusCode].sort()
    expect(codes).toEqual([200, 409])
    const lost = ra.statusCode === 409 ? ra : rb
    expect(lost.json().error).toMatchObject({ code: 'VRE_ERR_STALE_VERSION', currentVersion: 2 })
    expect((await lastAudit('policy.update'))!).toMatchObject({ outcome: 'denied', details: { currentVersion: 2 } })
    // the loser reloads, makes the change again on the new version: both changes are in force
    const again = await edited('default', (p) =>
      ra.statusCode === 409 ? (p.sandbox.cpus = 2) : (p.sandbox.pids = 512)
    )
    expect(again.baseVersion).toBe(2)
    expect((await put('/api/v1/admin/policies/default', again)).statusCode).toBe(200)
    const now = await current()
    expect([now.version, now.policy.sandbox.cpus, now.policy.sandbox.pids]).toEqual([3, 2, 512])
  })

  it('creates a new named policy from version 0, and refuses to create one twice', async () => {
    const yaml = DEFAULT_POLICY_YAML.replace('name: default', 'name: small-cohort')
    expect((await put('/api/v1/admin/policies/small-cohort', { yaml, baseVersion: 1 })).statusCode).toBe(409)
    expect((await put('/api/v1/admin/policies/small-cohort', { yaml, baseVersion: 0 })).statusCode).toBe(200)
    const twice = await put('/api/v1/admin/policies/small-cohort', { yaml, baseVersion: 0 })
    expect(twice.statusCode).toBe(409)
    expect(twice.json().error.currentVersion).toBe(1)
  })
})

describe('project overrides', () => {
  it('make new sessions and the airlock of that project follow the assigned policy, and are audited', async () => {
    // (gVisor, as shipped: leaving it for runc would wait for a second administrator)
    const acro = await edited('acro-default', (p) => {
      p.sandbox.cpus = 3
      p.airlock.reviewers = 3
      // no exception the default lacks: a move that allowed one would wait for a second administrator
      p.airlock.exceptionRules = NDB_EXCEPTIONS
    })
    expect((await put('/api/v1/admin/policies/acro-default', acro)).statusCode).toBe(200)
    const res = await put(`/api/v1/admin/policy-assignments/${projectId}`, { policy: 'acro-default' })
    expect(res.statusCode).toBe(200)
    expect(res.json().assignment).toMatchObject({ projectId, policy: 'acro-default' })
    expect((await lastAudit('project.policy'))!).toMatchObject({
      outcome: 'success',
      target: projectId,
      details: { from: 'default', to: 'acro-default' }
    })
    expect(gw.app.policyFor(projectId).airlock.preset).toBe('acro-default')
    // the platform's default is unchanged for everyone else
    expect(gw.app.policy().airlock.preset).toBe('ndb-japan')

    const session = await runningSession()
    expect(session.limits).toMatchObject({ cpus: 3 })
    const sandbox = driver.sandboxes.get(session.sandboxId!)!
    expect(sandbox.spec.cpus).toBe(3)

    const list = (await get('/api/v1/admin/policy-assignments')).json() as { projectId: string; policy: string }[]
    expect(list.find((a) => a.projectId === projectId)!.policy).toBe('acro-default')
    expect((await get('/api/v1/admin/policies/acro-default')).json().projects).toEqual([
      { id: projectId, title: DEMO_PROJECT }
    ])

    // back to the default, which needs fewer reviewers: that waits for a second administrator
    const back = await put(`/api/v1/admin/policy-assignments/${projectId}`, { policy: null, reason: 'pilot over' })
    expect(back.statusCode).toBe(202)
    expect(gw.app.policyFor(projectId).airlock.preset).toBe('acro-default')
    const approve = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/admin/approvals/${back.json().pending.id}/approve`,
      headers: as((await gw.login('admin2')).accessToken)
    })
    expect(approve.statusCode).toBe(200)
    expect(gw.app.policyFor(projectId).airlock.preset).toBe('ndb-japan')
  })

  it('refuses a policy that does not exist or a project that does not, audited, changing nothing', async () => {
    const res = await put(`/api/v1/admin/policy-assignments/${projectId}`, { policy: 'nope' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toMatch(/no policy named nope/)
    expect((await lastAudit('project.policy'))!).toMatchObject({
      outcome: 'denied',
      details: { reason: 'no such policy' }
    })
    expect((await put('/api/v1/admin/policy-assignments/no-such-project', { policy: 'ndb-japan' })).statusCode).toBe(
      404
    )
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
  })
})

describe('live limits', () => {
  it('reach a running session: CPU, memory and processes through the driver, duration, idle and row cap in its record', async () => {
    const session = await runningSession()
    const edit = await edited('default', (p) => {
      p.sandbox.cpus = 2
      p.sandbox.memoryMiB = 3072
      p.sandbox.pids = 300
      p.sandbox.maxDurationMinutes = 60
      p.sandbox.idleMinutes = 20
      p.sandbox.rowCap = 50
      p.sandbox.tmpMiB = 128
    })
    const res = await put('/api/v1/admin/policies/default', edit)
    expect(res.statusCode).toBe(200)
    const live = res.json().live
    expect(live.sessions).toHaveLength(1)
    expect(live.sessions[0].applied.map((a: { key: string }) => a.key).sort()).toEqual(
      ['cpus', 'idleMinutes', 'maxDurationMinutes', 'memoryMiB', 'pids', 'rowCap'].sort()
    )
    expect(live.sessions[0].notApplied).toEqual([])
    expect(live.newSessionsOnly).toEqual(['sandbox.tmpMiB'])
    expect(live.note).toMatch(/sandbox.tmpMiB apply to new sessions only/)

    const spec = driver.sandboxes.get(session.sandboxId!)!.spec
    expect([spec.cpus, spec.memoryBytes, spec.pids]).toEqual([2, 3072 * 1024 * 1024, 300])
    const row = (await gw.app.store.getSandboxSession(session.id))!
    expect(row.limits).toMatchObject({
      cpus: 2,
      memoryMiB: 3072,
      pids: 300,
      maxDurationMinutes: 60,
      idleMinutes: 20,
      rowCap: 50
    })
    // what cannot change live stays as the session was launched
    expect(row.limits).toMatchObject({ tmpMiB: 256 })
    const done = (await lastAudit('session.limits'))!
    expect(done).toMatchObject({ outcome: 'success', target: session.id })
    // the engine was asked only once the request was on record
    const asked = (await lastAudit('session.limits.request'))!
    expect(asked).toMatchObject({ target: session.id, details: { to: { cpus: 2, memoryMiB: 3072, pids: 300 } } })
    expect(asked.seq).toBeLessThan(done.seq)

    // the new maximum duration ends the session at the reaper's next pass
    gw.clock.advance(61 * 60_000)
    await gw.app.sessions.reap()
    await gw.app.sessions.settle()
    const ended = (await gw.app.store.getSandboxSession(session.id))!
    expect(ended.state).toBe('stopped')
    expect(ended.reason).toMatch(/maximum duration of 60 minutes/)
  })

  it('say that a raised row cap reaches only a notebook kernel started after it', async () => {
    const session = await runningSession()
    // more rows on the screen: a second administrator approves it, and then it reaches the session
    const res = await put('/api/v1/admin/policies/default', {
      ...(await edited('default', (p) => (p.sandbox.rowCap = 5000))),
      comment: 'wide tables'
    })
    expect(res.statusCode).toBe(202)
    const approve = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/admin/approvals/${res.json().pending.id}/approve`,
      headers: as((await gw.login('admin2')).accessToken)
    })
    expect(approve.statusCode).toBe(200)
    expect((await lastAudit('session.limits'))!.details).toMatchObject({
      applied: [],
      notApplied: [{ key: 'rowCap', to: 5000, reason: expect.stringMatching(/started after it/) }]
    })
    // recorded, so a kernel started from now on shows up to 5000 rows
    expect((await gw.app.store.getSandboxSession(session.id))!.limits).toMatchObject({ rowCap: 5000 })
  })

  it('say that a longer maximum duration reaches new sessions only: a running sandbox keeps the deadline it started with', async () => {
    const session = await runningSession()
    const deadline = driver.sandboxes.get(session.sandboxId!)!.spec.deadline
    const res = await put(
      '/api/v1/admin/policies/default',
      await edited('default', (p) => (p.sandbox.maxDurationMinutes = 600))
    )
    expect(res.json().live.sessions[0]).toMatchObject({
      applied: [],
      notApplied: [
        { key: 'maxDurationMinutes', to: 600, reason: expect.stringMatching(/deadline it was started with/) }
      ]
    })
    // the record keeps the maximum the sandbox ends itself by, so the gateway ends it first
    expect((await gw.app.store.getSandboxSession(session.id))!.limits).toMatchObject({ maxDurationMinutes: 480 })
    expect(deadline.getTime() - Date.parse(session.createdAt)).toBe(480 * 60_000 + 5 * 60_000)
    gw.clock.advance(480 * 60_000)
    await gw.app.sessions.reap()
    await gw.app.sessions.settle()
    const ended = (await gw.app.store.getSandboxSession(session.id))!
    expect(ended.state).toBe('stopped')
    expect(ended.reason).toMatch(/maximum duration of 480 minutes/)
  })

  it('reach the running sessions of a project when it is assigned another policy', async () => {
    const session = await runningSession()
    const acro = await edited('acro-default', (p) => {
      p.sandbox.idleMinutes = 5
      p.airlock.exceptionRules = NDB_EXCEPTIONS
    })
    expect((await put('/api/v1/admin/policies/acro-default', acro)).json().live.sessions).toEqual([])
    const res = await put(`/api/v1/admin/policy-assignments/${projectId}`, { policy: 'acro-default' })
    expect(res.json().live.sessions[0]).toMatchObject({
      sessionId: session.id,
      applied: [{ key: 'idleMinutes', from: 30, to: 5 }]
    })
    expect((await gw.app.store.getSandboxSession(session.id))!.limits).toMatchObject({ idleMinutes: 5 })
  })

  it('say which limits a gVisor sandbox keeps until its next session, and still apply the rest', async () => {
    writeFileSync(policyFile, DEFAULT_POLICY_YAML)
    const dataDir = gw.dataDir
    await gw.close(true)
    await boot({ dataDir, clock: gw.clock })
    const session = await runningSession()
    expect(session.runtime).toBe('runsc')
    const res = await put(
      '/api/v1/admin/policies/default',
      await edited('default', (p) => {
        p.sandbox.cpus = 2
        p.sandbox.idleMinutes = 10
      })
    )
    const change = res.json().live.sessions[0]
    expect(change.applied).toEqual([{ key: 'idleMinutes', from: 30, to: 10 }])
    expect(change.notApplied).toEqual([{ key: 'cpus', to: 2, reason: expect.stringMatching(/gVisor/) }])
    expect(driver.sandboxes.get(session.sandboxId!)!.spec.cpus).toBe(1)
    const row = (await gw.app.store.getSandboxSession(session.id))!
    expect(row.limits).toMatchObject({ cpus: 1, idleMinutes: 10 })
    expect((await lastAudit('session.limits'))!.outcome).toBe('error')
  })
})
