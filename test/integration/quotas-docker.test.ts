import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import type { SqliteStore } from '../../server/src/store/sqlite/sqlite-store.js'
import { openBytes } from '../../server/src/keys/encrypted-file.js'
import { closeKeys } from '../../server/src/keys/keys.js'
import { recordingContext, recordingParts } from '../../server/src/terminal/recording.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { LARGE_DISPLAY, testPolicyFile, withDisplay, withMonitoring } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'
import { openTerminal } from '../support/terminal.js'
import { auditPublicKeyFile, dataDirKeys, openStateDb } from '../support/keys.js'

const MiB = 1024 * 1024
const PROMPT = /researcher@vre:[^\r\n]*\$ /
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

interface RequestView {
  id: string
  state: string
  round: number
  files: { id: string; sha256: string; round: number }[]
}

/**
 * What a researcher can make the gateway store is capped by the policy's quotas, on the real engine
 * (runsc): cell sources (the audit keeps digests and excerpts, the data-operation log the text),
 * terminal recordings, and the airlock's quarantine.
 */
describe('quotas on what a researcher can make the gateway store (runsc)', () => {
  // a 1 MiB recording and a 1 MiB quarantine per project, the display far above anything printed here
  // (the flood is about the recording), no monitoring rule that could end the session mid-test
  const policy = testPolicyFile((yaml) =>
    withMonitoring('  refusedActionsPerMinute:\n    limit: 1000\n    action: alert\n')(withDisplay(LARGE_DISPLAY)(yaml))
      .replace(/^ {2}recordingBytesPerSession: \d+.*$/m, `  recordingBytesPerSession: ${MiB}`)
      .replace(/^ {2}quarantineBytesPerProject: \d+.*$/m, `  quarantineBytesPerProject: ${MiB}`)
      .replace(/^ {2}submissionsPerMinute: \d+$/m, '  submissionsPerMinute: 1000')
  )
  let docker: DockerDriver
  let gw: TestGateway
  let url = ''
  let sessionId = ''
  let projectId = ''
  const tokens: Record<string, string> = {}
  let gatewayClosed = false
  /** what the tests measured, printed at the end */
  const figures: Record<string, number> = {}

  const call = (who: string, method: 'GET' | 'POST' | 'PUT', path: string, payload?: object) =>
    gw.app.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${tokens[who]}` },
      ...(payload === undefined ? {} : { payload })
    })
  const cell = (language: 'sql' | 'python', source: string) =>
    call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells`, { language, source })
  const inSandbox = async (cmd: string) => {
    const s = (await gw.app.sessions.get(sessionId))!
    return runInSandbox(docker, s.sandboxId!, { cmd: ['sh', '-c', cmd] })
  }
  /** The bytes of the audit table's records, column by column, as SQLite holds them. */
  const auditBytes = () =>
    Number(
      (
        (gw.app.store as SqliteStore).db
          .prepare(
            `SELECT coalesce(sum(length(CAST(seq AS TEXT)) + length(ts) + length(actor) + length(action)
               + coalesce(length(source_ip), 0) + coalesce(length(target), 0) + length(outcome)
               + length(CAST(details AS BLOB)) + length(prev_hash) + length(hash)), 0) AS n FROM audit_log`
          )
          .get() as { n: number }
      ).n
    )
  const records = async (action: string) => {
    const out = []
    for await (const r of gw.app.store.auditRecords()) if (r.action === action) out.push(r)
    return out
  }

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
    await gw.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
    ;({ sessionId, token: tokens.researcher1 } = await startRunningSession(gw))
    for (const who of ['admin', 'reviewer1']) tokens[who] = (await gw.login(who)).accessToken
    projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  }, 120_000)

  afterAll(async () => {
    console.log(`quota figures: ${JSON.stringify(figures)}`)
    if (!gatewayClosed) {
      if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
      await gw?.close()
    }
    policy.remove()
  })

  it('keeps 100 cells of 100 KB out of the audit chain (it grows by less than 2 MB) and every source whole in the data-operation log', async () => {
    const before = auditBytes()
    const sources: string[] = []
    for (let i = 0; i < 100; i++) {
      const head = `select ${i} as n -- `
      const source = `${head}${String.fromCharCode(97 + (i % 26)).repeat(100_000 - head.length)}`
      sources.push(source)
      const res = await cell('sql', source)
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
      expect(res.json().outputs[0]).toMatchObject({ type: 'table', rows: [[i]] })
    }
    const grown = auditBytes() - before
    figures.cellSourceBytes = sources.reduce((n, s) => n + Buffer.byteLength(s), 0)
    figures.auditGrowthBytes = grown
    expect(grown).toBeLessThan(2_000_000)

    // the log holds each source in full, under the digest its audit record names
    const text = await gw.app.dataOperations.read(sessionId)
    figures.dataOperationLogBytes = text.length
    const lines = text
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
    expect(lines.map((l) => l.source)).toEqual(sources)
    for (const l of lines) {
      expect(l).toMatchObject({ action: 'cell.run', session: sessionId, language: 'sql', sha256: sha256(l.source!) })
    }
    const runs = (await records('cell.run')).filter((r) => r.target === sessionId)
    expect(runs.map((r) => r.details.sourceSha256)).toEqual(lines.map((l) => l.sha256))
    for (const r of runs) {
      expect(r.details).not.toHaveProperty('source')
      expect(r.details).toMatchObject({
        sourceBytes: 100_000,
        sourceExcerpt: expect.stringMatching(/^select \d+ as n -- [a-z]{400,}…$/)
      })
      expect((r.details.sourceExcerpt as string).length).toBe(513)
    }

    // an administrator reads the whole log, and that reading is on record
    const read = await call('admin', 'GET', `/api/v1/admin/audit/data-operations/${sessionId}`)
    expect(read.statusCode).toBe(200)
    expect(read.headers['content-type']).toMatch(/application\/x-ndjson/)
    expect(read.rawPayload.equals(text)).toBe(true)
    expect((await records('data-operations.view')).at(-1)).toMatchObject({
      target: sessionId,
      details: { session: sessionId, bytes: figures.dataOperationLogBytes }
    })
    const researcherTries = await call('researcher1', 'GET', `/api/v1/admin/audit/data-operations/${sessionId}`)
    expect(researcherTries.statusCode).toBe(403)
  }, 300_000)

  it("refuses a cell past the session's data-operation quota with the quota error, audited with the figures, and the cell does not run", async () => {
    const current = (await call('admin', 'GET', '/api/v1/admin/policies/default')).json() as {
      version: number
      policy: { quotas: Record<string, number> }
    }
    const smaller = structuredClone(current.policy)
    smaller.quotas.dataOperationLogBytesPerSession = 64 * 1024
    const saved = await call('admin', 'PUT', '/api/v1/admin/policies/default', {
      policy: smaller,
      baseVersion: current.version
    })
    expect(saved.statusCode, saved.body).toBe(200)

    const logBefore = gw.app.dataOperations.bytes(sessionId)
    const marker = `${WORK_DIR}/refused-cell-ran`
    const source = `open('${marker}', 'w').write('ran')`
    const res = await cell('python', source)
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('VRE_ERR_QUOTA_EXCEEDED')
    expect(res.json().error.message).toMatch(
      new RegExp(
        `holds ${logBefore} of the 65536 bytes the policy allows \\(quotas\\.dataOperationLogBytesPerSession\\)`
      )
    )
    const denied = (await records('cell.run')).at(-1)!
    expect(denied).toMatchObject({
      outcome: 'denied',
      target: sessionId,
      details: {
        language: 'python',
        sourceSha256: sha256(source),
        quota: 'dataOperationLogBytesPerSession',
        quotaBytes: 65536,
        usedBytes: logBefore,
        requestedBytes: expect.any(Number) as number
      }
    })
    // not run, not logged
    expect((await inSandbox(`test -e ${marker}`)).exitCode).toBe(1)
    expect(gw.app.dataOperations.bytes(sessionId)).toBe(logBefore)
    // an export is refused the same way, before the kernel is asked
    const exp = await call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells/export`, {
      language: 'sql',
      source: 'select 1 as n',
      name: 'refused'
    })
    expect(exp.statusCode).toBe(403)
    expect(exp.json().error.code).toBe('VRE_ERR_QUOTA_EXCEEDED')
    expect((await inSandbox(`test -e ${WORK_DIR}/outbox/refused.csv`)).exitCode).toBe(1)
  }, 60_000)

  it('frees the quarantine bytes of a withdrawn or rejected request unless another request holds the same bytes, and refuses a project past its quota, storing nothing', async () => {
    const quarantined = () =>
      // the digests (and partial copies) held in every project's quarantine directory
      readdirSync(join(gw.dataDir, 'quarantine'), { recursive: true, encoding: 'utf8' })
        .filter((n) => n.includes('/'))
        .map((n) => n.slice(n.indexOf('/') + 1))
        .sort()
    const requestCount = async () => (await gw.app.store.listAirlockRequests({})).length
    const submit = (name: string) =>
      call('researcher1', 'POST', '/api/v1/exports', {
        sessionId,
        files: [{ path: `outbox/${name}`, justification: 'supplementary table' }]
      })
    const withdraw = (id: string) => call('researcher1', 'POST', `/api/v1/exports/${id}/withdraw`)
    const upload = (name: string, body: Buffer) =>
      gw.app.inject({
        method: 'POST',
        url: `/api/v1/imports?${new URLSearchParams({ projectId, name, justification: 'a reference table' })}`,
        headers: { authorization: `Bearer ${tokens.researcher1}`, 'content-type': 'application/octet-stream' },
        payload: body
      })
    const made = await inSandbox(
      `cd ${WORK_DIR}/outbox && seq 1 100000 > a.txt && seq 100001 190000 > b.txt && sha256sum a.txt b.txt && wc -c a.txt b.txt`
    )
    expect(made.exitCode, made.stderr).toBe(0)
    const [shaA, shaB] = made.stdout
      .split('\n')
      .slice(0, 2)
      .map((l) => l.slice(0, 64))
    const sizeA = 588_895
    const sizeB = 630_000
    expect(made.stdout).toContain(`${sizeA} a.txt`)
    expect(made.stdout).toContain(`${sizeB} b.txt`)

    const a = await submit('a.txt')
    expect(a.statusCode, a.body).toBe(201)
    expect(quarantined()).toContain(shaA)

    // A and B together pass the project's 1 MiB: B is refused from its declared size, nothing stored
    const before = [quarantined(), await requestCount()]
    const b = await submit('b.txt')
    expect(b.statusCode, b.body).toBe(403)
    expect(b.json().error).toMatchObject({
      code: 'VRE_ERR_QUOTA_EXCEEDED',
      message: expect.stringMatching(
        new RegExp(`b\\.txt \\(${sizeB} bytes\\) was not stored: .* hold ${sizeA} of the ${MiB} bytes .*Withdrawing`)
      ) as string
    })
    expect([quarantined(), await requestCount()]).toEqual(before)
    expect((await records('export.submit')).at(-1)).toMatchObject({
      outcome: 'denied',
      details: { quota: 'quarantineBytesPerProject', quotaBytes: MiB, usedBytes: sizeA, requestedBytes: sizeB }
    })
    // an import is read before its size is known: refused once read, its partial copy gone
    const big = await upload('reference.txt', Buffer.alloc(500_000, 'r'))
    expect(big.statusCode, big.body).toBe(403)
    expect(big.json().error.code).toBe('VRE_ERR_QUOTA_EXCEEDED')
    expect([quarantined(), await requestCount()]).toEqual(before)
    expect((await records('import.submit')).at(-1)).toMatchObject({
      outcome: 'denied',
      details: { quota: 'quarantineBytesPerProject', usedBytes: sizeA, requestedBytes: 500_000 }
    })

    // a rejected import's file goes
    const small = (await upload('codes.csv', Buffer.from('code,label\nE11,diabetes\n'))).json() as RequestView
    const smallSha = small.files[0]!.sha256
    expect(quarantined()).toContain(smallSha)
    const seen = (await call('reviewer1', 'GET', `/api/v1/reviews/${small.id}`)).json() as RequestView
    const file = seen.files[0]!
    const voted = await call('reviewer1', 'PUT', `/api/v1/reviews/${small.id}/files/${file.id}/vote`, {
      vote: 'reject',
      comment: 'not needed',
      round: seen.round,
      sha256: file.sha256
    })
    expect(voted.statusCode, voted.body).toBe(200)
    const rejected = await call('reviewer1', 'POST', `/api/v1/reviews/${small.id}/review`, {
      round: seen.round,
      sha256s: seen.files.map((f) => f.sha256)
    })
    expect(rejected.statusCode, rejected.body).toBe(200)
    expect(quarantined()).not.toContain(smallSha)

    // withdrawing A frees its bytes: B now fits
    expect((await withdraw((a.json() as RequestView).id)).statusCode).toBe(200)
    expect(quarantined()).not.toContain(shaA)
    expect((await records('quarantine.remove')).slice(-2).map((r) => r.details)).toEqual([
      { project: projectId, request: small.id, files: [smallSha], bytes: 24 },
      { project: projectId, request: (a.json() as RequestView).id, files: [shaA], bytes: sizeA }
    ])
    const b1 = await submit('b.txt')
    expect(b1.statusCode, b1.body).toBe(201)
    // the same bytes in a second request cost the project nothing more
    const b2 = await submit('b.txt')
    expect(b2.statusCode, b2.body).toBe(201)
    // one of them withdrawn, the other still holds the file
    expect((await withdraw((b2.json() as RequestView).id)).statusCode).toBe(200)
    expect(quarantined()).toContain(shaB)
    expect((await withdraw((b1.json() as RequestView).id)).statusCode).toBe(200)
    expect(quarantined()).not.toContain(shaB)
    expect(quarantined().filter((n) => n.startsWith('.partial-'))).toEqual([])
  }, 180_000)

  it('cuts a 65-second `yes` flood in the terminal at the recording cap, with a final truncated mark, and puts the digest of each closed part on the audit chain', async () => {
    const ticket = (await call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/terminal-ticket`)).json()
      .ticket as string
    const t = await openTerminal(url, sessionId, ticket, url, { cols: 100, rows: 30 }, { keepBytes: 64 * 1024 })
    if (!('ws' in t)) throw new Error(`terminal refused: ${t.status} ${t.body}`)
    await t.waitFor(PROMPT)
    // a browser that keeps up: everything drawn is acknowledged
    const acking = setInterval(() => t.ack(t.bytes()), 50)
    const started = Date.now()
    try {
      t.type('timeout 65 yes; echo "flood-$((40 + 2))-over"\r')
      await t.waitFor(/flood-42-over/, 120_000)
    } finally {
      clearInterval(acking)
    }
    figures.floodSeconds = Math.round((Date.now() - started) / 1000)
    figures.floodBytesShown = t.bytes()
    expect(t.bytes()).toBeGreaterThan(4 * MiB)

    await gw.app.sessions.stop(sessionId, 'ended by the test', { actor: 'test', sourceIp: null })
    await expect
      .poll(async () => (await records('recording.closed')).filter((r) => r.target === sessionId).length, {
        timeout: 15_000
      })
      .toBe(1)
    const parts = recordingParts(gw.dataDir, sessionId)
    expect(parts).toHaveLength(1)
    // the recorded text, decrypted: the cap counts it
    const bytes = openBytes(
      readFileSync(parts[0]!.file),
      (id) => gw.app.keys.keyring.key(id),
      recordingContext(sessionId, 1)
    )
    figures.recordingBytes = bytes.length
    figures.recordingCapBytes = MiB
    expect(bytes.length).toBeLessThanOrEqual(MiB)
    const events = bytes
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string])
    // the output stopped being recorded at its share of the cap; typing would still have been
    expect(events.at(-1)!.slice(1)).toEqual([
      'o',
      `\r\n[output recording truncated at ${MiB} bytes; typing is still recorded]\r\n`
    ])
    expect(events.some(([, kind, data]) => kind === 'i' && data.includes('timeout 65 yes'))).toBe(true)
    const closed = (await records('recording.closed')).find((r) => r.target === sessionId)!
    expect(closed).toMatchObject({
      actor: 'system',
      outcome: 'success',
      details: { session: sessionId, part: 1, bytes: bytes.length, sha256: sha256(bytes), truncated: true }
    })
    sessionId = ''
  }, 180_000)

  it('leaves the chain verifiable, and an export of it checks with vre audit check-export', async () => {
    const verified = (await call('admin', 'GET', '/api/v1/admin/audit/verify')).json() as { ok: boolean }
    expect(verified.ok).toBe(true)
    const from = new Date(gw.clock.now().getTime() - 86_400_000).toISOString()
    const to = new Date(gw.clock.now().getTime() + 86_400_000).toISOString()
    const exported = await call('admin', 'GET', `/api/v1/admin/audit/export?${new URLSearchParams({ from, to })}`)
    expect(exported.statusCode).toBe(200)
    const file = join(gw.dataDir, 'export.jsonl')
    writeFileSync(file, exported.body)
    const { stdout } = await promisify(execFile)(
      resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
      ['server/src/cli/index.ts', 'audit', 'check-export', file, '--public-key', auditPublicKeyFile(gw.dataDir)],
      { cwd: PROJECT_ROOT }
    )
    expect(stdout).toMatch(/^export intact: \d+ records/)
  }, 60_000)

  it('closes an open recording part when the gateway closes, its digest on the chain', async () => {
    ;({ sessionId } = await startRunningSession(gw))
    const ticket = (await call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/terminal-ticket`)).json()
      .ticket as string
    const t = await openTerminal(url, sessionId, ticket)
    if (!('ws' in t)) throw new Error(`terminal refused: ${t.status} ${t.body}`)
    await t.waitFor(PROMPT)
    t.type('echo "before-$((6 * 7))-closing"\r')
    await t.waitFor(/before-42-closing/)
    const { dataDir } = gw
    const sandboxId = (await gw.app.sessions.get(sessionId))!.sandboxId!
    // the gateway goes away with the session still running (a restarted one would adopt it)
    gatewayClosed = true
    await gw.close(true)
    try {
      const part = recordingParts(dataDir, sessionId)[0]!
      // the digest on record is of the recorded text, decrypted with the data directory's keys
      const keys = dataDirKeys(dataDir)
      const text = openBytes(readFileSync(part.file), (id) => keys.keyring.key(id), recordingContext(sessionId, 1))
      closeKeys(keys)
      const db = openStateDb(dataDir, { readonly: true })
      const rows = db
        .prepare("SELECT details FROM audit_log WHERE action = 'recording.closed' AND target = ?")
        .all(sessionId) as { details: string }[]
      db.close()
      expect(rows.map((r) => JSON.parse(r.details) as unknown)).toEqual([
        { session: sessionId, part: 1, bytes: part.bytes, sha256: sha256(text), truncated: false }
      ])
    } finally {
      await docker.stop(sandboxId)
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})
