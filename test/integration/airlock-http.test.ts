import { createHash } from 'node:crypto'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { createAccount, createProject } from '../../server/src/identity/accounts.js'
import { SUBMISSIONS_PER_MINUTE } from '../../server/src/routes/api/v1/exports/view.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { DEFAULT_POLICY_YAML } from '../support/policy.js'

/** The airlock's HTTP rules that need no sandbox: imports go straight to quarantine. */
describe('airlock over HTTP', () => {
  let gw: TestGateway
  let projectId = ''
  let dualProject = ''
  const tokens: Record<string, string> = {}

  const upload = (who: string, name: string, body = 'print(1)\n') =>
    gw.app.inject({
      method: 'POST',
      url: `/api/v1/imports?${new URLSearchParams({
        projectId: who === 'dual' ? dualProject : projectId,
        name,
        justification: 'needed for the analysis'
      })}`,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(body)
    })
  const imports = async () => gw.app.store.listAirlockRequests({ direction: 'import', projectId })

  beforeAll(async () => {
    gw = await testGateway()
    projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    // one person who both researches and reviews, a member of the demo project
    const dual = await createAccount(
      gw.app.store,
      gw.app.keys,
      {
        username: 'dual',
        displayName: 'Ito Mei',
        organization: 'Kanto University Hospital Research Unit',
        roles: ['researcher', 'reviewer']
      },
      { actor: 'test', sourceIp: null }
    )
    const audit = { actor: 'test', sourceIp: null }
    dualProject = (
      await createProject(
        gw.app.store,
        {
          title: 'Dual roles',
          purpose: 'A member who also reviews.',
          approvalReference: 'IRB-TEST-1',
          startDate: '2020-01-01',
          endDate: '2099-12-31',
          members: ['dual'],
          datasets: []
        },
        audit
      )
    ).id
    gw.clock.advance(30_000)
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'dual', password: dual.password, totp: totpCode(dual.totpSecret, gw.clock.now()) }
    })
    expect(res.statusCode, res.body).toBe(200)
    tokens.dual = (res.json() as { accessToken: string }).accessToken
    for (const who of ['researcher1', 'reviewer1']) tokens[who] = (await gw.login(who)).accessToken
  })
  afterAll(async () => gw?.close())

  it('never lets a researcher who is also a reviewer review their own request, nor see it queued', async () => {
    const mine = (await upload('dual', 'codes.csv', 'code,label\nE11,diabetes\n')).json() as {
      id: string
      round: number
      files: { sha256: string }[]
    }
    const queue = (
      await gw.app.inject({
        method: 'GET',
        url: '/api/v1/reviews',
        headers: { authorization: `Bearer ${tokens.dual}` }
      })
    ).json() as { id: string }[]
    expect(queue.map((r) => r.id)).not.toContain(mine.id)
    const decide = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/reviews/${mine.id}/decisions`,
      headers: { authorization: `Bearer ${tokens.dual}` },
      payload: { decision: 'approve', round: mine.round, sha256s: mine.files.map((f) => f.sha256) }
    })
    expect(decide.statusCode).toBe(403)
    expect(decide.json().error.message).toMatch(/reviewed by other reviewers/)
    expect((await gw.app.store.getAirlockRequest(mine.id))!.request.state).toBe('submitted')
  })

  it(`takes at most ${SUBMISSIONS_PER_MINUTE} submissions a minute from one researcher, and says when to try again`, async () => {
    const before = (await imports()).length
    for (let i = 0; i < SUBMISSIONS_PER_MINUTE; i++) {
      const res = await upload('researcher1', `step-${i}.py`)
      expect(res.statusCode, res.body).toBe(201)
    }
    const refused = await upload('researcher1', 'one-more.py')
    expect(refused.statusCode).toBe(429)
    expect(refused.json().error.message).toMatch(/Too many requests: try again in/)
    expect((await imports()).length).toBe(before + SUBMISSIONS_PER_MINUTE)
    // another researcher is not held up by it
    expect((await upload('dual', 'theirs.py')).statusCode).toBe(201)
  })

  it("keeps a justification sent in the query string out of the gateway's logs", async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/imports?${new URLSearchParams({ projectId: dualProject, name: 'icd.csv', justification: 'ICD-10 マスター for cohort X' })}`,
      headers: { authorization: `Bearer ${tokens.dual}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('code,label\nE11,T2DM\n')
    })
    expect(res.statusCode).toBe(201)
    const logged = gw.logs.join('')
    expect(logged).toContain('/api/v1/imports?')
    expect(logged).not.toMatch(/cohort|%E3%83%9E|justification=/)
  })

  it('forgets what a refused import stored, keeping the bytes another request holds', async () => {
    const quarantine = () => readdirSync(join(gw.dataDir, 'quarantine')).sort()
    const before = quarantine()
    const notAZip = 'PK this is no archive'
    const refused = await upload('dual', 'broken.zip', notAZip)
    expect(refused.statusCode).toBe(400)
    expect(quarantine()).toEqual(before)
    // the same bytes, accepted under a name that says what they are, then refused as an archive
    expect((await upload('dual', 'broken.txt', notAZip)).statusCode).toBe(201)
    const kept = quarantine()
    expect((await upload('dual', 'broken-again.zip', notAZip)).statusCode).toBe(400)
    expect(quarantine()).toEqual(kept)
  })

  it('clears partial copies and unreferenced files from quarantine at start, and audits what went', async () => {
    const dir = join(gw.dataDir, 'quarantine')
    const held = readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n))
    expect(held.length).toBeGreaterThan(0)
    const stray = Buffer.from('left by a submission that failed before it was recorded')
    const straySha = createHash('sha256').update(stray).digest('hex')
    writeFileSync(join(dir, straySha), stray)
    writeFileSync(join(dir, '.partial-0123abcd'), 'half a copy')
    const dataDir = gw.dataDir
    await gw.close(true)
    gw = await testGateway({}, {}, { dataDir })
    expect(existsSync(join(dir, straySha))).toBe(false)
    expect(existsSync(join(dir, '.partial-0123abcd'))).toBe(false)
    for (const sha of held) expect(existsSync(join(dir, sha)), sha).toBe(true)
    const sweeps = []
    for await (const r of gw.app.store.auditRecords()) if (r.action === 'quarantine.sweep') sweeps.push(r.details)
    expect(sweeps).toEqual([{ unreferenced: [straySha], partials: 1 }])
  })

  it("takes the submission limit from the project's own policy", async () => {
    const admin = (await gw.login('admin')).accessToken
    const yaml = DEFAULT_POLICY_YAML.replace(/^name: default$/m, 'name: small-team').replace(
      /^ {2}submissionsPerMinute: \d+$/m,
      '  submissionsPerMinute: 2'
    )
    const as = (method: 'PUT', url: string, payload: object) =>
      gw.app.inject({ method, url, headers: { authorization: `Bearer ${admin}` }, payload })
    expect((await as('PUT', '/api/v1/admin/policies/small-team', { yaml, baseVersion: 0 })).statusCode).toBe(200)
    expect(
      (await as('PUT', `/api/v1/admin/policy-assignments/${dualProject}`, { policy: 'small-team' })).statusCode
    ).toBe(200)
    // a fresh gateway (the sweep test restarted it): the dual-role researcher has sent nothing this minute
    expect((await upload('dual', 'one.py')).statusCode).toBe(201)
    expect((await upload('dual', 'two.py')).statusCode).toBe(201)
    expect((await upload('dual', 'three.py')).statusCode).toBe(429)
  })
})
