import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { extract } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_DATASET } from '../../server/src/demo/seed.js'
import { createAccount } from '../../server/src/identity/accounts.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { airlockApi, type RequestView } from '../support/airlock.js'
import { addResearcher, startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { testPolicyFile } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const OUTBOX = `${WORK_DIR}/outbox`
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

/** The entries of a .tar.gz, by path. */
async function untar(bytes: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  const x = extract()
  x.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('end', () => {
      out.set(header.name, Buffer.concat(chunks))
      next()
    })
  })
  await new Promise<void>((resolve, reject) => {
    x.on('finish', resolve)
    x.on('error', reject)
    Readable.from([bytes]).pipe(createGunzip()).pipe(x)
  })
  return out
}

describe('the airlock decides file by file: failing checks block, exceptions are acknowledged, votes stay hidden', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let sessionId = ''
  const tokens: Record<string, string> = {}
  let api: ReturnType<typeof airlockApi>

  const inSandbox = async (script: string) => {
    const s = (await gw.app.sessions.get(sessionId))!
    const r = await runInSandbox(docker, s.sandboxId!, { cmd: ['sh', '-c', script] })
    expect(r.exitCode, r.stderr).toBe(0)
    return r.stdout
  }
  const submit = (files: { path: string; justification: string; exceptions?: { rule: string; reason: string }[] }[]) =>
    api.call('researcher1', 'POST', '/api/v1/exports', { sessionId, files })
  const mine = async (id: string) =>
    (await api.call('researcher1', 'GET', `/api/v1/exports/${id}`)).json() as RequestView
  const download = (id: string, fileId: string, who = 'researcher1') =>
    api.call(who, 'GET', `/api/v1/exports/${id}/files/${fileId}/content`)
  const audited = async (action: string, target: string, outcome = 'denied') =>
    (await gw.app.store.recentAudit(400)).filter(
      (a) => a.action === action && a.target === target && a.outcome === outcome
    )
  const fileNamed = (r: RequestView, name: string) => r.files.find((f) => f.round === r.round && f.name === name)!

  const policy = testPolicyFile((yaml) =>
    yaml.replace(/^ {2}submissionsPerMinute: \d+$/m, '  submissionsPerMinute: 1000')
  )
  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
    api = airlockApi(gw, tokens)
    ;({ sessionId, token: tokens.researcher1 } = await startRunningSession(gw))
    tokens.reviewer1 = (await gw.login('reviewer1')).accessToken
    tokens.reviewer2 = (await gw.login('reviewer2')).accessToken
    const made = await createAccount(
      gw.app.store,
      gw.app.keys,
      { username: 'reviewer3', displayName: 'Kobayashi Aoi', organization: null, roles: ['reviewer'] },
      { actor: 'test', sourceIp: null }
    )
    gw.credentials.reviewer3 = { password: made.password, totpSecret: made.totpSecret }
    tokens.admin = (await gw.login('admin')).accessToken
    tokens.admin2 = (await gw.login('admin2')).accessToken
    const project = (await gw.app.sessions.get(sessionId))!.projectId
    expect(
      (await api.call('admin', 'PUT', `/api/v1/admin/projects/${project}/reviewers/${made.user.id}`)).statusCode
    ).toBe(200)
    tokens.reviewer3 = (await gw.login('reviewer3')).accessToken
    await addResearcher(gw, 'researcher3')
    tokens.researcher3 = (await gw.login('researcher3')).accessToken
    await inSandbox(
      [
        `cd ${OUTBOX}`,
        `cp /data/${DEMO_DATASET}.duckdb raw.csv`,
        'printf "sex,n\\r\\nF,1031\\r\\nM,969\\r\\n" > by-sex.csv',
        'printf "age_band,n\\r\\n0-39,640\\r\\n40-64,760\\r\\n65+,600\\r\\n" > by-age.csv',
        'printf "age_band,n\\r\\n0-19,3\\r\\n20-64,1200\\r\\n" > small-cell.csv',
        'printf "prefecture,n\\r\\nTokyo,120\\r\\nOsaka,80\\r\\n" > all.csv',
        'printf "prefecture,n\\r\\nTokyo,117\\r\\nOsaka,80\\r\\n" > all-but-3.csv'
      ].join(' && ')
    )
  }, 180_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
    policy.remove()
  })

  it('never releases the dataset copied to outbox/raw.csv: it fails file-type, takes no exception, two reviewers cannot approve it, and it is never downloadable', async () => {
    const asked = await submit([
      { path: 'outbox/raw.csv', justification: 'all of it', exceptions: [{ rule: 'file-type', reason: 'trust me' }] }
    ])
    expect(asked.statusCode).toBe(400)
    expect(asked.json().error.message).toMatch(/file-type check never takes an exception/)
    expect((await gw.app.store.recentAudit(20)).find((a) => a.action === 'export.submit')).toMatchObject({
      outcome: 'denied',
      details: { reason: expect.stringMatching(/never takes an exception/) }
    })

    const res = await submit([{ path: 'outbox/raw.csv', justification: 'all of it' }])
    expect(res.statusCode, res.body).toBe(201)
    const r = res.json() as RequestView
    const raw = r.files[0]!
    expect(raw.outcome).toBe('fail')
    expect(raw.checks.find((c) => c.rule === 'file-type')?.outcome).toBe('fail')
    expect(raw.exceptable).toEqual([])
    const ask = await api.call('researcher1', 'POST', `/api/v1/exports/${r.id}/files/${raw.id}/exceptions`, {
      rule: 'file-type',
      reason: 'it is only a table'
    })
    expect(ask.statusCode).toBe(403)
    expect((await audited('export.exception', r.id))[0]!.details).toMatchObject({ rule: 'file-type' })

    for (const who of ['reviewer1', 'reviewer2']) {
      const seen = await api.look(who, r.id)
      expect(seen.files[0]!.can.approve).toEqual({ ok: false, why: expect.stringMatching(/takes no exception/) })
      // nor does anyone read it: what can never be approved is never shown
      expect(seen.files[0]!.can.preview).toMatchObject({ ok: false })
      const preview = await api.call(who, 'GET', `/api/v1/reviews/${r.id}/files/${raw.id}/content`)
      expect(preview.statusCode).toBe(403)
      expect(preview.json().error.message).toMatch(/raw\.csv fails the file-type check, which no exception may cover/)
      const vote = await api.vote(who, seen, seen.files[0]!, 'approve')
      expect(vote.statusCode).toBe(403)
      expect(vote.json().error.message).toMatch(/raw\.csv fails the file-type check, which takes no exception/)
      // a review with no vote on the file is no approval either
      const bare = await api.submitReview(who, seen)
      expect(bare.statusCode).toBe(400)
      expect(bare.json().error.message).toMatch(/Vote on every file first/)
    }
    expect((await audited('review.vote', r.id)).length).toBe(2)
    expect((await audited('review.preview', r.id)).map((a) => a.details.reason)).toEqual([
      expect.stringMatching(/no exception may cover/),
      expect.stringMatching(/no exception may cover/)
    ])
    expect(await audited('review.preview', r.id, 'success')).toEqual([])
    expect((await gw.app.store.getAirlockRequest(r.id))!.votes).toEqual([])
    expect((await download(r.id, raw.id)).statusCode).toBe(403)
    expect((await api.call('researcher1', 'GET', `/api/v1/exports/${r.id}/package`)).statusCode).toBe(403)

    // rejected by both, it is gone from quarantine, never downloadable
    expect((await api.review('reviewer1', r.id, 'reject', 'This is the dataset.')).statusCode).toBe(200)
    expect((await api.review('reviewer2', r.id, 'reject', 'The whole database.')).json()).toMatchObject({
      state: 'rejected',
      files: [{ state: 'rejected' }]
    })
    expect((await download(r.id, raw.id)).statusCode).toBe(403)
    expect((await audited('export.download', r.id))[0]!.details).toMatchObject({
      reason: expect.stringMatching(/not been released/)
    })
  }, 120_000)

  it("decides per file with votes hidden until one's own review is in; a disagreement is settled by a further reviewer", async () => {
    const r = (
      await submit([
        { path: 'outbox/by-sex.csv', justification: 'table 1' },
        { path: 'outbox/by-age.csv', justification: 'table 2' }
      ])
    ).json() as RequestView
    // reviewer1: approve one, return the other, and submit
    let one = await api.look('reviewer1', r.id)
    type Queued = { id: string; updatedAt: string; reviews: number; reviewsNeeded: number; myReview: string }
    const queued = async (who: string) =>
      ((await api.call(who, 'GET', '/api/v1/reviews')).json() as Queued[]).find((q) => q.id === r.id)!
    const opened = await queued('reviewer2')
    // hidden from the first look: nothing says whether anyone has voted yet
    expect(one).toMatchObject({ reviewKind: 'review', votesHidden: true, can: { submitReview: { ok: false } } })
    // hand-written tables: their "n" may be a sum as far as anything proves, so approving acknowledges that
    expect(
      (await api.vote('reviewer1', one, fileNamed(one, 'by-sex.csv'), 'approve', { acknowledgements: api.acknowledging(fileNamed(one, 'by-sex.csv')) })).statusCode
    ).toBe(200)
    expect(
      (
        await api.vote('reviewer1', one, fileNamed(one, 'by-age.csv'), 'return', {
          comment: 'Give the 65+ band its own table.',
          commentVisibility: 'researcher'
        })
      ).statusCode
    ).toBe(200)
    // drafts: reviewer2 and the requester see none of them, nor that there are any
    let two = await api.look('reviewer2', r.id)
    expect(two.files.flatMap((f) => f.votes)).toEqual([])
    expect(two.votesHidden).toBe(true)
    one = (await api.submitReview('reviewer1', one)).json() as RequestView
    expect(one).toMatchObject({ state: 'in_review', reviews: [{ reviewer: 'reviewer1' }] })

    two = await api.look('reviewer2', r.id)
    expect(two.votesHidden).toBe(true)
    expect(two.reviews).toEqual([])
    // nor does anything else say that another review is in, or when: not the count, not the time
    expect(await queued('reviewer2')).toEqual({ ...opened, reviews: 0 })
    expect((two as RequestView & { updatedAt: string }).updatedAt).toBe(opened.updatedAt)
    expect(two.approvals).toBe(0)
    expect((await queued('reviewer1')).reviews).toBe(1)
    expect(two.files.flatMap((f) => f.votes)).toEqual([])
    expect((await mine(r.id)).files.flatMap((f) => f.votes)).toEqual([])
    // reviewer2 approves both: they disagree on by-age.csv
    expect(
      (
        await api.vote('reviewer2', two, fileNamed(two, 'by-sex.csv'), 'approve', {
          comment: 'Checked against the cohort size.',
          commentVisibility: 'reviewers',
          acknowledgements: api.acknowledging(fileNamed(two, 'by-sex.csv'))
        })
      ).statusCode
    ).toBe(200)
    const drafted = (
      await api.vote('reviewer2', two, fileNamed(two, 'by-age.csv'), 'approve', { acknowledgements: api.acknowledging(fileNamed(two, 'by-age.csv')) })
    ).json() as RequestView
    // still hidden: their own draft only
    expect(drafted.files.flatMap((f) => f.votes.map((v) => v.reviewer))).toEqual(['reviewer2', 'reviewer2'])
    two = (await api.submitReview('reviewer2', two)).json() as RequestView
    expect(two.state).toBe('in_review')
    expect(await queued('reviewer3')).toMatchObject({ reviews: 2, reviewsNeeded: 2, myReview: 'none' })
    expect(fileNamed(two, 'by-sex.csv').state).toBe('approved')
    expect(fileNamed(two, 'by-age.csv').state).toBe('conflicted')
    // now both reviews are in, each reads the other's votes
    expect(
      fileNamed(two, 'by-age.csv')
        .votes.map((v) => `${v.reviewer} ${v.vote}`)
        .sort()
    ).toEqual(['reviewer1 return', 'reviewer2 approve'])

    // neither of them settles it; a reviewer not yet involved does, on the conflicted file only
    const again = await api.vote('reviewer1', two, fileNamed(two, 'by-age.csv'), 'approve', { acknowledgements: api.acknowledging(fileNamed(two, 'by-age.csv')) })
    expect(again.statusCode).toBe(409)
    const three = await api.look('reviewer3', r.id)
    expect(three).toMatchObject({ reviewKind: 'settle', votesHidden: false })
    expect(
      (await api.vote('reviewer3', three, fileNamed(three, 'by-sex.csv'), 'approve', { acknowledgements: api.acknowledging(fileNamed(three, 'by-sex.csv')) })).statusCode
    ).toBe(409)
    const settled = await api.review('reviewer3', r.id, 'return', 'Agreed: a table of its own.')
    expect(settled.statusCode, settled.body).toBe(200)
    expect(settled.json()).toMatchObject({ state: 'returned' })

    // the requester reads the decisions and the comments meant for them, not the reviewers' own
    const seen = await mine(r.id)
    expect(fileNamed(seen, 'by-age.csv')).toMatchObject({ state: 'returned' })
    const comments = seen.files.flatMap((f) => f.votes.map((v) => v.comment))
    expect(comments).toContain('Give the 65+ band its own table.')
    expect(comments).not.toContain('Checked against the cohort size.')
    expect(JSON.stringify(seen)).not.toContain('cohort size')
    const actions = (await gw.app.store.recentAudit(200)).filter((a) => a.target === r.id).map((a) => a.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'review.vote',
        'review.submit',
        'export.file_approve',
        'export.file_conflict',
        'review.settle',
        'export.file_settle',
        'export.return'
      ])
    )
  }, 120_000)

  it('with partial release, releases the approved files of a request whose others were returned', async () => {
    const current = gw.app.policies.get('default')!.row
    const save = (yaml: string, base: number) =>
      gw.app.policies.save('default', { yaml }, base, 'test', { id: 'test', sourceIp: null })
    const saved = await save(
      current.yaml.replace(/^ {2}partialRelease: false$/m, '  partialRelease: true'),
      current.version
    )
    expect(saved.kind).toBe('saved')
    try {
      const r = (
        await submit([
          { path: 'outbox/by-sex.csv', justification: 'table 1' },
          { path: 'outbox/by-age.csv', justification: 'table 2' }
        ])
      ).json() as RequestView
      for (const who of ['reviewer1', 'reviewer2']) {
        const res = await api.review(who, r.id, { 'by-sex.csv': 'approve', 'by-age.csv': 'return' }, 'Not this one.')
        expect(res.statusCode, res.body).toBe(200)
      }
      const done = await mine(r.id)
      expect(done.state).toBe('released')
      expect(fileNamed(done, 'by-sex.csv')).toMatchObject({ state: 'released', can: { download: { ok: true } } })
      expect(fileNamed(done, 'by-age.csv')).toMatchObject({ state: 'returned', can: { download: { ok: false } } })
      expect((await download(r.id, fileNamed(done, 'by-sex.csv').id)).statusCode).toBe(200)
      expect((await download(r.id, fileNamed(done, 'by-age.csv').id)).statusCode).toBe(403)
      const release = (await gw.app.store.recentAudit(50)).find(
        (a) => a.target === r.id && a.action === 'export.release'
      )!
      expect(release.details).toMatchObject({ withheld: [{ name: 'by-age.csv', state: 'returned' }] })
    } finally {
      const now = gw.app.policies.get('default')!.row
      await save(current.yaml, now.version)
    }
  }, 120_000)

  it('releases a failing file only with an exception the policy allows, asked with a reason and acknowledged by each approving reviewer', async () => {
    // the threshold never takes one under ndb-japan (the minimum aggregation unit)
    const excluded = await submit([
      { path: 'outbox/small-cell.csv', justification: 'x', exceptions: [{ rule: 'threshold', reason: 'needed' }] }
    ])
    expect(excluded.statusCode).toBe(400)
    expect(excluded.json().error.message).toMatch(/policy allows no exception for the threshold check/)

    // two tables that differ by a group of 3 both fail differencing, which ndb-japan lets be excepted
    const res = await submit([
      {
        path: 'outbox/all.csv',
        justification: 'table 3',
        exceptions: [{ rule: 'differencing', reason: 'The clinic of 3 is published by the ministry already.' }]
      },
      { path: 'outbox/all-but-3.csv', justification: 'table 3 without one clinic' }
    ])
    expect(res.statusCode, res.body).toBe(201)
    const r = res.json() as RequestView
    const all = fileNamed(r, 'all.csv')
    const other = fileNamed(r, 'all-but-3.csv')
    expect(all.exceptions).toMatchObject([{ rule: 'differencing', requestedBy: 'researcher1' }])
    expect(other.exceptable).toEqual(['differencing'])
    // what the policy allows is in the view, for a resubmission's form to offer
    expect(r.exceptionRules).toContain('differencing')
    expect(r.exceptionRules).not.toContain('threshold')
    const ask = (rule: string, reason = 'The same published figure.') =>
      api.call('researcher1', 'POST', `/api/v1/exports/${r.id}/files/${other.id}/exceptions`, { rule, reason })
    // not for a check that passed, not twice, not without a reason
    expect((await ask('dominance')).statusCode).toBe(400)
    expect((await ask('differencing', '   ')).statusCode).toBe(400)
    expect((await ask('differencing')).statusCode).toBe(201)
    expect((await ask('differencing')).statusCode).toBe(409)

    const seen = await api.look('reviewer1', r.id)
    const f = fileNamed(seen, 'all.csv')
    expect(f.acknowledgementsNeeded).toContainEqual({ rule: 'differencing', kind: 'exception' })
    const bare = await api.vote('reviewer1', seen, f, 'approve')
    expect(bare.statusCode).toBe(400)
    expect(bare.json().error.message).toMatch(/Acknowledge the exception asked for the differencing check of all\.csv/)
    const noComment = await api.vote('reviewer1', seen, f, 'approve', {
      acknowledgements: api.acknowledging(f).map((a) => ({ ...a, comment: ' ' }))
    })
    expect(noComment.statusCode).toBe(400)
    expect((await audited('review.vote', r.id)).length).toBe(2)
    expect((await api.review('reviewer1', r.id, 'approve')).statusCode).toBe(200)
    // reviewers have begun: no more exceptions
    expect((await ask('differencing', 'again')).statusCode).toBe(409)
    // reviewer2 keeps their reasoning among reviewers: the comment and each acknowledgement's
    const two = await api.look('reviewer2', r.id)
    for (const file of api.roundFiles(two)) {
      const voted = await api.vote('reviewer2', two, file, 'approve', {
        comment: 'Matches the ministry table.',
        commentVisibility: 'reviewers',
        acknowledgements: file.acknowledgementsNeeded.map((a) => ({ ...a, comment: 'Ministry table, row 12.' }))
      })
      expect(voted.statusCode, voted.body).toBe(200)
    }
    const released = await api.submitReview('reviewer2', two)
    expect(released.json()).toMatchObject({ state: 'released' })
    expect((await download(r.id, all.id)).statusCode).toBe(200)
    // the requester reads which checks each reviewer acknowledged, and only the words meant for them
    const read = fileNamed(await mine(r.id), 'all.csv').votes
    expect(read.find((v) => v.reviewer === 'reviewer2')).toMatchObject({
      comment: null,
      acknowledgements: expect.arrayContaining([{ rule: 'differencing', kind: 'exception', comment: null }])
    })
    expect(read.find((v) => v.reviewer === 'reviewer1')!.acknowledgements).toContainEqual({
      rule: 'differencing',
      kind: 'exception',
      comment: expect.stringMatching(/accept it/)
    })
    expect(JSON.stringify(await mine(r.id))).not.toMatch(/Ministry table|ministry table/)
    // reviewers read them all
    const byReviewer1 = fileNamed(await api.look('reviewer1', r.id), 'all.csv').votes
    expect(byReviewer1.find((v) => v.reviewer === 'reviewer2')!.acknowledgements[0]!.comment).toBe(
      'Ministry table, row 12.'
    )
    const acks = (await gw.app.store.getAirlockRequest(r.id))!.votes.flatMap((v) => v.acknowledgements)
    expect(acks.filter((a) => a.rule === 'differencing' && a.kind === 'exception')).toHaveLength(4)
    expect((await audited('export.exception', r.id, 'success')).length).toBe(2)
  }, 120_000)

  it('downloads a released request as one package: the files, a manifest whose digests match, and the record of the controls', async () => {
    let d = null
    for (const x of await gw.app.store.listAirlockRequests({ direction: 'export', states: ['released'] })) {
      const detail = (await gw.app.store.getAirlockRequest(x.id))!
      if (detail.files.some((f) => f.name === 'all.csv')) d = detail
    }
    const r = d!.request
    const released = d!.files.filter((f) => f.round === r.round && f.state === 'released')
    const pkg = await api.call('researcher1', 'GET', `/api/v1/exports/${r.id}/package`)
    expect(pkg.statusCode, pkg.body).toBe(200)
    expect(pkg.headers['content-type']).toBe('application/gzip')
    expect(pkg.headers['content-disposition']).toMatch(/^attachment; filename="release-/)
    const entries = await untar(pkg.rawPayload)
    const top = `release-${r.id}`
    const manifest = JSON.parse(entries.get(`${top}/manifest.json`)!.toString()) as {
      files: { name: string; path: string; size: number; sha256: string }[]
    }
    expect(manifest.files.map((f) => f.name).sort()).toEqual(released.map((f) => f.name).sort())
    for (const f of manifest.files) {
      const bytes = entries.get(`${top}/${f.path}`)!
      expect(sha256(bytes)).toBe(f.sha256)
      expect(bytes.length).toBe(f.size)
    }
    const controls = JSON.parse(entries.get(`${top}/controls.json`)!.toString())
    expect(controls).toMatchObject({
      policy: { name: 'default', version: expect.any(Number) },
      parameters: { preset: 'ndb-japan', threshold: 10, reviewers: 2 },
      review: { reviewersRequired: 2, partialRelease: false },
      reviewers: [{ reviewer: expect.stringMatching(/^reviewer/) }, { reviewer: expect.stringMatching(/^reviewer/) }]
    })
    const all = controls.files.find((f: { name: string }) => f.name === 'all.csv')
    expect(all.checks.find((c: { rule: string }) => c.rule === 'differencing')).toMatchObject({
      outcome: 'fail',
      summary: expect.any(String)
    })
    expect(all.exceptions).toMatchObject([
      { rule: 'differencing', reason: expect.stringMatching(/published by the ministry/) }
    ])
    expect(all.decisions).toHaveLength(2)
    for (const decision of all.decisions) {
      expect(decision).toMatchObject({ vote: 'approve', sha256: all.sha256, submittedAt: expect.any(String) })
      // a reviewer who kept their comments among reviewers keeps them out of the package too
      expect(decision.acknowledgements).toContainEqual({
        rule: 'differencing',
        kind: 'exception',
        comment: decision.reviewer === 'reviewer1' ? expect.any(String) : null
      })
    }
    expect(entries.get(`${top}/controls.json`)!.toString()).not.toMatch(/inistry table/)
    expect((await audited('export.package', r.id, 'success'))[0]!.details).toMatchObject({
      sha256: sha256(pkg.rawPayload)
    })

    // nobody else: another member of the project is told there is no such request
    expect((await api.call('researcher3', 'GET', `/api/v1/exports/${r.id}/package`)).statusCode).toBe(404)
    // and bytes changed on disk after approval never leave in a package
    const project = (await gw.app.sessions.get(sessionId))!.projectId
    writeFileSync(join(gw.dataDir, 'quarantine', project, released[0]!.sha256), 'prefecture,n\r\nTokyo,1\r\n')
    const tampered = await api.call('researcher1', 'GET', `/api/v1/exports/${r.id}/package`)
    expect(tampered.statusCode).toBe(409)
    expect((await audited('export.package', r.id))[0]!.details).toMatchObject({ status: 409 })
  }, 60_000)

  it("counts no vote of a reviewer moved into the requester's organization after voting: their review is set aside, audited, and two independent ones are still needed", async () => {
    const r = (await submit([{ path: 'outbox/by-age.csv', justification: 'table 2' }])).json() as RequestView
    expect((await api.review('reviewer1', r.id, 'approve')).statusCode).toBe(200)
    const reviewer1 = (await gw.app.store.getUserByUsername('reviewer1'))!.id
    const theirs = (await gw.app.store.getUserByUsername('researcher1'))!.organizationId
    // a reviewer's organization changes with two administrators: one asks, the other approves
    const move = async (organizationId: string | null) => {
      const asked = await api.call('admin', 'PATCH', `/api/v1/admin/users/${reviewer1}`, {
        organizationId,
        reason: 'moves'
      })
      expect(asked.statusCode, asked.body).toBe(202)
      return api.call('admin2', 'POST', `/api/v1/admin/approvals/${asked.json().pending.id}/approve`)
    }
    expect((await move(theirs)).statusCode).toBe(200)
    try {
      expect((await audited('review.void', r.id, 'success'))[0]!.details).toMatchObject({
        reviewer: reviewer1,
        reason: "the reviewer is of the requester's organization, which the policy excludes",
        review: 'review',
        votes: [{ name: 'by-age.csv', vote: 'approve', submitted: true }]
      })
      // reviewer2's approval is the first of two that count
      expect((await api.review('reviewer2', r.id, 'approve')).json()).toMatchObject({
        state: 'in_review',
        files: [{ state: 'pending' }],
        reviews: [{ reviewer: 'reviewer2' }]
      })
      expect((await api.call('reviewer1', 'GET', `/api/v1/reviews/${r.id}`)).statusCode).toBe(404)
      expect((await api.review('reviewer3', r.id, 'approve')).json()).toMatchObject({ state: 'released' })
      // their review stays, set aside: it was not one of the two that released it
      const d = (await gw.app.store.getAirlockRequest(r.id))!
      expect(d.reviews.filter((x) => x.reviewerId === reviewer1)).toMatchObject([{ voided: true }])
      expect(d.votes.filter((v) => v.reviewerId === reviewer1)).toEqual([])
    } finally {
      expect((await move(null)).statusCode).toBe(200)
    }
  }, 120_000)

  it('judges a round by the policy it was submitted under: one reviewer set mid-review does not decide it', async () => {
    const r = (await submit([{ path: 'outbox/by-sex.csv', justification: 'table 1' }])).json() as RequestView
    const current = gw.app.policies.get('default')!.row
    expect((await audited('export.submit', r.id, 'success'))[0]!.details).toMatchObject({
      policy: { name: 'default', version: current.version }
    })
    const save = (yaml: string, base: number) =>
      gw.app.policies.save('default', { yaml }, base, 'test', { id: 'test', sourceIp: null })
    expect((await save(current.yaml.replace(/^ {2}reviewers: 2$/m, '  reviewers: 1'), current.version)).kind).toBe(
      'saved'
    )
    try {
      const one = await api.review('reviewer1', r.id, 'approve')
      expect(one.json()).toMatchObject({ state: 'in_review', approvalsNeeded: 2, files: [{ state: 'pending' }] })
      // a request submitted now is judged by the policy in force now
      const later = (await submit([{ path: 'outbox/by-age.csv', justification: 'table 2' }])).json() as RequestView
      expect(later.approvalsNeeded).toBe(1)
      expect((await api.review('reviewer2', later.id, 'approve')).json()).toMatchObject({ state: 'released' })
      // the first still takes its second review
      expect((await api.review('reviewer2', r.id, 'approve')).json()).toMatchObject({ state: 'released' })
    } finally {
      const now = gw.app.policies.get('default')!.row
      await save(current.yaml, now.version)
    }
  }, 120_000)
})
