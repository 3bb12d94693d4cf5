import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { SandboxPolicy } from '../policy/schema.js'
import { runInSandbox, SANDBOX_SERVICE_USER } from '../sandbox/driver.js'
import type { SandboxSessionRow } from '../store/types.js'
import { type SessionCore, START_TIMEOUT_MS } from './core.js'
import { type MountedDataset, sandboxSpec } from './sandbox-spec.js'
import { encryptedFileKeyId } from '../datasets/at-rest.js'
import type { Lease } from '../datasets/host-copies.js'
import { encryptedPlainSize } from '../keys/encrypted-file.js'
import { MiB } from './core.js'
import { DATA_DIR, encryptedSeedFile, filesAsTar, snapshotContext, workspaceSnapshot } from './workspace.js'

/** the workspace snapshot as the init stages it in the data directory for the first shell */
export const STAGED_WORKSPACE = '.workspace.tar'

/** Brings up the sandbox of a session just recorded as starting, and records how that went. */
export type Launch = (session: SandboxSessionRow, p: SandboxPolicy) => Promise<void>

/**
 * Launching a session's sandbox: the project's datasets are mounted read-only from the host's one
 * decrypted copy of each (made now if this host has none), the researcher's workspace goes in with
 * the init as it starts, the first shell unpacks it, and the session is `running` once both are
 * done, or `failed` with the reason. A session stopped meanwhile gets its sandbox taken down again.
 */
export function createLaunch(core: SessionCore): Launch {
  const { store, driver, log, now } = core.deps

  /**
   * Waits for `work` inside a starting sandbox, failing if the sandbox ends first (under gVisor an
   * exec stream can outlive it) or if it takes longer than a start may.
   */
  async function whileAlive<T>(sandboxId: string, work: Promise<T>): Promise<T> {
    let done = false
    const deadline = Date.now() + START_TIMEOUT_MS
    const watch = (async (): Promise<never> => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 500))
        if (done) return new Promise<never>(() => undefined)
        if (Date.now() > deadline) throw new Error('the sandbox did not become ready in time')
        const ended = await driver.poll(sandboxId)
        if (ended !== null) throw new Error(`the sandbox ended while it was starting: ${ended.reason}`)
      }
    })()
    try {
      return await Promise.race([work, watch])
    } finally {
      done = true
    }
  }

  return async function launch(session, p) {
    const { dataDir } = core.deps
    const progress = core.events.progress
    let sandboxId: string | null = null
    try {
      const project = (await store.getProject(session.projectId))!
      const datasets = project.datasets.filter((d) => d.file !== null)
      const env: Record<string, string> = { VRE_SESSION: session.id }
      if (datasets[0]) env.VRE_DATASET = `${DATA_DIR}/${datasets[0].name}.duckdb`
      for (const d of datasets) {
        if (!existsSync(join(dataDir, d.file!))) throw new Error(`the dataset ${d.name} has no file at ${d.file}`)
      }
      const versions = datasets.map((d) => {
        const path = join(dataDir, d.file!)
        return { datasetId: d.id, keyId: encryptedFileKeyId(path), path, name: d.name, bytes: encryptedPlainSize(path) }
      })
      const dataBytes = versions.reduce((n, v) => n + v.bytes, 0)
      if (dataBytes > p.dataMiB * MiB) {
        throw new Error(
          `the project's datasets take ${Math.ceil(dataBytes / MiB)} MiB, more than the ${p.dataMiB} MiB its policy ` +
            `allows them (sandbox.dataMiB); an administrator can raise it`
        )
      }
      // each dataset once per host, decrypted into memory, mounted read-only: a start copies none
      let reported = 0
      const lease: Lease = await core.deps.hostCopies.acquire(versions, (bytes, totalBytes) => {
        if (bytes === totalBytes || Date.now() - reported >= 250) {
          reported = Date.now()
          progress(session.id, { step: 'data', bytes, totalBytes })
        }
      })
      // The init takes the workspace snapshot as the sandbox starts (staged for the first shell,
      // which unpacks it as the researcher): no exec is spent on copies.
      const snapshot = workspaceSnapshot(dataDir, session.projectId, session.userId)
      const restored = existsSync(snapshot)
      let started
      try {
        const mounted: MountedDataset[] = versions.map((v) => ({
          keyId: v.keyId,
          source: lease.paths.get(v.keyId)!,
          target: `${DATA_DIR}/${v.name}.duckdb`
        }))
        const { keyring } = core.deps
        const seed = filesAsTar(
          restored
            ? [encryptedSeedFile(snapshot, STAGED_WORKSPACE, 0o444, keyring, snapshotContext(session.projectId, session.userId))]
            : []
        )
        progress(session.id, { step: 'sandbox' })
        started = await driver.start(sandboxSpec(session, await store.gatewayId(), p, env, mounted), seed)
      } finally {
        // the sandbox (if any) names its copies on its label from now on: that keeps them
        lease.release()
      }
      sandboxId = started.id
      const id = sandboxId
      await whileAlive(
        sandboxId,
        Promise.all([
          core.deps.shells.startSession(
            { sessionId: session.id, projectId: session.projectId, userId: session.userId },
            sandboxId
          ),
          started.seeded.then(() => progress(session.id, { step: 'workspace' }))
        ])
      )
      if (restored) {
        // the staged copy has served; free its memory (not needed for the session to run)
        void runInSandbox(driver, id, {
          cmd: ['rm', '-f', `${DATA_DIR}/${STAGED_WORKSPACE}`],
          user: SANDBOX_SERVICE_USER
        })
          .then((r) => r.exitCode === 0 || log.warn({ session: session.id, stderr: r.stderr }, 'staged workspace kept'))
          .catch((err: unknown) => log.warn({ err, session: session.id }, 'staged workspace kept'))
      }
      const startedAt = now()
      const moved = await core.transition(
        session,
        'running',
        { sandboxId, startedAt: startedAt.toISOString() },
        core.system('session.running', session.id, 'success', {
          sandbox: sandboxId,
          datasets: datasets.map((d) => d.name),
          workspaceRestored: restored
        })
      )
      if (!moved) {
        // stopped while it was starting: take the sandbox down again
        await driver.stop(sandboxId)
        return
      }
      core.lastActivity.set(session.id, startedAt.getTime())
    } catch (err) {
      const reason = `the sandbox could not be started: ${(err as Error).message}`
      log.error({ err, session: session.id }, 'session launch failed')
      if (sandboxId !== null) await driver.stop(sandboxId).catch(() => undefined)
      await core
        .transition(
          session,
          'failed',
          { reason, endedAt: now().toISOString(), ...(sandboxId ? { sandboxId } : {}) },
          core.system('session.failed', session.id, 'error', { reason })
        )
        .catch((e: unknown) => log.error({ err: e }, 'could not record a failed launch'))
    }
  }
}
