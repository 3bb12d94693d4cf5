import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

/**
 * No one administrator relaxes a safeguard outside the airlock either (the screen budget, the
 * monitoring rules, the sandbox's runtime, the sign-in delays), and a change is weighed against the
 * policy the store holds, not a gateway's copy of it that fell behind. Real SQLite, the real app.
 */

let gw: TestGateway
let admin: string
let admin2: string

beforeEach(async () => {
  gw = await testGateway()
  admin = (await gw.login('admin')).accessToken
  admin2 = (await gw.login('admin2')).accessToken
})
afterEach(async () => gw.close())

async function api(method: 'GET' | 'PUT' | 'POST', url: string, payload?: Record<string, unknown>, token = admin) {
  const res = await gw.app.inject({
    method,
    url: `/api/v1/admin${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload !== undefined ? { payload } : {})
  })
  return { status: res.statusCode, body: res.json() as Record<string, any> }
}

const policy = async (name = 'default') => (await api('GET', `/policies/${name}`)).body
/** The audit records of `action` on `target`, newest first. */
const records = async (action: string, target: string) =>
  (await gw.app.store.recentAudit(100)).filter((r) => r.action === action && r.target === target)

/** A version written to the store behind this gateway's back (another gateway on the same store, say). */
async function writtenElsewhere(name: string, edit: (p: Record<string, any>) => void) {
  const current = (await gw.app.store.getPolicyVersion(name))!
  const p = structuredClone((await policy(name)).policy)
  edit(p)
  const { stringify } = await import('yaml')
  const result = await gw.app.store.addPolicyVersion(
    {
      name,
      yaml: stringify(p),
      author: 'system',
      comment: 'written by another gateway',
      diff: '',
      source: null,
      sourceSha256: null
    },
    current.version,
    { actor: 'system', action: 'policy.update', sourceIp: null, target: name, outcome: 'success', details: {} }
  )
  expect('saved' in result).toBe(true)
}

describe('a policy change that relaxes a safeguard outside the airlock', () => {
  it('a larger screen budget and a monitoring rule removed wait for a second administrator; none of it is in force until then', async () => {
    const p = await policy()
    const next = structuredClone(p.policy)
    next.display.bytesPerMinute = 64 * 1024 * 1024
    delete next.monitoring.datasetMatches
    const noReason = await api('PUT', '/policies/default', { policy: next, baseVersion: p.version })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.message).toMatch(/relaxes a safeguard .* needs a second administrator's approval/)
    expect((await records('policy.update', 'default'))[0]).toMatchObject({
      outcome: 'denied',
      details: { reason: expect.stringMatching(/second administrator/) }
    })

    const asked = await api('PUT', '/policies/default', {
      policy: next,
      baseVersion: p.version,
      comment: 'a dashboard project'
    })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.weakenings).toEqual([
      { key: 'display.bytesPerMinute', from: 512 * 1024, to: 64 * 1024 * 1024 },
      { key: 'monitoring.datasetMatches', from: '8 (end)', to: 'off' }
    ])
    expect(asked.body.pending.summary).toBe(
      'Policy default from version 1: display.bytesPerMinute 524288 → 67108864; monitoring.datasetMatches 8 (end) → off'
    )
    // not in force: the screen budget and the rule are as they were, and no version was written
    expect(gw.app.policy().display!.bytesPerMinute).toBe(512 * 1024)
    expect(gw.app.policy().monitoring!.datasetMatches).toEqual({ limit: 8, action: 'end' })
    expect((await gw.app.policies.versions('default')).length).toBe(1)
    expect((await records('approval.request', 'default'))[0]!.details).toMatchObject({
      kind: 'policy.update',
      reason: 'a dashboard project'
    })

    const approved = await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)
    expect(approved.status).toBe(200)
    expect(gw.app.policy().display!.bytesPerMinute).toBe(64 * 1024 * 1024)
    expect(gw.app.policy().monitoring!.datasetMatches).toBeUndefined()
  })

  it('runc in place of gVisor, another image, a larger row cap or shorter sign-in delays wait too; tightening is at once', async () => {
    const p = await policy()
    const next = structuredClone(p.policy)
    next.sandbox.runtime = 'runc'
    next.sandbox.image = 'vre-sandbox:with-tools'
    next.sandbox.rowCap = 100_000
    next.auth.signInDelays.maxDelaySeconds = 1
    const asked = await api('PUT', '/policies/default', { policy: next, baseVersion: p.version, comment: 'x' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.weakenings.map((w: { key: string }) => w.key)).toEqual([
      'auth.signInDelays.maxDelaySeconds',
      'sandbox.runtime',
      'sandbox.image',
      'sandbox.rowCap'
    ])
    expect(gw.app.policy().sandbox.runtime).toBe('runsc')
    expect((await api('POST', `/approvals/${asked.body.pending.id}/withdraw`)).status).toBe(200)
    // a smaller screen budget and a stricter rule: one administrator, at once
    const stricter = structuredClone(p.policy)
    stricter.display.bytesPerMinute = 128 * 1024
    stricter.monitoring.encodedOutputKiBPerMinute.action = 'end'
    expect((await api('PUT', '/policies/default', { policy: stricter, baseVersion: p.version })).status).toBe(200)
    expect(gw.app.policy().display!.bytesPerMinute).toBe(128 * 1024)
  })

  it('moving a project to a policy without monitoring waits for a second administrator', async () => {
    const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    const quiet = structuredClone((await policy()).policy)
    quiet.name = 'quiet'
    delete quiet.monitoring
    const made = await api('PUT', '/policies/quiet', { policy: quiet, baseVersion: 0, comment: 'no rules' })
    expect(made.status).toBe(202)
    expect((await api('POST', `/approvals/${made.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    const asked = await api('PUT', `/policy-assignments/${projectId}`, { policy: 'quiet', reason: 'a pilot' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change.weakenings.map((w: { key: string }) => w.key)).toEqual([
      'monitoring.terminalOutputMiBPerMinute',
      'monitoring.refusedActionsPerMinute',
      'monitoring.encodedOutputKiBPerMinute',
      'monitoring.datasetMatches',
      'monitoring.displayCeilingMinutes',
      'monitoring.allowedHours'
    ])
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
  })
})

describe("a change weighed against the store's policy, not a copy that fell behind", () => {
  it('a weakening based on a version written elsewhere still waits for a second administrator', async () => {
    // version 2 reaches the store, not this gateway's copy (still at 1)
    await writtenElsewhere('default', (p) => (p.sandbox.cpus = 2))
    expect(gw.app.policies.get('default')!.row.version).toBe(1)
    const p = structuredClone((await policy()).policy)
    p.sandbox.cpus = 2
    p.airlock.reviewers = 1
    const asked = await api('PUT', '/policies/default', { policy: p, baseVersion: 2, comment: 'a pilot' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change).toMatchObject({
      baseVersion: 2,
      weakenings: [{ key: 'reviewers', from: 2, to: 1 }]
    })
    // nothing was written: the store's newest is still version 2, which this gateway now follows
    expect((await gw.app.store.getPolicyVersion('default'))!.version).toBe(2)
    expect(gw.app.policy()).toMatchObject({ sandbox: { cpus: 2 }, airlock: { reviewers: 2 } })
    // and approved, it is written on that version
    expect((await api('POST', `/approvals/${asked.body.pending.id}/approve`, undefined, admin2)).status).toBe(200)
    expect((await gw.app.store.getPolicyVersion('default'))!.version).toBe(3)
    expect(gw.app.policy().airlock.reviewers).toBe(1)
  })

  it('a change based on a version the store has moved past is refused as stale, audited, before anything is weighed', async () => {
    await writtenElsewhere('default', (p) => (p.sandbox.cpus = 2))
    const p = structuredClone(gw.app.policies.get('default')!.policy) as unknown as Record<string, any>
    p.airlock.reviewers = 1
    const stale = await api('PUT', '/policies/default', { policy: p, baseVersion: 1, comment: 'a pilot' })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'VRE_ERR_STALE_VERSION', currentVersion: 2 })
    expect((await records('policy.update', 'default'))[0]).toMatchObject({
      outcome: 'denied',
      details: { reason: 'stale version', currentVersion: 2 }
    })
    expect(await gw.app.store.approvals.list({ states: ['pending'], limit: 10 })).toEqual([])
    expect((await gw.app.store.getPolicyVersion('default'))!.version).toBe(2)
  })

  it("a project's move is weighed against the store's versions of both policies", async () => {
    const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    const same = structuredClone((await policy()).policy)
    same.name = 'cohort'
    // as strict as the default: made at once
    expect((await api('PUT', '/policies/cohort', { policy: same, baseVersion: 0 })).status).toBe(200)
    // its version 2, one reviewer, reaches the store only
    await writtenElsewhere('cohort', (p) => (p.airlock.reviewers = 1))
    expect(gw.app.policies.get('cohort')!.policy.airlock.reviewers).toBe(2)
    const asked = await api('PUT', `/policy-assignments/${projectId}`, { policy: 'cohort', reason: 'their study' })
    expect(asked.status).toBe(202)
    expect(asked.body.pending.change).toMatchObject({
      to: 'cohort',
      toVersion: 2,
      weakenings: [{ key: 'reviewers', from: 2, to: 1 }]
    })
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
    expect((await gw.app.store.listProjectPolicies()).find((a) => a.projectId === projectId)).toBeUndefined()
  })
})
