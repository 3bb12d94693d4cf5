import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import type { SandboxPolicy } from '../policy/schema.js'
import type { SandboxSessionRow } from '../store/types.js'
import type { SessionChange } from './events.js'
import { createLaunch } from './launch.js'
import { createStart } from './start.js'
import { LABELS } from './sandbox-spec.js'
import { readFileSync } from 'node:fs'

let bench: SessionBench
afterEach(() => bench.close())

const ctx = { sourceIp: '192.0.2.9' } as Parameters<ReturnType<typeof createStart>>[2]

/** a start whose launches are only recorded, so the start's own rules are seen alone */
async function recordedStart(sandbox: Partial<SandboxPolicy> = {}) {
  bench = await sessionBench(sandbox)
  const launched: { row: SandboxSessionRow; p: SandboxPolicy }[] = []
  const start = createStart(bench.core, async (row, p) => {
    launched.push({ row, p })
  })
  return { start, launched }
}

const lastStart = async () => (await bench.audit()).filter((r) => r.action === 'session.start').at(-1)

describe('starting a session', () => {
  it('records a starting session and launches it under the policy in force', async () => {
    const { start, launched } = await recordedStart()
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    expect(row).toMatchObject({ state: 'starting', userId: bench.researcher.id, projectId: bench.project.id })
    expect(await bench.store.getSandboxSession(row.id)).toMatchObject({ state: 'starting' })
    expect(launched).toEqual([{ row, p: bench.sandbox }])
    expect(await lastStart()).toMatchObject({
      actor: bench.researcher.id,
      sourceIp: ctx.sourceIp,
      target: row.id,
      outcome: 'success',
      details: { runtime: bench.sandbox.runtime, image: bench.sandbox.image }
    })
  })

  it('answers a project the researcher is not in as one that does not exist, and records the refusal', async () => {
    const { start, launched } = await recordedStart()
    await expect(start(bench.researcher, 'no-such-project', ctx)).rejects.toThrow('There is no such project.')
    expect(await lastStart()).toMatchObject({ outcome: 'denied', details: { reason: 'no such project' } })
    expect(launched).toEqual([])
  })

  it('refuses a researcher whose certification is suspended, naming why', async () => {
    const { start } = await recordedStart()
    await bench.store.setCertification(
      { ...(await bench.store.getCertification(bench.researcher.organizationId!))!, status: 'suspended' },
      { actor: 'test', action: 'certification.set', sourceIp: null, target: null, outcome: 'success' }
    )
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      'You cannot start a session: certification T2-1 is suspended.'
    )
    expect(await lastStart()).toMatchObject({
      outcome: 'denied',
      details: { reasons: ['certification T2-1 is suspended'] }
    })
  })

  it("refuses a session over the policy's quota, naming the live ones", async () => {
    const { start } = await recordedStart({ sessionsPerUser: 1 })
    const first = await start(bench.researcher, bench.project.id, ctx)
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      `You already have 1 live session (the policy allows 1); end one first: ${first.id}.`
    )
    expect(await lastStart()).toMatchObject({
      outcome: 'denied',
      details: { reason: 'session quota', live: [first.id] }
    })
  })

  it('refuses a runtime the host does not have, never falling back', async () => {
    const { start } = await recordedStart({ runtime: 'runsc' })
    bench.driver.available = ['runc']
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      'the policy asks for the runsc runtime, which this host does not have'
    )
    expect(await lastStart()).toMatchObject({
      outcome: 'error',
      details: { reason: 'the policy asks for the runsc runtime, which this host does not have' }
    })
    expect(await bench.store.listSandboxSessions({ userId: bench.researcher.id })).toEqual([])
  })

  it('refuses a start the host has no room for, with the figures, rather than overcommit it', async () => {
    const { start, launched } = await recordedStart()
    const GiB = 1024 ** 3
    const reading = { memTotalBytes: 24 * GiB, memAvailableBytes: 1.1 * GiB, threads: 900, threadsMax: 32768 }
    bench.core.deps.admission.read = () => reading
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      'No sandbox can be started now: the host has 1.1 GiB of memory free (of 24.0 GiB); a new sandbox needs 256 MiB ' +
        '(and 1 MiB for its datasets, not yet on this host) above the 1024 MiB kept for the host. Try again when ' +
        'sessions have ended.'
    )
    expect(await lastStart()).toMatchObject({ outcome: 'denied', details: { reason: 'host capacity' } })
    reading.memAvailableBytes = 8 * GiB
    reading.threads = 32768 - 2048 - 100
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      'the host runs 30620 tasks of the 32768 it allows; a new sandbox needs 128 above the 2048 kept for the host'
    )
    bench.core.deps.admission.read = () => {
      throw new Error('no /proc')
    }
    // what can't be read is no room: fail closed
    await expect(start(bench.researcher, bench.project.id, ctx)).rejects.toThrow(
      "the host's memory and tasks could not be read (no /proc)"
    )
    expect(launched).toEqual([])
    expect(await bench.store.listSandboxSessions({ userId: bench.researcher.id })).toEqual([])
    reading.threads = 900
    bench.core.deps.admission.read = () => reading
    await start(bench.researcher, bench.project.id, ctx)
    expect(launched).toHaveLength(1)
  })
})

