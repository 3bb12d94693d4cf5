import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { createAccount, createOrganization, createProject } from '../../server/src/identity/accounts.js'
import type { Role } from '../../server/src/schemas/identity.js'
import { SUBMISSIONS_PER_MINUTE } from '../../server/src/routes/api/v1/exports/view.js'
import { airlockApi, type RequestView } from '../support/airlock.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { DEFAULT_POLICY_YAML } from '../support/policy.js'

const CERTIFIED_ORG = 'Kanto University Hospital Research Unit'

/** The airlock's HTTP rules that need no sandbox: imports go straight to quarantine. */
describe('airlock over HTTP', () => {
  let gw: TestGateway
  let projectId = ''
  let dualProject = ''
  const tokens: Record<string, string> = {}
  const ids: Record<string, string> = {}
  let api: ReturnType<typeof airlockApi>

  const upload = (who: string, name: string, body: string | Buffer = 'print(1)\n', project?: string) =>
    gw.app.inject({
      method: 'POST',
      url: `/api/v1/imports?${new URLSearchParams({
        projectId: project ?? (who === 'dual' ? dualProject : projectId),
        name,
        justification: 'needed for the analysis'
      })}`,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(body)
    })
  const imports = async () => gw.app.store.listAirlockRequests({ direction: 'import', projectId })
  const audit = { actor: 'test', sourceIp: null }

  /** An account made and signed in, kept under its username. */
  async function person(username: string, roles: Role[], organization: string | null) {
    const made = await createAccount(
      gw.app.store,
      gw.app.keys,
      { username, displayName: username, organization, roles },
      audit
    )
    ids[username] = made.user.id
    gw.clock.advance(30_000)
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password: made.password, totp: totpCode(made.totpSecret, gw.clock.now()) }
    })
    expect(res.statusCode, res.body).toBe(200)
    tokens[username] = (res.json() as { accessToken: string }).accessToken
  }
  /** The audit records of refusals of `action` on `target`, newest first. */
  const refusals = async (action: string, target: string) =>
    (await gw.app.store.recentAudit(300)).filter(
      (r) => r.action === action && r.target === target && r.outcome === 'denied'
    )

  beforeAll(async () => {
    gw = await testGateway()
    api = airlockApi(gw, tokens)
    projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    // one person who both researches and reviews, a member of a project of their own
    await person('dual', ['researcher', 'reviewer'], CERTIFIED_ORG)
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
    for (const who of ['researcher1', 'reviewer1', 'reviewer2', 'admin', 'admin2'])
      tokens[who] = (await gw.login(who)).accessToken
    ids.researcher1 = (await gw.app.store.getUserByUsername('researcher1'))!.id
  })
  afterAll(async () => gw?.close())

  it('never lets a researcher who is also a reviewer review their own request, nor see it queued', async () => {
    const mine = (await upload('dual', 'codes.csv', 'code,label\nE11,diabetes\n')).json() as RequestView
    const queue = (await api.call('dual', 'GET', '/api/v1/reviews')).json() as { id: string }[]
    expect(queue.map((r) => r.id)).not.toContain(mine.id)
    const vote = await api.vote('dual', mine, mine.files[0]!, 'approve')
    expect(vote.statusCode).toBe(403)
    expect(vote.json().error.message).toMatch(/reviewed by other reviewers/)
    const review = await api.submitReview('dual', mine)
    expect(review.statusCode).toBe(403)
    expect((await gw.app.store.getAirlockRequest(mine.id))!.request.state).toBe('submitted')
    expect((await refusals('review.vote', mine.id))[0]!.details).toMatchObject({
      reason: expect.stringMatching(/own requests/)
    })
  })

  it("hides a colleague's request from a reviewer who became a member of its project: not listed, 404 to open, preview, vote or submit, each refusal audited", async () => {
    // assigned while independent, then made a member: independence is checked at every look
    await gw.app.store.airlock.setProjectReviewer(projectId, ids.dual!, true, 'test', {
      ...audit,
      action: 'project.reviewer_assign',
      target: projectId,
      outcome: 'success'
    })
    const { setProjectMember } = await import('../../server/src/identity/administration.js')
    await setProjectMember(gw.app.store, projectId, ids.dual!, true, { ...audit, userId: null })
    const theirs = (await upload('researcher1', 'colleague.py')).json() as RequestView
    // an independent reviewer opens it, so its files could be previewed
    expect((await api.look('reviewer1', theirs.id)).state).toBe('in_review')

    const queue = (await api.call('dual', 'GET', '/api/v1/reviews')).json() as { id: string }[]
    expect(queue.map((r) => r.id)).not.toContain(theirs.id)
    const file = theirs.files[0]!
    for (const res of [
      await api.call('dual', 'GET', `/api/v1/reviews/${theirs.id}`),
      await api.call('dual', 'GET', `/api/v1/reviews/${theirs.id}/files/${file.id}/content`),
      await api.vote('dual', theirs, file, 'approve'),
      await api.submitReview('dual', theirs)
    ]) {
      expect(res.statusCode).toBe(404)
      // not a hint that it exists
      expect(res.json().error.message).toBe('There is no such request.')
      expect(res.body).not.toContain('colleague')
    }
    for (const action of ['review.open', 'review.preview', 'review.vote', 'review.submit']) {
      expect((await refusals(action, theirs.id))[0]?.details, action).toMatchObject({
        reason: "the reviewer is a member of the request's project"
      })
    }
    expect((await gw.app.store.getAirlockRequest(theirs.id))!.votes).toEqual([])
  })

  it("hides requests from a reviewer not assigned to the project, and from one of the requester's organization", async () => {
    await person('unassigned', ['reviewer'], null)
    await person('sameorg', ['reviewer'], CERTIFIED_ORG)
    // the console would refuse this assignment (see below); made directly, it still gives no access
    await gw.app.store.airlock.setProjectReviewer(projectId, ids.sameorg!, true, 'test', {
      ...audit,
      action: 'project.reviewer_assign',
      target: projectId,
      outcome: 'success'
    })
    const r = (await upload('researcher1', 'another.py')).json() as RequestView
    for (const [who, reason] of [
      ['unassigned', "the reviewer is not assigned to the request's project"],
      ['sameorg', "the reviewer is of the requester's organization, which the policy excludes"]
    ] as const) {
      const queue = (await api.call(who, 'GET', '/api/v1/reviews')).json() as { id: string }[]
      expect(queue.map((q) => q.id)).not.toContain(r.id)
      const open = await api.call(who, 'GET', `/api/v1/reviews/${r.id}`)
      expect(open.statusCode).toBe(404)
      expect((await refusals('review.open', r.id)).map((x) => x.details.reason)).toContain(reason)
      expect((await api.vote(who, r, r.files[0]!, 'approve')).statusCode).toBe(404)
    }
    // the assigned, independent reviewers see it
    const queue = (await api.call('reviewer2', 'GET', '/api/v1/reviews')).json() as { id: string; myReview: string }[]
    expect(queue.find((q) => q.id === r.id)).toMatchObject({ myReview: 'none' })
  })

  it("keeps a reviewer of the requester's organization out after one administrator moves the requester away", async () => {
    await person('colleague', ['reviewer'], CERTIFIED_ORG)
    await gw.app.store.airlock.setProjectReviewer(projectId, ids.colleague!, true, 'test', {
      ...audit,
      action: 'project.reviewer_assign',
      target: projectId,
      outcome: 'success'
    })
    const r = (await upload('researcher1', 'colleague.py')).json() as RequestView
    expect((await gw.app.store.getAirlockRequest(r.id))!.request.requesterOrganizationId).toBe(
      (await gw.app.store.getOrganizationByName(CERTIFIED_ORG))!.id
    )
    // a researcher's organization is one administrator's to change
    const moveResearcher = (organizationId: string | null) =>
      api.call('admin', 'PATCH', `/api/v1/admin/users/${ids.researcher1}`, { organizationId, reason: 'moves' })
    const certified = (await gw.app.store.getOrganizationByName(CERTIFIED_ORG))!.id
    const elsewhere = await createOrganization(
      gw.app.store,
      { name: 'Kyushu Data Institute', certificationNumber: 'T2-0888', validFrom: '2020-01-01', validTo: '2099-12-31' },
      audit
    )
    const moved = await moveResearcher(elsewhere.id)
    expect(moved.statusCode, moved.body).toBe(200)
    try {
      const queue = (await api.call('colleague', 'GET', '/api/v1/reviews')).json() as { id: string }[]
      expect(queue.map((q) => q.id)).not.toContain(r.id)
      expect((await api.call('colleague', 'GET', `/api/v1/reviews/${r.id}`)).statusCode).toBe(404)
      expect((await refusals('review.open', r.id)).map((x) => x.details.reason)).toContain(
        "the reviewer is of the requester's organization, which the policy excludes"
      )
      expect((await api.vote('colleague', r, r.files[0]!, 'approve')).statusCode).toBe(404)
    } finally {
      expect((await moveResearcher(certified)).statusCode).toBe(200)
    }
  })

  it('lets administrators assign only independent reviewers to a project, audited both ways', async () => {
    const at = (userId: string) => `/api/v1/admin/projects/${projectId}/reviewers/${userId}`
    const listed = (await api.call('admin', 'GET', `/api/v1/admin/projects/${projectId}/reviewers`)).json() as {
      username: string
      independent: boolean
      why: string | null
    }[]
    expect(listed.map((r) => r.username)).toEqual(expect.arrayContaining(['reviewer1', 'reviewer2']))
    // the assignments made behind the console's back show as not independent, with why
    expect(listed.find((r) => r.username === 'dual')).toMatchObject({
      independent: false,
      why: expect.stringMatching(/member/)
    })
    expect(listed.find((r) => r.username === 'sameorg')).toMatchObject({
      independent: false,
      why: expect.stringMatching(/organization/)
    })

    expect((await api.call('admin', 'DELETE', at(ids.dual!))).statusCode).toBe(200)
    expect((await api.call('admin', 'DELETE', at(ids.sameorg!))).statusCode).toBe(200)
    for (const [userId, why] of [
      [ids.researcher1!, /not a reviewer/],
      [ids.dual!, /member of the project: a member never reviews its requests/],
      [ids.sameorg!, /of the organization of \w+, a member of the project/]
    ] as const) {
      const res = await api.call('admin', 'PUT', at(userId))
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json().error.message).toMatch(why)
    }

    const assigned = await api.call('admin', 'PUT', at(ids.unassigned!))
    expect(assigned.statusCode, assigned.body).toBe(200)
    expect((assigned.json() as { username: string }[]).map((r) => r.username)).toContain('unassigned')
    expect((await api.call('admin', 'DELETE', at(ids.unassigned!))).statusCode).toBe(200)
    expect((await api.call('admin', 'DELETE', at(ids.unassigned!))).statusCode).toBe(409)
    const records = (await gw.app.store.recentAudit(100)).filter((r) => r.action.startsWith('project.reviewer_'))
    expect(records.map((r) => `${r.action} ${r.outcome}`)).toEqual(
      expect.arrayContaining([
        'project.reviewer_assign success',
        'project.reviewer_unassign success',
        'project.reviewer_assign denied',
        'project.reviewer_unassign denied'
      ])
    )
    // a researcher is no administrator
    expect((await api.call('researcher1', 'PUT', at(ids.unassigned!))).statusCode).toBe(403)
  })

  it('lets one independent reviewer approve an import, by voting on its file and submitting the review', async () => {
    const r = (await upload('researcher1', 'helper.sql', 'select 1;\n')).json() as RequestView
    const seen = await api.look('reviewer2', r.id)
    expect(seen).toMatchObject({ state: 'in_review', approvalsNeeded: 1, reviewKind: 'review' })
    // a vote alone decides nothing: it is a draft until the review is submitted
    expect((await api.vote('reviewer2', seen, seen.files[0]!, 'approve')).json()).toMatchObject({ state: 'in_review' })
    const done = await api.submitReview('reviewer2', seen)
    expect(done.statusCode, done.body).toBe(200)
    // no session of the requester runs: it waits, approved, for the next one
    expect(done.json()).toMatchObject({ state: 'approved', files: [{ state: 'approved' }] })
    const actions = (await gw.app.store.recentAudit(50)).filter((a) => a.target === r.id).map((a) => a.action)
    expect(actions).toEqual(
      expect.arrayContaining(['review.open', 'review.vote', 'review.submit', 'import.file_approve', 'import.approve'])
    )
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
    // `<project>/<digest>` of every file held (the project directories themselves left out)
    const quarantine = () =>
      readdirSync(join(gw.dataDir, 'quarantine'), { recursive: true, encoding: 'utf8' })
        .filter((n) => n.includes('/'))
        .sort()
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

  describe('a reviewer who stops being independent after voting', () => {
    /** Audit records of `action` on `target` with `outcome`, newest first. */
    const records = async (action: string, target: string, outcome = 'success') =>
      (await gw.app.store.recentAudit(400)).filter(
        (r) => r.action === action && r.target === target && r.outcome === outcome
      )
    const assign = (userId: string) =>
      gw.app.store.airlock.setProjectReviewer(projectId, userId, true, 'test', {
        ...audit,
        action: 'project.reviewer_assign',
        target: projectId,
        outcome: 'success'
      })

    beforeAll(async () => {
      // a researcher of the project of their own, so the tests' uploads are not held up by others'
      await person('importer', ['researcher'], CERTIFIED_ORG)
      const { setProjectMember } = await import('../../server/src/identity/administration.js')
      await setProjectMember(gw.app.store, projectId, ids.importer!, true, { ...audit, userId: null })
      // independent when they vote: of another organization than the requester's, not a member
      await createOrganization(
        gw.app.store,
        {
          name: 'Tohoku Review Institute',
          certificationNumber: 'T2-0777',
          validFrom: '2020-01-01',
          validTo: '2099-12-31'
        },
        audit
      )
      await person('turncoat', ['researcher', 'reviewer'], 'Tohoku Review Institute')
      await person('mover', ['reviewer'], null)
      await assign(ids.turncoat!)
      await assign(ids.mover!)
    })

    it('made a member of the project: their approval stops counting, audited, and the approved import goes back into review', async () => {
      const r = (await upload('importer', 'turncoat.py')).json() as RequestView
      expect((await api.review('turncoat', r.id, 'approve')).json()).toMatchObject({ state: 'approved' })
      const added = await api.call('admin', 'PUT', `/api/v1/admin/projects/${projectId}/members/${ids.turncoat}`)
      expect(added.statusCode, added.body).toBe(200)

      const d = (await gw.app.store.getAirlockRequest(r.id))!
      // their approval is gone; their review stays, set aside: it counts for nothing, and they vote no more on it
      expect(d).toMatchObject({
        request: { state: 'in_review' },
        files: [{ state: 'pending' }],
        votes: [],
        reviews: [{ reviewerId: ids.turncoat, voided: true }]
      })
      const adminId = (await gw.app.store.getUserByUsername('admin'))!.id
      expect((await records('review.void', r.id))[0]).toMatchObject({
        actor: adminId,
        details: {
          reviewer: ids.turncoat,
          reason: "the reviewer is a member of the request's project",
          review: 'review',
          votes: [{ name: 'turncoat.py', vote: 'approve', submitted: true }]
        }
      })
      expect(await records('import.file_reopen', r.id)).toHaveLength(1)
      expect(await records('import.reopen', r.id)).toHaveLength(1)
      // an independent reviewer decides it afresh
      const seen = await api.look('reviewer2', r.id)
      expect(seen).toMatchObject({ state: 'in_review', reviewKind: 'review', approvals: 0, reviews: [] })
      expect((await api.review('reviewer2', r.id, 'approve')).json()).toMatchObject({ state: 'approved' })
    })

    it("moved into the requester's organization: the release counts no approval of theirs, and the change drops it, audited", async () => {
      const r = (await upload('importer', 'mover.py')).json() as RequestView
      expect((await api.review('mover', r.id, 'approve')).json()).toMatchObject({ state: 'approved' })
      const certified = (await gw.app.store.getOrganizationByName(CERTIFIED_ORG))!.id
      // moved behind the console's back: nothing dropped their vote, yet the release counts it for nothing
      await gw.app.store.updateUser(
        ids.mover!,
        { organizationId: certified },
        { ...audit, action: 'user.update', target: ids.mover!, outcome: 'success' }
      )
      await gw.app.airlock.releaseApproved()
      expect((await records('import.release', r.id, 'error'))[0]!.details).toMatchObject({
        reason: expect.stringMatching(/mover\.py: its approvals that count do not number the policy's/)
      })
      await gw.app.store.updateUser(
        ids.mover!,
        { organizationId: null },
        { ...audit, action: 'user.update', target: ids.mover!, outcome: 'success' }
      )

      // moved by administrators (a reviewer's organization changes with a second one): their approval is dropped at once
      const move = async (organizationId: string | null) => {
        const asked = await api.call('admin', 'PATCH', `/api/v1/admin/users/${ids.mover}`, {
          organizationId,
          reason: 'moves'
        })
        expect(asked.statusCode, asked.body).toBe(202)
        return api.call('admin2', 'POST', `/api/v1/admin/approvals/${asked.json().pending.id}/approve`)
      }
      const moved = await move(certified)
      expect(moved.statusCode, moved.body).toBe(200)
      expect((await records('review.void', r.id))[0]!.details).toMatchObject({
        reviewer: ids.mover,
        reason: "the reviewer is of the requester's organization, which the policy excludes"
      })
      expect((await gw.app.store.getAirlockRequest(r.id))!).toMatchObject({
        request: { state: 'in_review' },
        votes: []
      })
      // a draft of theirs on another open request goes the same way
      const other = (await upload('importer', 'mover-draft.py')).json() as RequestView
      expect((await move(null)).statusCode).toBe(200)
      const seen = await api.look('mover', other.id)
      expect((await api.vote('mover', seen, seen.files[0]!, 'approve')).statusCode).toBe(200)
      expect((await move(certified)).statusCode).toBe(200)
      expect((await records('review.void', other.id))[0]!.details).toMatchObject({
        review: null,
        votes: [{ name: 'mover-draft.py', vote: 'approve', submitted: false }]
      })
      expect((await gw.app.store.getAirlockRequest(other.id))!.votes).toEqual([])
    })

    it("unassigned: their votes on the project's open requests stop counting", async () => {
      const r = (await upload('importer', 'unassigned.py')).json() as RequestView
      const seen = await api.look('reviewer1', r.id)
      expect((await api.vote('reviewer1', seen, seen.files[0]!, 'approve')).statusCode).toBe(200)
      const at = `/api/v1/admin/projects/${projectId}/reviewers/${(await gw.app.store.getUserByUsername('reviewer1'))!.id}`
      expect((await api.call('admin', 'DELETE', at)).statusCode).toBe(200)
      expect((await records('review.void', r.id))[0]!.details).toMatchObject({
        reason: "the reviewer is not assigned to the request's project"
      })
      expect((await gw.app.store.getAirlockRequest(r.id))!.votes).toEqual([])
      expect((await api.call('admin', 'PUT', at)).statusCode).toBe(200)
    })
  })

  it('lets the requester withdraw an import while it is open, as an export; nobody else, and not twice', async () => {
    const r = (await upload('researcher1', 'withdrawn.py')).json() as RequestView
    expect(r.can.withdraw).toEqual({ ok: true })
    const other = await api.call('dual', 'POST', `/api/v1/imports/${r.id}/withdraw`)
    expect(other.statusCode).toBe(404)
    const done = await api.call('researcher1', 'POST', `/api/v1/imports/${r.id}/withdraw`)
    expect(done.statusCode, done.body).toBe(200)
    expect(done.json()).toMatchObject({ state: 'withdrawn', can: { withdraw: { ok: false } } })
    expect((await api.call('researcher1', 'POST', `/api/v1/imports/${r.id}/withdraw`)).statusCode).toBe(409)
    const records = (await gw.app.store.recentAudit(50)).filter(
      (a) => a.action === 'import.withdraw' && a.target === r.id
    )
    expect(records.map((a) => a.outcome).sort()).toEqual(['denied', 'denied', 'success'])
    // an export's withdrawal does not take an import, nor the reverse
    expect((await api.call('researcher1', 'POST', `/api/v1/exports/${r.id}/withdraw`)).statusCode).toBe(404)
    // no longer awaiting review
    const queue = (await api.call('reviewer2', 'GET', '/api/v1/reviews')).json() as { id: string }[]
    expect(queue.map((q) => q.id)).not.toContain(r.id)
  })

  it('shows no reviewer a file failing a check no exception may cover: a NUL-filled dump is refused, audited', async () => {
    const dump = Buffer.concat([Buffer.from('id,name\n'), Buffer.alloc(4096)])
    const r = (await upload('researcher1', 'notes.txt', dump)).json() as RequestView
    expect(r.files[0]!.checks.find((c) => c.rule === 'file-type')?.outcome).toBe('fail')
    const seen = await api.look('reviewer2', r.id)
    expect(seen.files[0]!.can.preview).toEqual({ ok: false, why: expect.stringMatching(/no exception may cover/) })
    const res = await api.call('reviewer2', 'GET', `/api/v1/reviews/${r.id}/files/${r.files[0]!.id}/content`)
    expect(res.statusCode).toBe(403)
    expect(res.json().error.message).toBe(
      'notes.txt fails the file-type check, which no exception may cover: it can never be approved, so it is not shown.'
    )
    expect(res.rawPayload.includes(Buffer.alloc(64))).toBe(false)
    expect((await refusals('review.preview', r.id))[0]!.details).toMatchObject({
      file: r.files[0]!.id,
      reason: expect.stringMatching(/no exception may cover/)
    })
    // nothing was counted against the reviewer's daily volume
    const previews = (await gw.app.store.recentAudit(50)).filter(
      (a) => a.action === 'review.preview' && a.target === r.id && a.outcome === 'success'
    )
    expect(previews).toEqual([])
  })

  it("caps what one reviewer previews in a day at the project's policy, refusing past it with the figures, audited", async () => {
    const admin = (method: 'PUT', url: string, payload: object) => api.call('admin', method, url, payload)
    const yaml = DEFAULT_POLICY_YAML.replace(/^name: default$/m, 'name: preview-cap').replace(
      /^ {2}previewMiBPerReviewerPerDay: \d+$/m,
      '  previewMiBPerReviewerPerDay: 1'
    )
    expect((await admin('PUT', '/api/v1/admin/policies/preview-cap', { yaml, baseVersion: 0 })).statusCode).toBe(200)
    expect(
      (await admin('PUT', `/api/v1/admin/policy-assignments/${projectId}`, { policy: 'preview-cap' })).statusCode
    ).toBe(200)
    const big = 'x'.repeat(700 * 1024)
    const r = (await upload('researcher1', 'big.txt', big)).json() as RequestView
    const file = r.files[0]!
    const preview = (who: string) => api.call(who, 'GET', `/api/v1/reviews/${r.id}/files/${file.id}/content`)
    expect((await preview('reviewer1')).statusCode).toBe(200)
    const refused = await preview('reviewer1')
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toMatchObject({
      code: 'VRE_ERR_QUOTA_EXCEEDED',
      message: expect.stringMatching(/previewMiBPerReviewerPerDay/)
    })
    expect((await refusals('review.preview', r.id))[0]!.details).toMatchObject({
      quota: 'previewMiBPerReviewerPerDay',
      quotaBytes: 1024 * 1024,
      usedBytes: 700 * 1024,
      requestedBytes: 700 * 1024
    })
    // per reviewer: another still previews; and the next day the first does again
    expect((await preview('reviewer2')).statusCode).toBe(200)
    gw.clock.advance(24 * 3600_000)
    tokens.reviewer1 = (await gw.login('reviewer1')).accessToken
    expect((await preview('reviewer1')).statusCode).toBe(200)
    const previews = (await gw.app.store.recentAudit(100)).filter(
      (a) => a.action === 'review.preview' && a.target === r.id && a.outcome === 'success'
    )
    expect(previews).toHaveLength(3)
    // back to the default's larger volume: a relaxation, which a second administrator approves
    // (signed in anew: a day has passed on the gateway's clock)
    const as = async (username: string, method: 'PUT' | 'POST', url: string, payload?: object) =>
      gw.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${(await gw.login(username)).accessToken}` },
        ...(payload ? { payload } : {})
      })
    const back = await as('admin', 'PUT', `/api/v1/admin/policy-assignments/${projectId}`, {
      policy: 'default',
      reason: 'test over'
    })
    expect(back.statusCode, back.body).toBe(202)
    const approved = await as('admin2', 'POST', `/api/v1/admin/approvals/${back.json().pending.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(gw.app.policies.policyNameFor(projectId)).toBe('default')
  })

  // after the preview cap's test, whose figures count every preview of its day
  it('keeps a quarantined file encrypted, and shows no reviewer one with a flipped byte: a clear refusal, audited', async () => {
    // a day has passed since the others signed in
    for (const who of ['researcher1', 'reviewer1']) tokens[who] = (await gw.login(who)).accessToken
    const text = 'code,label\nZ99,marker-quarantine-7c41\n'
    const r = (await upload('researcher1', 'codes.csv', text)).json() as RequestView
    const file = r.files[0]!
    const path = join(gw.dataDir, 'quarantine', projectId, file.sha256)
    expect(readFileSync(path).includes('marker-quarantine-7c41')).toBe(false)
    const preview = () => api.call('reviewer1', 'GET', `/api/v1/reviews/${r.id}/files/${file.id}/content`)
    const shown = await preview()
    expect(shown.statusCode, shown.body).toBe(200)
    expect(shown.rawPayload.toString()).toBe(text)
    const bytes = readFileSync(path)
    bytes[bytes.length - 20]! ^= 0x40
    writeFileSync(path, bytes)
    const refused = await preview()
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error.message).toMatch(/no longer matches what was submitted/)
    expect(refused.body).not.toContain('marker-quarantine')
    const refusal = (await gw.app.store.recentAudit(20)).find(
      (a) => a.action === 'review.preview' && a.target === r.id && a.outcome !== 'success'
    )
    expect(refusal?.details).toMatchObject({ status: 409 })
  })

  it('clears partial copies and unreferenced files from quarantine at start, and audits what went', async () => {
    const dir = join(gw.dataDir, 'quarantine', dualProject)
    const held = readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n))
    expect(held.length).toBeGreaterThan(0)
    const stray = Buffer.from('left by a submission that failed before it was recorded')
    const straySha = createHash('sha256').update(stray).digest('hex')
    writeFileSync(join(dir, straySha), stray)
    writeFileSync(join(dir, '.partial-0123abcd'), 'half a copy')
    const dataDir = gw.dataDir
    await gw.close(true)
    gw = await testGateway({}, {}, { dataDir })
    api = airlockApi(gw, tokens)
    expect(existsSync(join(dir, straySha))).toBe(false)
    expect(existsSync(join(dir, '.partial-0123abcd'))).toBe(false)
    for (const sha of held) expect(existsSync(join(dir, sha)), sha).toBe(true)
    const sweeps = []
    for await (const r of gw.app.store.auditRecords()) if (r.action === 'quarantine.sweep') sweeps.push(r.details)
    expect(sweeps).toEqual([{ unreferenced: [straySha], partials: 1 }])
  })

  it("takes the submission limit from the project's own policy", async () => {
    const yaml = DEFAULT_POLICY_YAML.replace(/^name: default$/m, 'name: small-team').replace(
      /^ {2}submissionsPerMinute: \d+$/m,
      '  submissionsPerMinute: 2'
    )
    const as = (method: 'PUT', url: string, payload: object) => api.call('admin', method, url, payload)
    expect((await as('PUT', '/api/v1/admin/policies/small-team', { yaml, baseVersion: 0 })).statusCode).toBe(200)
    expect(
      (await as('PUT', `/api/v1/admin/policy-assignments/${dualProject}`, { policy: 'small-team' })).statusCode
    ).toBe(200)
    // a fresh gateway (the sweep test restarted it): the dual-role researcher has sent nothing this minute
    expect((await upload('dual', 'one.py')).statusCode).toBe(201)
    expect((await upload('dual', 'two.py')).statusCode).toBe(201)
    expect((await upload('dual', 'three.py')).statusCode).toBe(429)
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
    expect((await upload('dual', 'theirs.py', 'print(2)\n', projectId)).statusCode).toBe(201)
  })
})
