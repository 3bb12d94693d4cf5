import { hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { type GatewayProcess, signInToProcess, startGatewayProcess } from '../support/gateway-process.js'
import { waitFor } from '../support/wait.js'
import { requireDocker } from '../support/sandbox.js'
import { openStateDb } from '../support/keys.js'

let docker: DockerDriver
beforeAll(async () => {
  docker = await requireDocker()
})

/**
 * Starts a session of the sign-in's first project through the API; `get` reads it back from
 * whichever gateway `current` names then (the test restarts it).
 */
async function startSession(current: () => GatewayProcess, token: string) {
  const gw = current()
  const auth = { authorization: `Bearer ${token}` }
  const me = (await (await fetch(`${gw.url}/api/v1/me`, { headers: auth })).json()) as { projects: { id: string }[] }
  const started = await fetch(`${gw.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ projectId: me.projects[0]!.id })
  })
  expect(started.status).toBe(201)
  const { id } = (await started.json()) as { id: string }
  const get = async () =>
    (await (await fetch(`${current().url}/api/v1/sessions/${id}`, { headers: auth })).json()) as { state: string }
  return { id, get }
}

describe.each(['runc', 'runsc'] as const)('sessions on the real engine (%s)', (runtime) => {
  let dataDir: string
  let policyFile: string
  let gw: GatewayProcess | null = null
  let researcherToken = ''

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), `vre-docker-${runtime}-`))
    policyFile = join(dataDir, 'policy.yaml')
    const base = readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8')
    writeFileSync(policyFile, base.replace(/^  runtime: runsc$/m, `  runtime: ${runtime}`))
  })
  afterAll(async () => {
    await gw?.stop()
    // whatever this gateway left behind, should the test have failed half-way
    const db = openStateDb(dataDir, { readonly: true })
    const gatewayId = (db.prepare("SELECT value FROM settings WHERE key = 'gateway_id'").get() as { value: string })
      .value
    db.close()
    for (const s of await docker.list({ 'vre.gateway': gatewayId })) await docker.stop(s.id)
    // the dataset copies the gateway kept for sandboxes that were running when it stopped
    rmSync(hostCopiesRoot(gatewayId), { recursive: true, force: true })
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('survives kill -9 of the gateway: the restarted gateway re-adopts the live session', async () => {
    const env = { VRE_POLICY_FILE: policyFile }
    gw = await startGatewayProcess('demo', dataDir, env)
    const token = await signInToProcess(gw, dataDir, 'researcher1')
    researcherToken = token
    const { id, get } = await startSession(() => gw!, token)
    expect((await waitFor(get, (s) => s.state !== 'starting', 'the session to start')).state).toBe('running')

    const [box] = await docker.list({ 'vre.session': id })
    expect(box).toBeDefined()
    const inspected = await docker.inspect(box!.id)
    expect(inspected.HostConfig.Runtime).toBe(runtime)
    // the project's dataset is in memory-backed storage, queryable and read-only for the researcher
    const q = await runInSandbox(docker, box!.id, { cmd: ['vre-sql'], input: 'select count(*) as n from patients;\n' })
    expect(q.stderr).toBe('')
    expect(q.exitCode).toBe(0)
    expect(q.stdout).toMatch(/\b2000\b/)
    const mounts = await runInSandbox(docker, box!.id, { cmd: ['cat', '/proc/mounts'] })
    expect(mounts.stdout).toMatch(/^\S+ \/data tmpfs /m)
    const write = await runInSandbox(docker, box!.id, {
      cmd: [
        'sh',
        '-c',
        'echo x >> /data/demo-claims.duckdb || echo refused; rm -f /data/demo-claims.duckdb || echo refused'
      ]
    })
    expect(write.stdout).toBe('refused\nrefused\n')
    // a file in the workspace, to see the same sandbox afterwards
    expect(
      (await runInSandbox(docker, box!.id, { cmd: ['sh', '-c', `echo before-crash > ${WORK_DIR}/marker`] })).exitCode
    ).toBe(0)

    await gw.kill9()
    // the gateway is gone for real: nothing answers on its port
    await expect(fetch(`${gw.url}/api/v1/me`)).rejects.toThrow()
    expect((await docker.list({ 'vre.session': id }))[0]!.running).toBe(true)

    gw = await startGatewayProcess('serve', dataDir, env)
    expect((await get()).state).toBe('running')
    const after = await docker.list({ 'vre.session': id })
    expect(after.map((s) => s.id)).toEqual([box!.id])
    expect((await runInSandbox(docker, box!.id, { cmd: ['cat', `${WORK_DIR}/marker`] })).stdout).toBe('before-crash\n')
    const db = openStateDb(dataDir, { readonly: true })
    const adopted = db
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'session.adopted' AND target = ?")
      .get(id) as { n: number }
    db.close()
    expect(adopted.n).toBe(1)

    const ended = await fetch(`${gw.url}/api/v1/sessions/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` }
    })
    expect(ended.status).toBe(200)
    expect(((await ended.json()) as { state: string }).state).toBe('stopped')
    expect(await docker.list({ 'vre.session': id })).toEqual([])

    // the workspace was saved as the session ended, and the project's next session has it back
    const next = await startSession(() => gw!, token)
    expect((await waitFor(next.get, (s) => s.state !== 'starting', 'the next session to start')).state).toBe('running')
    const [box2] = await docker.list({ 'vre.session': next.id })
    expect(box2!.id).not.toBe(box!.id)
    expect((await runInSandbox(docker, box2!.id, { cmd: ['cat', `${WORK_DIR}/marker`] })).stdout).toBe('before-crash\n')
    const saved = openStateDb(dataDir, { readonly: true })
    const save = saved
      .prepare("SELECT outcome, details FROM audit_log WHERE action = 'workspace.save' AND target = ?")
      .get(id) as { outcome: string; details: string }
    saved.close()
    expect(save.outcome).toBe('success')
    expect((JSON.parse(save.details) as { files: number }).files).toBeGreaterThanOrEqual(1)
    await fetch(`${gw.url}/api/v1/sessions/${next.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` }
    })
  })

  it('contains a memory hog: the gateway keeps serving and the kill is audited', async () => {
    // the sign-in of the test before is still good (a second one in the same 30 s would reuse its code)
    const token = researcherToken
    const { id, get } = await startSession(() => gw!, token)
    await waitFor(get, (s) => s.state !== 'starting', 'the session to start')
    const [box] = await docker.list({ 'vre.session': id })

    // the researcher allocates far beyond the policy's 2 GiB while the gateway is asked to serve
    const hog = runInSandbox(docker, box!.id, {
      cmd: ['timeout', '-s', 'KILL', '60', 'python3', '-c', 'b = []\nwhile True: b.append(bytearray(64 << 20))']
    })
    const answered: number[] = []
    let done = false
    void hog.finally(() => (done = true))
    while (!done) {
      const t0 = performance.now()
      const res = await fetch(`${gw!.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
      answered.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, 100))
    }
    const result = await hog
    expect(result.exitCode).not.toBe(0)
    expect(answered.length).toBeGreaterThan(0)

    const db = () => openStateDb(dataDir, { readonly: true })
    const audited = await waitFor(
      async () => {
        const d = db()
        const rows = d
          .prepare("SELECT details FROM audit_log WHERE action = 'sandbox.limit' AND target = ?")
          .all(id) as { details: string }[]
        d.close()
        return rows.map((r) => JSON.parse(r.details) as { limit: string })
      },
      (rows) => rows.length > 0,
      'the memory kill to be audited',
      20_000
    )
    expect(audited[0]!.limit).toBe('memory')
    // runc kills the process and the sandbox lives on; gVisor's sandbox usually dies whole. Either
    // way the session must say what the engine says: running while its sandbox runs, failed once it died.
    const sandboxEnded = (await docker.poll(box!.id)) !== null
    if (runtime === 'runc') expect(sandboxEnded).toBe(false)
    const final = await waitFor(
      get,
      (s) => (sandboxEnded ? s.state === 'failed' : s.state === 'running'),
      `the session to be ${sandboxEnded ? 'failed' : 'running'}`,
      20_000
    )
    expect(final.state).toBe(sandboxEnded ? 'failed' : 'running')
    await fetch(`${gw!.url}/api/v1/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
  })

  it('fails a start whose dataset file was changed at rest, with the reason, and leaves no sandbox', async () => {
    // the demo's dataset is encrypted at rest: no DuckDB file in the clear under the data directory
    const [file, ...others] = readdirSync(join(dataDir, 'datasets'))
    expect(others).toEqual([])
    expect(file).toMatch(/^demo-claims\.v\d+\.duckdb\.enc$/)
    const path = join(dataDir, 'datasets', file!)
    const original = readFileSync(path)
    expect(original.subarray(8, 12).toString('latin1')).not.toBe('DUCK')
    const flipped = Buffer.from(original)
    flipped[flipped.length - 1000]! ^= 0x01
    writeFileSync(path, flipped)
    try {
      const { id, get } = await startSession(() => gw!, researcherToken)
      const s = (await waitFor(get, (v) => v.state !== 'starting', 'the start to fail')) as {
        state: string
        reason: string
      }
      expect(s.state).toBe('failed')
      expect(s.reason).toMatch(
        /^the sandbox could not be started: the dataset file \S+ does not decrypt: the encrypted file was changed \(chunk \d+ does not authenticate\)$/
      )
      expect(await docker.list({ 'vre.session': id })).toEqual([])
    } finally {
      writeFileSync(path, original)
    }
  })
})