describe('launching a session', () => {
  it("brings up the sandbox with the project's datasets, telling each step, then records it running", async () => {
    bench = await sessionBench()
    const start = createStart(bench.core, createLaunch(bench.core))
    const heard: SessionChange[] = []
    const row = await start(bench.researcher, bench.project.id, ctx)
    bench.core.events.subscribe(row.id, (c) => heard.push(c))
    await bench.settle()
    const after = (await bench.store.getSandboxSession(row.id))!
    expect(after.state).toBe('running')
    expect(bench.driver.sandboxes.get(after.sandboxId!)!.spec.env).toMatchObject({
      VRE_SESSION: row.id,
      VRE_DATASET: '/data/claims.duckdb'
    })
    expect(heard.map((c) => (c.kind === 'state' ? c.state : c.step))).toEqual(
      expect.arrayContaining(['data', 'sandbox', 'workspace', 'running'])
    )
    // the dataset mounted read-only from its one decrypted copy on the host, named on the label
    const spec = bench.driver.sandboxes.get(after.sandboxId!)!.spec
    const [copy] = bench.core.deps.hostCopies.present()
    expect(spec.readOnlyFiles).toEqual([{ source: bench.core.deps.hostCopies.pathOf(copy!), target: '/data/claims.duckdb' }])
    expect(spec.labels[LABELS.datasets]).toBe(copy)
    expect(readFileSync(spec.readOnlyFiles[0]!.source).length).toBeGreaterThan(0)
    expect(heard.at(-1)).toEqual({ kind: 'state', state: 'running' })
    expect((await bench.audit()).at(-1)).toMatchObject({
      action: 'session.running',
      details: { sandbox: after.sandboxId, datasets: ['claims'], workspaceRestored: false }
    })
  })

  it("fails a session whose datasets take more than the policy's dataMiB, saying so, and decrypts nothing", async () => {
    bench = await sessionBench({ dataMiB: 16 })
    const project = (await bench.store.getProject(bench.project.id))!
    const file = `${bench.dataDir}/${project.datasets[0]!.file}`
    // a dataset file whose plaintext is larger than 16 MiB, as its header says
    const { writeEncryptedFile } = await import('../keys/encrypted-file.js')
    const { encryptedFileKeyId, datasetContext } = await import('../datasets/at-rest.js')
    const keyId = encryptedFileKeyId(file)
    await writeEncryptedFile(file, Buffer.alloc(17 * 1024 * 1024), keyId, bench.core.deps.keyring.key(keyId), datasetContext(project.datasets[0]!.id))
    const start = createStart(bench.core, createLaunch(bench.core))
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    expect(await bench.store.getSandboxSession(row.id)).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/the project's datasets take 17 MiB, more than the 16 MiB its policy allows them \(sandbox\.dataMiB\)/)
    })
    expect(bench.core.deps.hostCopies.present()).toEqual([])
    expect(bench.driver.sandboxes.size).toBe(0)
  })

  it('fails the session, removing its sandbox, when the shell cannot start in it', async () => {
    bench = await sessionBench()
    const shells = {
      // fails once the init has unpacked the seed, so nothing of the launch is left reading
      startSession: async (_: unknown, sandboxId: string) => {
        await bench.driver.sandboxes.get(sandboxId)!.seeded
        throw new Error('no shell')
      }
    }
    const core = { ...bench.core, deps: { ...bench.core.deps, shells } }
    const start = createStart(bench.core, createLaunch(core))
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    expect(await bench.store.getSandboxSession(row.id)).toMatchObject({
      state: 'failed',
      reason: 'the sandbox could not be started: no shell'
    })
    expect(bench.driver.sandboxes.size).toBe(0)
  })
})
