import { createHash, randomUUID } from 'node:crypto'
import type { SandboxPolicy } from '../policy/schema.js'
import { emptyTar } from '../sandbox/docker-seed.js'
import type { SandboxSessionRow } from '../store/types.js'
import { admissionRefusal, readHost } from './admission.js'
import type { SessionCore } from './core.js'
import { projectData, mountsOf } from './project-data.js'
import { dayIn } from '../identity/index.js'
import { sandboxSpec } from './sandbox-spec.js'

/** Labels of a sandbox started ahead: the project it is for, and what it was started as. */
export const POOL_LABELS = { project: 'vre.pool', fingerprint: 'vre.pool-fingerprint' } as const

/** The kernels a pooled sandbox starts ahead, and hands to the session that claims it (notebook/). */
export interface PoolKernels {
  prestart(key: string, sandboxId: string, rowCap: number): Promise<void>
  adopt(from: string, sessionId: string): void
  end(key: string): Promise<void>
}

/** A sandbox started ahead, ready to be claimed. */
interface Member {
  id: string
  projectId: string
  fingerprint: string
  startedAt: number
}

/** The kernel key of a pooled sandbox until a session claims it. */
export const poolKernelKey = (sandboxId: string) => `pool:${sandboxId}`

/**
 * What a sandbox is started as: the policy's launch settings and the dataset versions it mounts. A
 * pooled sandbox is claimed only while it matches what a start would launch now: a policy change
 * or a new dataset version retires the pool.
 */
function fingerprint(p: SandboxPolicy, keys: string[]): string {
  const launch = [p.image, p.runtime, p.cpus, p.memoryMiB, p.pids, p.workAreaMiB, p.tmpMiB, p.rowCap ?? null, keys]
  return createHash('sha256').update(JSON.stringify(launch)).digest('hex').slice(0, 32)
}

/** The row cap a session's kernel starts with when the policy does not say (sandbox-spec's default). */
const DEFAULT_ROW_CAP = 1000

/**
 * A warm pool (after JupyterHub's and Azure TRE's pre-started workspaces): per project, while it has
 * had a session start in the last `pool.activeMinutes`, `pool.size` sandboxes started ahead with
 * its datasets mounted and a kernel running, so a start is a claim and the researcher's workspace
 * the only work left. A pooled sandbox belongs to nobody until claimed: no researcher's data is in
 * it, only the project's datasets every member may read; the claim is recorded in the store
 * before anything of the researcher goes in, it ends with its session, and is never given back.
 * Members count against the host's room (they are real sandboxes) and are started only when
 * admission would admit a session; one unclaimed for `pool.idleMinutes` is removed.
 */
