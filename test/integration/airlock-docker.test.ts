import { createHash } from 'node:crypto'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGzip } from 'node:zlib'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { testPolicyFile } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'
import { zipOf } from '../support/zip.js'
import { airlockApi, type RequestView } from '../support/airlock.js'
import { createAccount } from '../../server/src/identity/accounts.js'

const OUTBOX = `${WORK_DIR}/outbox`
const INBOX = `${WORK_DIR}/inbox`
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

describe('the airlock on a real sandbox: outputs leave only reviewed, approved and unchanged', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let sessionId = ''
  const tokens: Record<string, string> = {}

  let api: ReturnType<typeof airlockApi>
  const call = (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    api.call(who, method, url, payload)
  const inSandbox = async (script: string) => {
    const s = (await gw.app.sessions.get(sessionId))!
    const r = await runInSandbox(docker, s.sandboxId!, { cmd: ['sh', '-c', script] })
    expect(r.exitCode, r.stderr).toBe(0)
    return r.stdout
  }
  const submit = (files: { path: string; justification: string }[]) =>
    call('researcher1', 'POST', '/api/v1/exports', { sessionId, files })
  const look = (who: string, id: string) => api.look(who, id)
  /** A reviewer votes the same on every file of the round and submits their review. */
  const decide = (who: string, id: string, vote: 'approve' | 'return' | 'reject', comment?: string) =>
    api.review(who, id, vote, comment)
  const download = (id: string, fileId: string, who = 'researcher1') =>
    call(who, 'GET', `/api/v1/exports/${id}/files/${fileId}/content`)
  const quarantined = () =>
    // the digests (and partial copies) held in every project's quarantine directory
    readdirSync(join(gw.dataDir, 'quarantine'), { recursive: true, encoding: 'utf8' })
      .filter((n) => n.includes('/'))
      .map((n) => n.slice(n.indexOf('/') + 1))
      .sort()
  const requestCount = async () => (await gw.app.store.listAirlockRequests({})).length

  // these tests submit far more than a researcher may in a minute; the limit has its own test
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
    // a third reviewer, assigned to the demo project, for rounds the first two have both decided
    const made = await createAccount(
      gw.app.store,
      gw.app.keys,
      { username: 'reviewer3', displayName: 'Kobayashi Aoi', organization: null, roles: ['reviewer'] },
      { actor: 'test', sourceIp: null }
    )
    gw.credentials.reviewer3 = { password: made.password, totpSecret: made.totpSecret }
    const project = (await gw.app.sessions.get(sessionId))!.projectId
    await gw.app.store.airlock.setProjectReviewer(project, made.user.id, true, 'test', {
      actor: 'test',
      action: 'project.reviewer_assign',
      sourceIp: null,
      target: project,
      outcome: 'success'
    })
    tokens.reviewer3 = (await gw.login('reviewer3')).accessToken
    await inSandbox(
      [
        `cd ${OUTBOX}`,
        'printf "sex,n\\r\\nF,1031\\r\\nM,969\\r\\n" > by-sex.csv',
        'printf "age_band,n\\r\\n0-19,3\\r\\n20-64,1200\\r\\n" > small-cell.csv',
        'ln -s /etc/passwd passwd.csv',
        'mkdir folder.csv',
        'printf "x" > data.duckdb'
      ].join(' && ')
    )
  }, 120_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
    policy.remove()
  })

  it('refuses links, folders, missing files and kinds the policy does not allow, storing nothing', async () => {
    const before = [quarantined(), await requestCount()]
    for (const [path, status, why] of [
      ['outbox/passwd.csv', 400, /type symlink, which is never accepted/],
      ['outbox/folder.csv', 400, /folder/],
      ['outbox/nothing.csv', 404, /no outbox\/nothing\.csv/],
      ['outbox/data.duckdb', 400, /not a kind of file that may leave/],
      ['work/../outbox/by-sex.csv', 400, /only outbox\/ files/]
    ] as const) {
      const res = await submit([{ path, justification: 'needed for the paper' }])
      expect(res.statusCode, `${path}: ${res.body}`).toBe(status)
      expect(res.json().error.message).toMatch(why)
    }
    const noReason = await submit([{ path: 'outbox/by-sex.csv', justification: '   ' }])
    expect(noReason.statusCode).toBe(400)
    // no partial copy, no request
    expect([quarantined(), await requestCount()]).toEqual(before)
  }, 60_000)

  it('checks each file on submission and flags a small cell for the reviewer', async () => {
    const res = await submit([{ path: 'outbox/small-cell.csv', justification: 'age distribution, table 2' }])
    expect(res.statusCode, res.body).toBe(201)
    const r = res.json() as RequestView
    expect(r).toMatchObject({ state: 'submitted', round: 1, approvals: 0, approvalsNeeded: 2 })
    expect(r.files[0]!.outcome).toBe('fail')
    expect(r.files[0]!.checks.find((c) => c.rule === 'threshold')?.outcome).toBe('fail')
    expect(r.files[0]!.sha256).toBe(sha256('age_band,n\r\n0-19,3\r\n20-64,1200\r\n'))
    expect(quarantined()).toContain(r.files[0]!.sha256)
  }, 60_000)

  it('releases only after two distinct reviewers approve, never to anyone before, and the bytes are those in the outbox', async () => {
    const inOutbox = await inSandbox(`cat ${OUTBOX}/by-sex.csv`)
    const res = await submit([{ path: 'outbox/by-sex.csv', justification: 'table 1 of the paper' }])
    expect(res.statusCode, res.body).toBe(201)
    const r = res.json() as RequestView
    const file = r.files[0]!

    // not before approval
    expect((await download(r.id, file.id)).statusCode).toBe(403)
    // the researcher changes the outbox copy afterwards: what is reviewed is what was submitted
    await inSandbox(`echo "F,1" >> ${OUTBOX}/by-sex.csv`)

    // the queue shows it to reviewers; the first look starts the review
    const queue = await call('reviewer1', 'GET', '/api/v1/reviews')
    expect((queue.json() as { id: string }[]).map((q) => q.id)).toContain(r.id)
    expect((await call('reviewer1', 'GET', `/api/v1/reviews/${r.id}`)).json()).toMatchObject({ state: 'in_review' })

    // one approval is not enough when the policy needs two, and the same reviewer can't count twice
    expect((await decide('reviewer1', r.id, 'approve')).json()).toMatchObject({ state: 'in_review', approvals: 1 })
    const twice = await decide('reviewer1', r.id, 'approve')
    expect(twice.statusCode).toBe(409)
    expect(twice.json().error.message).toMatch(/submitted your review/)
    expect((await download(r.id, file.id)).statusCode).toBe(403)

    const released = await decide('reviewer2', r.id, 'approve')
    expect(released.json()).toMatchObject({ state: 'released', approvals: 2 })

    // only the requester downloads, and gets exactly the submitted bytes
    expect((await download(r.id, file.id, 'reviewer1')).statusCode).toBe(403)
    const got = await download(r.id, file.id)
    expect(got.statusCode).toBe(200)
    expect(got.rawPayload.toString()).toBe(inOutbox)
    expect(got.headers['content-disposition']).toMatch(/^attachment/)
    const actions = (await gw.app.store.recentAudit(200)).filter((a) => a.target === r.id).map((a) => a.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'export.submit',
        'review.open',
        'review.vote',
        'review.submit',
        'export.file_approve',
        'export.approve',
        'export.release',
        'export.file_release',
        'export.download'
      ])
    )
  }, 60_000)

  it('refuses self-review, and a reviewer decision without a reason when returning or rejecting', async () => {
    const res = await submit([{ path: 'outbox/by-sex.csv', justification: 'again, after a change' }])
    const r = res.json() as RequestView
    const requester = (await gw.app.store.getUserByUsername('researcher1'))!
    const f = r.files[0]!
    const ballot = { fileId: f.id, round: 1, sha256: f.sha256, vote: 'approve' as const, comment: null }
    await expect(
      gw.app.airlock.vote(
        requester,
        r.id,
        { ...ballot, commentVisibility: 'researcher', acknowledgements: [] },
        { sourceIp: null }
      )
    ).rejects.toThrow(/reviewed by other reviewers/)
    // a researcher is not a reviewer at all
    expect(
      (await call('researcher1', 'PUT', `/api/v1/reviews/${r.id}/files/${f.id}/vote`, { ...ballot, comment: 'x' }))
        .statusCode
    ).toBe(403)
    const seen = await look('reviewer1', r.id)
    const noReason = await api.vote('reviewer1', seen, f, 'return')
    expect(noReason.statusCode).toBe(400)
    expect(noReason.json().error.message).toMatch(/returned with a comment/)
    expect((await api.vote('reviewer1', seen, f, 'reject', { comment: '  ' })).statusCode).toBe(400)
    expect((await gw.app.airlock.get(r.id, requester.id)).votes).toHaveLength(0)
  }, 60_000)

  it('a returned request goes back with a new round; approvals of the old round do not count', async () => {
    const r = (await submit([{ path: 'outbox/small-cell.csv', justification: 'age table' }])).json() as RequestView
    await call('reviewer1', 'GET', `/api/v1/reviews/${r.id}`)
    // the file fails the threshold, which ndb-japan never excepts: it cannot be approved
    const blocked = await decide('reviewer2', r.id, 'approve')
    expect(blocked.statusCode).toBe(403)
    expect(blocked.json().error.message).toMatch(/fails the threshold check/)
    expect((await decide('reviewer2', r.id, 'return', 'Too small a band.')).json()).toMatchObject({
      state: 'in_review'
    })
    const returned = await decide('reviewer1', r.id, 'return', 'The 0-19 band counts 3 people: merge it with 20-64.')
    expect(returned.json()).toMatchObject({ state: 'returned' })

    await inSandbox(`printf "age_band,n\\r\\n0-64,1203\\r\\n" > ${OUTBOX}/small-cell.csv`)
    const again = await call('researcher1', 'POST', `/api/v1/exports/${r.id}/resubmit`, {
      sessionId,
      files: [{ path: 'outbox/small-cell.csv', justification: 'bands merged as asked' }]
    })
    expect(again.statusCode, again.body).toBe(200)
    const round2 = again.json() as RequestView
    expect(round2).toMatchObject({ state: 'submitted', round: 2, approvals: 0 })
    expect(round2.files.filter((f) => f.round === 2)[0]!.outcome).not.toBe('fail')
    expect(round2.decisions.map((d) => d.comment)).toContain(
      'small-cell.csv: The 0-19 band counts 3 people: merge it with 20-64.'
    )

    await call('reviewer1', 'GET', `/api/v1/reviews/${r.id}`)
    // the reviews of round 1 count for nothing in round 2: one approval is still not enough
    expect((await decide('reviewer1', r.id, 'approve')).json()).toMatchObject({ state: 'in_review', approvals: 1 })
    expect((await decide('reviewer2', r.id, 'approve')).json()).toMatchObject({ state: 'released' })
    const released = round2.files.find((f) => f.round === 2)!
    const old = round2.files.find((f) => f.round === 1)!
    expect((await download(r.id, released.id)).rawPayload.toString()).toBe('age_band,n\r\n0-64,1203\r\n')
    expect((await download(r.id, old.id)).statusCode).toBe(403)
  }, 60_000)

  it('never releases a file whose stored bytes changed after review', async () => {
    await inSandbox(`printf "sex,n\\r\\nF,500\\r\\nM,500\\r\\n" > ${OUTBOX}/tamper.csv`)
    const r = (await submit([{ path: 'outbox/tamper.csv', justification: 'x' }])).json() as RequestView
    const file = r.files[0]!
    await call('reviewer1', 'GET', `/api/v1/reviews/${r.id}`)
    await decide('reviewer1', r.id, 'approve')
    // someone with access to the gateway's disk changes the quarantined copy
    const project = (await gw.app.sessions.get(sessionId))!.projectId
    writeFileSync(join(gw.dataDir, 'quarantine', project, file.sha256), 'sex,n\r\nF,1\r\n')
    const last = await decide('reviewer2', r.id, 'approve')
    expect(last.json()).toMatchObject({ state: 'approved' })
    expect((await download(r.id, file.id)).statusCode).toBe(403)
    const release = (await gw.app.store.recentAudit(50)).find((a) => a.target === r.id && a.action === 'export.release')
    expect(release?.outcome).toBe('error')
  }, 60_000)

  it('binds a CSV sent from a notebook cell to the query that made it', async () => {
    const source = 'select sex, count(*) as n from patients group by all order by sex'
    const cell = await call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells/export`, {
      language: 'sql',
      source,
      name: 'from-cell'
    })
    expect(cell.statusCode, cell.body).toBe(201)
    const r = (await submit([{ path: 'outbox/from-cell.csv', justification: 'table 1' }])).json() as RequestView
    expect(r.files[0]!.provenance).toMatchObject({ source, language: 'sql' })
  }, 60_000)

  it('counts individuals, not rows: a group of many claims from 3 people fails the threshold', async () => {
    const cell = (language: string, src: string) =>
      call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells`, { language, source: src })
    // three people with claims, named in the query (a subquery there would leave the recount unable to count)
    const three = (
      (await cell('sql', 'select distinct person_id from claims order by person_id limit 3')).json() as {
        outputs: { rows: string[][] }[]
      }
    ).outputs[0]!.rows.map((r) => `'${r[0]}'`)
    const picked = `person_id in (${three.join(', ')})`
    const source = [
      `select (c.${picked}) as picked, count(*) as claims`,
      'from claims c group by all order by 1'
    ].join('\n')
    const printed = (await cell('sql', source)).json() as { outputs: { rows: number[][] }[] }
    const claims = printed.outputs[0]!.rows.map((r) => Number(r[1]))
    // the printed numbers are all far above the threshold
    expect(Math.min(...claims)).toBeGreaterThanOrEqual(10)
    const people = (
      (
        await cell(
          'sql',
          `select (${picked}) as picked, count(distinct person_id) from claims group by all order by 1`
        )
      ).json() as { outputs: { rows: number[][] }[] }
    ).outputs[0]!.rows.map((r) => Number(r[1]))
    expect(people[1]).toBeLessThanOrEqual(3)

    expect(
      (
        await call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells/export`, {
          language: 'sql',
          source,
          name: 'claims-of-few'
        })
      ).statusCode
    ).toBe(201)
    // the researcher tries to forge the recount's answer by writing into its output as it runs;
    // the pattern is spelled so the watcher does not match itself
    await inSandbox(
      [
        "nohup sh -c 'while :; do for d in /proc/[0-9]*; do",
        'if grep -qs "vre-recoun[t]" $d/cmdline; then',
        'printf "{\\"ok\\":true}" > $d/fd/1 2>/dev/null; echo "${d#/proc/} $?" >> /tmp/forge.log; fi;',
        "done; done' >/dev/null 2>&1 & echo $! > /tmp/forge.pid"
      ].join(' ')
    )
    const r = (
      await submit([{ path: 'outbox/claims-of-few.csv', justification: 'claims by group' }])
    ).json() as RequestView
    const attempts = (await inSandbox('kill $(cat /tmp/forge.pid); cat /tmp/forge.log')).trim().split('\n')
    // it found the recount running, and every write was refused: the recount runs as another account
    expect(attempts.filter((line) => line !== '').length).toBeGreaterThan(0)
    expect(
      attempts.every((line) => /^\d+ [1-9]\d*$/.test(line)),
      attempts.join('\n')
    ).toBe(true)
    // the requester learns that people were counted and where the check failed; the reviewer, how many
    const file = r.files[0]!
    expect(file.provenance).toMatchObject({ recount: { counted: true } })
    expect(file.checks.find((c) => c.rule === 'threshold')).toMatchObject({ outcome: 'fail', rows: [1] })
    const reviewed = (await look('reviewer1', r.id)).files[0]!
    expect(reviewed.provenance).toMatchObject({ recount: { person: 'c.person_id', individualsPerRow: people } })
    const threshold = reviewed.checks.find((c) => c.rule === 'threshold')!
    expect(threshold.outcome).toBe('fail')
    expect(threshold.rows).toEqual([1])
    expect(threshold.message).toMatch(/recorded query/)
  }, 90_000)

  it('refuses a decision on a round the reviewer has not seen, and counts two approvals given at once', async () => {
    await inSandbox(`printf "sex,n\\r\\nF,700\\r\\nM,1300\\r\\n" > ${OUTBOX}/race.csv`)
    const r = (await submit([{ path: 'outbox/race.csv', justification: 'x' }])).json() as RequestView
    const seenByOne = await look('reviewer1', r.id)
    // meanwhile the other two reviewers return it and the researcher sends a new version
    await decide('reviewer2', r.id, 'return', 'Round the numbers.')
    await decide('reviewer3', r.id, 'return', 'Round the numbers.')
    await inSandbox(`printf "sex,n\\r\\nF,710\\r\\nM,1290\\r\\n" > ${OUTBOX}/race.csv`)
    await call('researcher1', 'POST', `/api/v1/exports/${r.id}/resubmit`, {
      sessionId,
      files: [{ path: 'outbox/race.csv', justification: 'rounded' }]
    })
    const stale = await api.vote('reviewer1', seenByOne, seenByOne.files[0]!, 'approve')
    expect(stale.statusCode).toBe(409)
    expect(stale.json().error.message).toMatch(/changed since you opened it/)
    expect((await api.submitReview('reviewer1', seenByOne)).statusCode).toBe(409)

    const [a, b] = [await look('reviewer1', r.id), await look('reviewer2', r.id)]
    for (const [who, seen] of [
      ['reviewer1', a],
      ['reviewer2', b]
    ] as const) {
      const f = api.roundFiles(seen)[0]!
      expect((await api.vote(who, seen, f, 'approve', { acknowledgements: api.acknowledging(f) })).statusCode).toBe(200)
    }
    const both = await Promise.all([api.submitReview('reviewer1', a), api.submitReview('reviewer2', b)])
    expect(both.map((x) => x.statusCode)).toEqual([200, 200])
    expect((await gw.app.store.getAirlockRequest(r.id))!.request.state).toBe('released')
  }, 60_000)

  it('shows files to reviewers only while the request is in review', async () => {
    const released = (await gw.app.store.listAirlockRequests({ direction: 'export', states: ['released'] }))[0]!
    const file = (await gw.app.store.getAirlockRequest(released.id))!.files.at(-1)!
    const res = await call('reviewer1', 'GET', `/api/v1/reviews/${released.id}/files/${file.id}/content`)
    expect(res.statusCode).toBe(403)
    expect(res.json().error.message).toMatch(/only while it is in review/)
  }, 30_000)

  it('catches differencing between tables sent side by side, in one request or in two open ones', async () => {
    await inSandbox(
      [
        `printf "prefecture,n\\r\\nTokyo,120\\r\\nOsaka,80\\r\\n" > ${OUTBOX}/all.csv`,
        `printf "prefecture,n\\r\\nTokyo,117\\r\\nOsaka,80\\r\\n" > ${OUTBOX}/all-but-3.csv`
      ].join(' && ')
    )
    const together = (
      await submit([
        { path: 'outbox/all.csv', justification: 'table 3' },
        { path: 'outbox/all-but-3.csv', justification: 'table 3, excluding one clinic' }
      ])
    ).json() as RequestView
    for (const f of together.files) {
      expect(f.checks.find((c) => c.rule === 'differencing')?.outcome, f.name).toBe('fail')
    }
    await call('researcher1', 'POST', `/api/v1/exports/${together.id}/withdraw`)

    const first = (await submit([{ path: 'outbox/all.csv', justification: 'table 3' }])).json() as RequestView
    expect(first.files[0]!.checks.find((c) => c.rule === 'differencing')?.outcome).toBe('pass')
    const second = (await submit([{ path: 'outbox/all-but-3.csv', justification: 'later' }])).json() as RequestView
    expect(second.files[0]!.checks.find((c) => c.rule === 'differencing')!.outcome).toBe('fail')
    const diff = (await look('reviewer1', second.id)).files[0]!.checks.find((c) => c.rule === 'differencing')!
    expect(diff.outcome).toBe('fail')
    expect(diff.message).toMatch(/all\.csv/)
  }, 60_000)

  it("shows the requester none of their file's text in the checks, however large its labels; reviewers read it capped", async () => {
    // three 2 MB group labels over small counts: the threshold rule names each row it fails
    await inSandbox(
      `python3 -c 'L = "LEAK" * 500000; open("${OUTBOX}/huge-labels.csv", "w").write("region,n\\r\\n" + "".join(f"{c}{L},{n}\\r\\n" for c, n in (("A", 3), ("B", 4), ("C", 5))))'`
    )
    const res = await submit([{ path: 'outbox/huge-labels.csv', justification: 'regions' }])
    expect(res.statusCode, res.body.slice(0, 500)).toBe(201)
    const again = await call('researcher1', 'GET', `/api/v1/exports/${(res.json() as RequestView).id}`)
    for (const answer of [res, again]) {
      expect(answer.body.length).toBeLessThan(16 * 1024)
      expect(answer.body).not.toContain('LEAK')
      const file = (answer.json() as RequestView).files[0]!
      expect(file.size).toBeGreaterThan(6_000_000)
      expect(file.checks.find((c) => c.rule === 'threshold')).toMatchObject({
        outcome: 'fail',
        message: expect.stringMatching(/fewer individuals than the threshold allows/),
        cells: [
          { row: 0, column: 1 },
          { row: 1, column: 1 },
          { row: 2, column: 1 }
        ]
      })
    }

    const id = (res.json() as RequestView).id
    const reviewed = await call('reviewer1', 'GET', `/api/v1/reviews/${id}`)
    expect(reviewed.body.length).toBeLessThan(64 * 1024)
    const threshold = (reviewed.json() as RequestView).files[0]!.checks.find((c) => c.rule === 'threshold')!
    expect(Buffer.byteLength(threshold.message)).toBeLessThanOrEqual(2048)
    // each row named by its label's first characters, cut
    expect(threshold.message).toMatch(/row 1 \(region A(LEAK)+L?E?A?K?…\) n = 3/)
    expect(Math.max(...(threshold.message.match(/[LEAK]+/g) ?? []).map((m) => m.length))).toBeLessThan(64)
    // the state database holds no more than the reviewer reads
    const stored = (await gw.app.store.getAirlockRequest(id))!.files[0]!.checks as { message: string }[]
    expect(Math.max(...stored.map((c) => Buffer.byteLength(c.message)))).toBeLessThanOrEqual(2048)
  }, 90_000)

  it('keeps why a recount failed to a few hundred characters for reviewers, and from the requester', async () => {
    // armed in the notebook, the first statement passes when the cell is exported and fails when the
    // airlock replays it on its own, with the patients' ids as the error
    const cell = (path: string, payload: object) =>
      call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/${path}`, payload)
    const armed = await cell('cells', { language: 'sql', source: 'SET VARIABLE armed = 1' })
    expect(armed.statusCode, armed.body).toBe(200)
    expect(armed.json()).toMatchObject({ status: 'ok' })
    const source = [
      "SELECT CASE WHEN getvariable('armed') IS NULL THEN error((SELECT string_agg(person_id, ',') FROM patients)) END;",
      'SELECT sex, count(*) AS n FROM patients GROUP BY ALL ORDER BY sex'
    ].join('\n')
    const exported = await cell('cells/export', { language: 'sql', source, name: 'armed' })
    expect(exported.statusCode, exported.body).toBe(201)

    const res = await submit([{ path: 'outbox/armed.csv', justification: 'patients by sex' }])
    expect(res.statusCode, res.body.slice(0, 500)).toBe(201)
    const mine = (res.json() as RequestView).files[0]!
    expect(mine.provenance).toMatchObject({
      source,
      recount: { unavailable: expect.stringMatching(/^The individuals/) }
    })
    const reviewed = (await look('reviewer1', (res.json() as RequestView).id)).files[0]!
    const why = (reviewed.provenance as unknown as { recount: { unavailable: string } }).recount.unavailable
    expect(why).toMatch(/^statement 1 of the cell failed when replayed: .*…$/)
    expect(Array.from(why).length).toBeLessThanOrEqual(300)
  }, 90_000)

  it('refuses a file over the size cap without reading it through, and flags bytes released before', async () => {
    await inSandbox(`head -c 17000000 /dev/zero | tr "\\000" "a" > ${OUTBOX}/big.csv`)
    const before = quarantined()
    const big = await submit([{ path: 'outbox/big.csv', justification: 'x' }])
    expect(big.statusCode).toBe(400)
    expect(big.json().error.message).toMatch(/more than the 16777216 allowed per file/)
    expect(quarantined()).toEqual(before)
    // refused from the header: the copying tar in the sandbox is stopped, not read to its end
    await expect.poll(async () => inSandbox('ps -eo args | grep "^tar -c" || true'), { timeout: 10_000 }).toBe('')
    const refused = (await gw.app.store.recentAudit(20)).find((a) => a.action === 'export.submit')
    expect(refused).toMatchObject({ outcome: 'denied', details: { reason: expect.stringMatching(/allowed per file/) } })

    // the same bytes as a released output: the reviewer is told
    await inSandbox(`printf "age_band,n\\r\\n0-64,1203\\r\\n" > ${OUTBOX}/again.csv`)
    const again = (await submit([{ path: 'outbox/again.csv', justification: 'x' }])).json() as RequestView
    expect(again.files[0]!.checks.find((c) => c.rule === 'repeats')?.outcome).toBe('review')
  }, 60_000)

  describe('imports: software and reference files come in only reviewed', () => {
    let projectId = ''
    const upload = (name: string, body: Buffer | string, justification = 'needed for the analysis') =>
      gw.app.inject({
        method: 'POST',
        url: `/api/v1/imports?${new URLSearchParams({ projectId, name, justification })}`,
        headers: { authorization: `Bearer ${tokens.researcher1}`, 'content-type': 'application/octet-stream' },
        payload: Buffer.from(body)
      })
    const tgzOf = async (entries: { name: string; data?: string; type?: 'file' | 'symlink'; linkname?: string }[]) => {
      const p = pack()
      for (const e of entries) {
        if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname })
        else p.entry({ name: e.name }, e.data ?? '')
      }
      p.finalize()
      const chunks: Buffer[] = []
      for await (const c of p.pipe(createGzip())) chunks.push(c as Buffer)
      return Buffer.concat(chunks)
    }

    beforeAll(async () => {
      projectId = (await gw.app.sessions.get(sessionId))!.projectId
    })

    it('delivers an approved script into the inbox of the running session, after one other reviewer approves', async () => {
      const script = 'print("hello from outside")\n'
      const res = await upload('helper.py', script)
      expect(res.statusCode, res.body).toBe(201)
      const r = res.json() as RequestView & { direction: string }
      expect(r).toMatchObject({ direction: 'import', state: 'submitted', approvalsNeeded: 1 })
      expect(r.files[0]!.sha256).toBe(sha256(script))
      // nothing arrives before approval
      expect(await inSandbox(`ls ${INBOX}`)).toBe('')
      const requester = (await gw.app.store.getUserByUsername('researcher1'))!
      await expect(
        gw.app.airlock.submitReview(requester, r.id, { round: 1, sha256s: [r.files[0]!.sha256] }, { sourceIp: null })
      ).rejects.toThrow(/reviewed by other reviewers/)
      await call('reviewer1', 'GET', `/api/v1/reviews/${r.id}`)
      expect((await decide('reviewer1', r.id, 'approve')).json()).toMatchObject({ state: 'released' })
      expect(await inSandbox(`cat ${INBOX}/helper.py`)).toBe(script)
      const actions = (await gw.app.store.recentAudit(50)).filter((a) => a.target === r.id).map((a) => a.action)
      expect(actions).toEqual(
        expect.arrayContaining(['import.submit', 'review.submit', 'import.approve', 'import.release'])
      )
    }, 60_000)

    it('lists an archive for the reviewer, and refuses one with links, paths out, or a kind not allowed, keeping nothing', async () => {
      const fine = await upload(
        'codes.zip',
        zipOf([
          { name: 'codes/', mode: 0o40755 },
          { name: 'codes/icd10.csv', data: 'code\nE11\n' }
        ])
      )
      expect(fine.statusCode, fine.body).toBe(201)
      const listed = (fine.json() as { files: { listing: { name: string; type: string }[] }[] }).files[0]!.listing
      expect(listed.map((e) => `${e.type} ${e.name}`)).toEqual(['directory codes/', 'file codes/icd10.csv'])
      const tgz = await upload('src.tar.gz', await tgzOf([{ name: 'src/a.py', data: 'x = 1\n' }]))
      expect(tgz.statusCode, tgz.body).toBe(201)

      const before = [quarantined(), await requestCount()]
      for (const [name, body, why] of [
        ['escape.zip', zipOf([{ name: '../../home/researcher/.bashrc', data: 'evil' }]), /invalid relative path/],
        ['link.zip', zipOf([{ name: 'passwd', data: '/etc/passwd', mode: 0o120777 }]), /symlink/],
        ['link.tar.gz', await tgzOf([{ name: 'data', type: 'symlink', linkname: '/data' }]), /symlink/],
        ['abs.tar.gz', await tgzOf([{ name: '/etc/cron.d/x', data: 'x' }]), /absolute path/],
        ['tool.exe', Buffer.from('MZ'), /only \.py/],
        ['.bashrc', Buffer.from('x'), /plain file name/]
      ] as const) {
        const res = await upload(name, body)
        expect(res.statusCode, `${name}: ${res.body}`).toBe(400)
        expect(res.json().error.message).toMatch(why)
      }
      expect([quarantined(), await requestCount()]).toEqual(before)
    }, 60_000)

    it('keeps an approved import for the next session when none is running', async () => {
      const r = (await upload('later.sql', 'select 1;\n')).json() as RequestView
      await gw.app.sessions.stop(sessionId, 'test: next session', { actor: 'test', sourceIp: null })
      await call('reviewer2', 'GET', `/api/v1/reviews/${r.id}`)
      expect((await decide('reviewer2', r.id, 'approve')).json()).toMatchObject({ state: 'approved' })
      ;({ sessionId } = await startRunningSession(gw))
      await expect
        .poll(async () => (await gw.app.store.getAirlockRequest(r.id))!.request.state, { timeout: 20_000 })
        .toBe('released')
      expect(await inSandbox(`cat ${INBOX}/later.sql`)).toBe('select 1;\n')
    }, 90_000)
  })
})
