import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAccount } from '../../server/src/identity/accounts.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { airlockApi, type RequestView } from '../support/airlock.js'
import { FakeDriver } from '../support/fake-driver.js'
import { startRunningSession, type TestGateway, testGateway } from '../support/gateway.js'

/**
 * What one reviewer, or one administrator, cannot do with an export: read a table that may hold
 * individual records whole (only its excerpt), wipe a reviewer's veto by moving them out and back,
 * or count a suspended reviewer's approval. Exports from a session on the fake driver (the checks,
 * the gate and the store are the real ones), real SQLite, the real app.
 */
describe("the airlock's bounds on reviewers", () => {
  let driver: FakeDriver
  let gw: TestGateway
  let sessionId = ''
  let projectId = ''
  const tokens: Record<string, string> = {}
  const ids: Record<string, string> = {}
  let api: ReturnType<typeof airlockApi>

  /** Writes `body` to the session's outbox as `name` and submits it for export. */
  async function exported(name: string, body: string): Promise<RequestView> {
    const box = driver.sandboxes.get((await gw.app.sessions.get(sessionId))!.sandboxId!)!
    mkdirSync(join(box.root, WORK_DIR, 'outbox'), { recursive: true })
    writeFileSync(join(box.root, WORK_DIR, 'outbox', name), body)
    const res = await api.call('researcher1', 'POST', '/api/v1/exports', {
      sessionId,
      files: [{ path: `outbox/${name}`, justification: 'a table for the paper' }]
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json() as RequestView
  }
  /** Audit records of `action` on `target` with `outcome`, newest first. */
  const audited = async (action: string, target: string, outcome = 'success') =>
    (await gw.app.store.recentAudit(300)).filter(
      (a) => a.action === action && a.target === target && a.outcome === outcome
    )
  const assignment = (username: string) => `/api/v1/admin/projects/${projectId}/reviewers/${ids[username]}`
  const content = (who: string, r: RequestView, part: 'content' | 'excerpt') =>
    api.call(who, 'GET', `/api/v1/reviews/${r.id}/files/${r.files[0]!.id}/${part}`)

  beforeAll(async () => {
    driver = new FakeDriver()
    gw = await testGateway({}, {}, { sessions: { driver } })
    api = airlockApi(gw, tokens)
    ;({ sessionId, token: tokens.researcher1 } = await startRunningSession(gw))
    projectId = (await gw.app.sessions.get(sessionId))!.projectId
    const made = await createAccount(
      gw.app.store,
      gw.app.keys,
      { username: 'reviewer3', displayName: 'Kobayashi Aoi', organization: null, roles: ['reviewer'] },
      { actor: 'test', sourceIp: null }
    )
    gw.credentials.reviewer3 = { password: made.password, totpSecret: made.totpSecret }
    for (const who of ['reviewer1', 'reviewer2', 'reviewer3', 'admin']) {
      tokens[who] = (await gw.login(who)).accessToken
      ids[who] = (await gw.app.store.getUserByUsername(who))!.id
    }
    expect((await api.call('admin', 'PUT', assignment('reviewer3'))).statusCode).toBe(200)
  })
  afterAll(async () => {
    await gw?.close()
    driver?.dispose()
  })

  it('shows a reviewer a table that may hold individual records only as an excerpt: its bytes are refused, audited', async () => {
    // 3,000 people by birth date, sex and prefecture, without an id column: row-level asks for review, nothing fails
    const PREFECTURES = ['Tokyo', 'Osaka', 'Kyoto', 'Aichi', 'Hokkaido', 'Fukuoka']
    const rows = Array.from(
      { length: 3000 },
      (_, i) =>
        `${new Date(Date.UTC(1940, 0, 1) + i * 7 * 86_400_000).toISOString().slice(0, 10)},${i % 2 ? 'M' : 'F'},${PREFECTURES[i % 6]}`
    )
    const r = await exported('people.csv', `birth_date,sex,prefecture\n${rows.join('\n')}\n`)
    expect(r.files[0]!.outcome).toBe('review')
    expect(r.files[0]!.checks.find((c) => c.rule === 'row-level')?.outcome).toBe('review')
    const seen = await api.look('reviewer1', r.id)
    expect(seen.files[0]!.can.preview).toEqual({ ok: true })
    expect(seen.files[0]!.can.readBytes).toEqual({
      ok: false,
      why: 'people.csv may hold individual records (its row-level check did not pass): reviewers read its header, its first 50 rows and its row count, never the whole file.'
    })

    const raw = await content('reviewer1', r, 'content')
    expect(raw.statusCode).toBe(403)
    expect(raw.json().error.message).toBe(seen.files[0]!.can.readBytes!.why)
    expect(raw.body).not.toContain(rows[0])
    expect((await audited('review.preview', r.id, 'denied'))[0]!.details).toMatchObject({
      file: r.files[0]!.id,
      reason: expect.stringMatching(/^people\.csv may hold individual records/)
    })
    expect(await audited('review.preview', r.id)).toEqual([])

    // the excerpt: the header, the first 50 rows, and how many there are
    const excerpt = await content('reviewer1', r, 'excerpt')
    expect(excerpt.statusCode, excerpt.body).toBe(200)
    expect(excerpt.headers['cache-control']).toBe('no-store')
    const shown = excerpt.json()
    expect(shown).toMatchObject({
      name: 'people.csv',
      format: 'table',
      header: ['birth_date', 'sex', 'prefecture'],
      totalRows: 3000,
      cut: false,
      whole: seen.files[0]!.can.readBytes!.why
    })
    expect(shown.rows).toEqual(rows.slice(0, 50).map((row) => row.split(',')))
    expect(excerpt.body).not.toContain(rows[50])
    // audited, and counted against the daily volume by the excerpt's size, not the file's
    const record = (await audited('review.excerpt', r.id))[0]!
    expect(record.details).toMatchObject({ file: r.files[0]!.id, name: 'people.csv', rows: 50, totalRows: 3000 })
    expect(record.details.bytes).toBeLessThan(r.files[0]!.size / 10)

    // an aggregate is read whole, as before; the requester's own request stays out of reach
    const small = await exported('by-sex.csv', 'sex,n\r\nF,1031\r\nM,969\r\n')
    expect((await api.look('reviewer1', small.id)).files[0]!.can.readBytes).toEqual({ ok: true })
    const whole = await content('reviewer1', small, 'content')
    expect(whole.statusCode).toBe(200)
    expect(whole.body).toBe('sex,n\r\nF,1031\r\nM,969\r\n')
    expect((await content('researcher1', r, 'excerpt')).statusCode).toBe(403)
  })

  it("keeps a reviewer's return standing when an administrator unassigns and reassigns them: two approvals after it release nothing", async () => {
    const r = await exported('by-age.csv', 'age_band,n\r\n0-39,640\r\n40-64,760\r\n65+,600\r\n')
    expect((await api.review('reviewer2', r.id, 'return', 'Give the 65+ band its own table.')).statusCode).toBe(200)
    expect((await api.call('admin', 'DELETE', assignment('reviewer2'))).statusCode).toBe(200)
    expect((await api.call('admin', 'PUT', assignment('reviewer2'))).statusCode).toBe(200)

    // the review is set aside, audited; the return in it stands
    expect((await audited('review.void', r.id))[0]).toMatchObject({
      actor: ids.admin,
      details: {
        reviewer: ids.reviewer2,
        reason: "the reviewer is not assigned to the request's project",
        review: 'review',
        votes: [],
        standing: [{ name: 'by-age.csv', vote: 'return', submitted: true }],
        setAside: true
      }
    })
    const stored = (await gw.app.store.getAirlockRequest(r.id))!
    expect(stored.votes.map((v) => [v.reviewerId, v.vote])).toEqual([[ids.reviewer2, 'return']])
    expect(stored.reviews).toMatchObject([{ reviewerId: ids.reviewer2, voided: true }])

    // assigned again, reviewer2 has no further say in this round: refused with the reason, audited
    const theirs = await api.look('reviewer2', r.id)
    expect(theirs.can.vote).toEqual({ ok: false, why: expect.stringMatching(/set aside/) })
    const again = await api.vote('reviewer2', theirs, theirs.files[0]!, 'approve')
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toMatch(/^Your review of this round was set aside/)
    expect((await audited('review.vote', r.id, 'denied'))[0]!.details).toMatchObject({
      reason: expect.stringMatching(/set aside/)
    })

    // two approvals: with the standing return the file is conflicted, and nothing is released
    expect((await api.review('reviewer1', r.id, 'approve')).json()).toMatchObject({
      state: 'in_review',
      files: [{ state: 'pending' }]
    })
    const second = await api.review('reviewer3', r.id, 'approve')
    expect(second.statusCode, second.body).toBe(200)
    expect(second.json()).toMatchObject({ state: 'in_review', files: [{ state: 'conflicted' }] })
    expect(
      second
        .json()
        .files[0].votes.map((v: { reviewer: string; vote: string }) => `${v.reviewer} ${v.vote}`)
        .sort()
    ).toEqual(['reviewer1 approve', 'reviewer2 return', 'reviewer3 approve'])
    expect((await gw.app.store.getAirlockRequest(r.id))!.request.state).toBe('in_review')
    expect(await audited('export.release', r.id)).toEqual([])
    const download = await api.call('researcher1', 'GET', `/api/v1/exports/${r.id}/files/${r.files[0]!.id}/content`)
    expect(download.statusCode).toBe(403)
  })

  it('counts no approval of a suspended reviewer, suspended behind the console or by an administrator', async () => {
    const a = await exported('by-sex-a.csv', 'sex,n\r\nF,1031\r\nM,969\r\n')
    const b = await exported('by-region.csv', 'region,n\r\nEast,1200\r\nWest,800\r\n')
    for (const r of [a, b]) {
      const res = await api.review('reviewer1', r.id, 'approve')
      expect(res.statusCode, res.body).toBe(200)
    }
    const status = (s: 'active' | 'suspended') =>
      gw.app.store.setUserStatus(ids.reviewer1!, s, {
        actor: 'test',
        action: s === 'active' ? 'user.reinstate' : 'user.suspend',
        sourceIp: null,
        target: ids.reviewer1!,
        outcome: 'success'
      })

    // suspended in the store: nothing dropped the approval, and still it counts for nothing
    await status('suspended')
    expect((await api.review('reviewer2', a.id, 'approve')).json()).toMatchObject({
      state: 'in_review',
      approvals: 1,
      files: [{ state: 'pending' }]
    })
    await status('active')

    // suspended by an administrator: the approvals are dropped at once, audited
    const suspended = await api.call('admin', 'POST', `/api/v1/admin/users/${ids.reviewer1}/suspend`, {
      reason: 'on leave'
    })
    expect(suspended.statusCode, suspended.body).toBe(200)
    for (const r of [a, b]) {
      expect((await audited('review.void', r.id))[0]!.details).toMatchObject({
        reviewer: ids.reviewer1,
        reason: "the reviewer's account is suspended",
        votes: [{ vote: 'approve', submitted: true }],
        setAside: true
      })
    }
    expect((await api.review('reviewer2', b.id, 'approve')).json()).toMatchObject({
      state: 'in_review',
      files: [{ state: 'pending' }]
    })
    // two active reviewers release each
    expect((await api.review('reviewer3', a.id, 'approve')).json()).toMatchObject({ state: 'released' })
    expect((await api.review('reviewer3', b.id, 'approve')).json()).toMatchObject({ state: 'released' })
    const reinstated = await api.call('admin', 'POST', `/api/v1/admin/users/${ids.reviewer1}/reinstate`, {
      reason: 'back'
    })
    expect(reinstated.statusCode).toBe(200)
  })
})