export function createPool(core: SessionCore) {
  const { store, driver, log, now } = core.deps
  const ready = new Map<string, Member[]>()
  const filling = new Set<string>()
  let kernels: PoolKernels | null = null
  /** set on shutdown: nothing more is started ahead */
  let closed = false

  async function remove(m: Member, why: string): Promise<void> {
    await kernels?.end(poolKernelKey(m.id)).catch(() => undefined)
    await driver.stop(m.id)
    await store.appendAudit(
      core.system('pool.removed', m.id, 'success', { project: m.projectId, reason: why })
    )
  }

  /** Starts one sandbox ahead for a project; null when the host has no room for it. */
  async function startMember(projectId: string, p: SandboxPolicy): Promise<Member | null> {
    const data = await projectData(core, projectId, p)
    const starting = (await store.listSandboxSessions({ states: ['starting'] })).length
    const present = new Set(core.deps.hostCopies.present())
    const datasetBytes = data.versions.filter((v) => !present.has(v.keyId)).reduce((n, v) => n + v.bytes, 0)
    const full = admissionRefusal((core.deps.admission.read ?? readHost)(), core.deps.admission.settings, {
      starting,
      datasetBytes
    })
    if (full !== null) {
      log.info({ project: projectId, reason: full }, 'the pool waits: the host has no room')
      return null
    }
    const pool = p.pool!
    const id = `pool-${randomUUID()}`
    const createdAt = now().toISOString()
    const keys = data.versions.map((v) => v.keyId)
    const fp = fingerprint(p, keys)
    const lease = await core.deps.hostCopies.acquire(data.versions)
    let sandboxId: string
    let seeded: Promise<void>
    try {
      // nobody's yet: it lives for the longest session plus the time it may wait, and takes its
      // session's deadline when claimed
      const spec = sandboxSpec(
        { id, userId: 'pool', projectId, createdAt },
        await store.gatewayId(),
        { ...p, maxDurationMinutes: p.maxDurationMinutes + pool.idleMinutes },
        { VRE_SESSION: id, ...data.env },
        mountsOf(data, lease)
      )
      spec.labels[POOL_LABELS.project] = projectId
      spec.labels[POOL_LABELS.fingerprint] = fp
      const started = await driver.start(spec, emptyTar())
      sandboxId = started.id
      seeded = started.seeded
    } finally {
      lease.release()
    }
    try {
      await seeded
      await kernels?.prestart(poolKernelKey(sandboxId), sandboxId, p.rowCap ?? DEFAULT_ROW_CAP)
    } catch (err) {
      await driver.stop(sandboxId).catch(() => undefined)
      throw err
    }
    await store.appendAudit(core.system('pool.started', sandboxId, 'success', { project: projectId, datasets: keys }))
    return { id: sandboxId, projectId, fingerprint: fp, startedAt: now().getTime() }
  }

  /** Tops a project's pool up to its size, one sandbox at a time, while the host has room. */
  async function fill(projectId: string): Promise<void> {
    const p = core.deps.policy(projectId).sandbox
    if (closed || p.pool === undefined || p.pool.size === 0 || filling.has(projectId)) return
    filling.add(projectId)
    try {
      while (!closed && (ready.get(projectId)?.length ?? 0) < p.pool.size) {
        const m = await startMember(projectId, p)
        if (m === null) return
        // the gateway began to stop while it started: it goes at once
        if (closed) return void (await remove(m, 'the gateway is stopping'))
        ready.set(projectId, [...(ready.get(projectId) ?? []), m])
      }
    } finally {
      filling.delete(projectId)
    }
  }

  /**
   * A pooled sandbox for this session's project that matches what a start would launch now, taken
   * out of the pool (so no other start can have it), or null. The caller records the claim.
   */
  async function claim(session: SandboxSessionRow, p: SandboxPolicy): Promise<string | null> {
    const list = ready.get(session.projectId)
    if (list === undefined || list.length === 0) return null
    const data = await projectData(core, session.projectId, p)
    const fp = fingerprint(
      p,
      data.versions.map((v) => v.keyId)
    )
    for (let m = list.shift(); m !== undefined; m = list.shift()) {
      if (m.fingerprint !== fp) {
        void remove(m, 'started under another policy or dataset version').catch(() => undefined)
        continue
      }
      if ((await driver.poll(m.id)) !== null) continue
      return m.id
    }
    return null
  }

  /**
   * One pass: removes members left unclaimed too long, of projects no longer active, or started as
   * something a start would not launch now; fills the pools of projects with a recent start.
   */
  async function tend(): Promise<void> {
    const since = (minutes: number) => now().getTime() - minutes * 60_000
    for (const [projectId, list] of ready) {
      const p = core.deps.policy(projectId).sandbox
      const keep: Member[] = []
      for (const m of list) {
        const expired = p.pool === undefined || now().getTime() - m.startedAt > p.pool.idleMinutes * 60_000
        const gone = (await driver.poll(m.id)) !== null
        if (gone) continue
        if (expired) await remove(m, 'unclaimed for the pool\'s idle time, or the pool was switched off')
        else keep.push(m)
      }
      ready.set(projectId, keep)
    }
    // the projects someone started a session in lately
    const recent = new Map<string, number>()
    for (const s of await store.listSandboxSessions({})) {
      recent.set(s.projectId, Math.max(recent.get(s.projectId) ?? 0, Date.parse(s.createdAt)))
    }
    for (const [projectId, list] of ready) {
      const p = core.deps.policy(projectId).sandbox
      const last = recent.get(projectId) ?? 0
      if (p.pool !== undefined && last >= since(p.pool.activeMinutes)) continue
      for (const m of list) await remove(m, 'no session started in the project lately')
      ready.delete(projectId)
    }
    for (const [projectId, last] of recent) {
      const p = core.deps.policy(projectId).sandbox
      if (p.pool === undefined || p.pool.size === 0 || last < since(p.pool.activeMinutes)) continue
      const project = await store.getProject(projectId)
      if (project === null || project.endDate < dayIn(now(), core.deps.timeZone)) continue
      await fill(projectId).catch((err: unknown) => log.warn({ err, project: projectId }, 'the pool could not be filled'))
    }
  }

  /** Removes every unclaimed member (shutdown, or a restart's reconcile of members it did not start). */
  async function drain(): Promise<void> {
    closed = true
    while (filling.size > 0) await new Promise((r) => setTimeout(r, 50))
    for (const list of ready.values()) for (const m of list.splice(0)) await remove(m, 'the gateway is stopping').catch(() => undefined)
    ready.clear()
  }

  return {
    fill,
    claim,
    /** the claimed sandbox's kernel is its session's now */
    handedOver(sandboxId: string, sessionId: string): void {
      kernels?.adopt(poolKernelKey(sandboxId), sessionId)
    },
    tend,
    drain,
    /** the members ready now, per project (console, tests) */
    members: () => Object.fromEntries([...ready].map(([k, v]) => [k, v.map((m) => m.id)])),
    useKernels(k: PoolKernels) {
      kernels = k
    },
    /** the label a pooled sandbox carries: how reconcile tells one it did not start */
    isPooled: (labels: Record<string, string>) => labels[POOL_LABELS.project] !== undefined
  }
}

export type Pool = ReturnType<typeof createPool>
