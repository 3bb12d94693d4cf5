import { existsSync } from 'node:fs'
import { Readable } from 'node:stream'
import type { SandboxPolicy } from '../policy/schema.js'
import { runInSandbox, SANDBOX_SERVICE_USER } from '../sandbox/driver.js'
import type { SandboxSessionRow } from '../store/types.js'
import { type SessionCore, START_TIMEOUT_MS } from './core.js'
import { sandboxSpec } from './sandbox-spec.js'
import type { Lease } from '../datasets/host-copies.js'
import { sandboxDeadline } from './deadline.js'
import { LIVE_STATES } from './transitions.js'
import type { Pool } from './pool.js'
import { mountsOf, type ProjectData, projectData } from './project-data.js'
import {
  DATA_DIR,
  encryptedSeedFile,
  filesAsTar,
  type SeedFile,
  snapshotContext,
  workspaceSnapshot
} from './workspace.js'

/** the workspace snapshot as the init stages it in the data directory for the first shell */
export const STAGED_WORKSPACE = '.workspace.tar'
/** how long after a start the project's pool is topped up */
const REFILL_DELAY_MS = 2_000
/** where a claimed sandbox's init reads its session's deadline (sandbox-images/tools/bin/vre-init) */
export const DEADLINE_FILE = '.vre-deadline'

/** Brings up the sandbox of a session just recorded as starting, and records how that went. */
export type Launch = (session: SandboxSessionRow, p: SandboxPolicy) => Promise<void>

/**
 * Launching a session's sandbox: the project's datasets are mounted read-only from the host's one
 * decrypted copy of each (made now if this host has none), the researcher's workspace goes in with
 * the init as it starts, the first shell unpacks it, and the session is `running` once both are
 * done, or `failed` with the reason. A session stopped meanwhile gets its sandbox taken down again.
 */
export function createLaunch(core: SessionCore, pool?: Pool): Launch {
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

  /** A cold start: the sandbox made now, the workspace going in with its init. Returns its id. */
  async function startCold(session: SandboxSessionRow, p: SandboxPolicy, data: ProjectData, staged: SeedFile[]) {
    const progress = core.events.progress
    const env: Record<string, string> = { VRE_SESSION: session.id, ...data.env }
    // each dataset once per host, decrypted into memory, mounted read-only: a start copies none
    let reported = 0
    const lease: Lease = await core.deps.hostCopies.acquire(data.versions, (bytes, totalBytes) => {
      if (bytes === totalBytes || Date.now() - reported >= 250) {
        reported = Date.now()
        progress(session.id, { step: 'data', bytes, totalBytes })
      }
    })
    let started
    try {
      progress(session.id, { step: 'sandbox' })
      // The init takes the workspace snapshot as the sandbox starts (staged for the first shell,
      // which unpacks it as the researcher): no exec is spent on copies.
      started = await driver.start(
        sandboxSpec(session, await store.gatewayId(), p, env, mountsOf(data, lease)),
        filesAsTar(staged)
      )
    } finally {
      // the sandbox (if any) names its copies on its label from now on: that keeps them
      lease.release()
    }
    return { id: started.id, ready: started.seeded.then(() => progress(session.id, { step: 'workspace' })) }
  }

  /**
   * A claim: the pooled sandbox is this session's from the moment the store says so, before
   * anything of the researcher's goes in; then one copy as the service account brings the session's
   * deadline (the init ends the sandbox by it) and the staged workspace. Returns its id, or null
   * when the session stopped meanwhile (the sandbox is removed then).
   */
  async function handOver(session: SandboxSessionRow, p: SandboxPolicy, sandboxId: string, staged: SeedFile[]) {
    const progress = core.events.progress
    const recorded = await store.transitionSandboxSession(
      session.id,
      ['starting'],
      { state: 'starting', sandboxId },
      core.system('session.claimed', session.id, 'success', { sandbox: sandboxId })
    )
    if (!recorded) {
      await pool?.abandoned(sandboxId)
      await driver.stop(sandboxId)
      return null
    }
    // the kernel started ahead is the session's from here: it ends with the session, however it ends
    pool?.handedOver(sandboxId, session.id)
    progress(session.id, { step: 'sandbox' })
    const deadline = Math.floor(sandboxDeadline(session.createdAt, p.maxDurationMinutes).getTime() / 1000)
    const deadlineFile = Buffer.from(`${deadline}\n`)
    const files: SeedFile[] = [
      { name: DEADLINE_FILE, mode: 0o444, size: deadlineFile.length, open: () => Readable.from([deadlineFile]) },
      ...staged
    ]
    const copied = driver.copyIn(sandboxId, DATA_DIR, filesAsTar(files), { user: SANDBOX_SERVICE_USER })
    // the first shell unpacks a staged workspace, so it waits for one; with none it starts alongside
    if (staged.length > 0) await copied
    else copied.catch(() => undefined)
    return { id: sandboxId, ready: copied.then(() => progress(session.id, { step: 'workspace' })) }
  }

  return async function launch(session, p) {
    const { dataDir } = core.deps
    let sandboxId: string | null = null
    try {
      const data = await projectData(core, session.projectId, p)
      const datasets = data.versions
      const snapshot = workspaceSnapshot(dataDir, session.projectId, session.userId)
      const restored = existsSync(snapshot)
      const staged = restored
        ? [encryptedSeedFile(snapshot, STAGED_WORKSPACE, 0o444, core.deps.keyring, snapshotContext(session.projectId, session.userId))]
        : []
      const pooled = (await pool?.claim(session, p)) ?? null
      if (pooled !== null) {
        // never a sandbox another session holds, whatever the pool's books say
        const holder = (await store.listSandboxSessions({ states: LIVE_STATES })).find((s) => s.sandboxId === pooled)
        if (holder !== undefined) throw new Error(`the sandbox ${pooled} is another session's`)
        // a claimed sandbox is this launch's to remove from here on, whatever fails next
        sandboxId = pooled
      }
      const sandbox = pooled === null ? await startCold(session, p, data, staged) : await handOver(session, p, pooled, staged)
      if (sandbox === null) return
      sandboxId = sandbox.id
      const id = sandboxId
      await whileAlive(
        sandboxId,
        Promise.all([
          core.deps.shells.startSession(
            { sessionId: session.id, projectId: session.projectId, userId: session.userId },
            sandboxId
          ),
          sandbox.ready
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
          workspaceRestored: restored,
          pooled: pooled !== null
        })
      )
      if (!moved) {
        // stopped while it was starting: take the sandbox down again
        await driver.stop(sandboxId)
        return
      }
      core.lastActivity.set(session.id, startedAt.getTime())
      // the next start of this project finds a sandbox ready; started a moment later, so the
      // researcher's first prompt doesn't share the host's cores with it
      if (pool !== undefined) {
        setTimeout(() => {
          void pool.fill(session.projectId).catch((err: unknown) => log.warn({ err }, 'the pool could not be filled'))
        }, REFILL_DELAY_MS).unref()
      }
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
