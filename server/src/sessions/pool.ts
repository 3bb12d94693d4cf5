import { createHash, randomUUID } from 'node:crypto'
import type { SandboxPolicy } from '../policy/schema.js'
import { emptyTar } from '../sandbox/docker-seed.js'
import type { SandboxSessionRow } from '../store/types.js'
import { roomRefusal } from './admission.js'
import type { SessionCore } from './core.js'
import { projectData, mountsOf } from './project-data.js'
import { dayIn } from '../identity/index.js'
import { DEFAULT_ROW_CAP, LABELS, sandboxSpec } from './sandbox-spec.js'

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
  // the longest session too: a member lives for it (plus its wait), and a deadline only shortens
  const launch = [p.image, p.runtime, p.cpus, p.memoryMiB, p.pids, p.workAreaMiB, p.tmpMiB, p.rowCap ?? null, p.maxDurationMinutes, keys]
  return createHash('sha256').update(JSON.stringify(launch)).digest('hex').slice(0, 32)
}

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
  /**
   * The members ready now, per project, by sandbox id. Only ever changed in place, id by id, with
   * no await between reading and changing: a claim that takes a member out is never undone by a
   * pass that had read the pool before it (and a claimed sandbox can never come back).
   */
  const ready = new Map<string, Map<string, Member>>()
  /** every sandbox ever claimed from the pool: never handed out again, whatever else happens */
  const claimed = new Set<string>()
  const filling = new Set<string>()
  /** members being started now, across projects: admission counts them */
  let startingMembers = 0
  const poolOf = (projectId: string) => {
    let m = ready.get(projectId)
    if (m === undefined) ready.set(projectId, (m = new Map()))
    return m
  }
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
    // admitted as a session's start is, under the same host-wide lock, counting what is under way
    const admitted = await core.locked('host:admission', async () => {
      const full = await roomRefusal(core.deps.admission, async () => ({
        starting: (await store.listSandboxSessions({ states: ['starting'] })).length + startingMembers,
        datasetBytes: core.deps.hostCopies.bytesToDecrypt(data.versions)
      }))
      if (full !== null) {
        log.info({ project: projectId, reason: full }, 'the pool waits: the host has no room')
        return false
      }
      startingMembers++
      return true
    })
    if (!admitted) return null
    try {
      return await launchMember(projectId, p, data)
    } finally {
      startingMembers--
    }
  }

  async function launchMember(projectId: string, p: SandboxPolicy, data: Awaited<ReturnType<typeof projectData>>): Promise<Member> {
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
      while (!closed && poolOf(projectId).size < p.pool.size) {
        const m = await startMember(projectId, p)
        if (m === null) return
        // the gateway began to stop while it started: it goes at once
        if (closed) return void (await remove(m, 'the gateway is stopping'))
        poolOf(projectId).set(m.id, m)
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
    if ((ready.get(session.projectId)?.size ?? 0) === 0) return null
    const data = await projectData(core, session.projectId, p)
    const fp = fingerprint(
      p,
      data.versions.map((v) => v.keyId)
    )
    for (;;) {
      // taken off the books at once, with no await between finding it and taking it
      const members = ready.get(session.projectId)
      const m = members?.values().next().value
      if (members === undefined || m === undefined) return null
      members.delete(m.id)
      if (claimed.has(m.id)) continue
      claimed.add(m.id)
      if (m.fingerprint !== fp) {
        void remove(m, 'started under another policy or dataset version').catch(() => undefined)
        continue
      }
      if ((await driver.poll(m.id)) !== null) continue
      return m.id
    }
  }

  /**
   * One pass: removes members left unclaimed too long, of projects no longer active, or started as
   * something a start would not launch now; fills the pools of projects with a recent start.
   */
  async function tend(): Promise<void> {
    const since = (minutes: number) => now().getTime() - minutes * 60_000
    // the projects someone started a session in lately
    const recent = new Map<string, number>()
    for (const s of await store.listSandboxSessions({})) {
      recent.set(s.projectId, Math.max(recent.get(s.projectId) ?? 0, Date.parse(s.createdAt)))
    }
    for (const [projectId, members] of ready) {
      const p = core.deps.policy(projectId).sandbox
      const active = p.pool !== undefined && (recent.get(projectId) ?? 0) >= since(p.pool.activeMinutes)
      let fp: string | null = null
      try {
        fp = fingerprint(p, (await projectData(core, projectId, p)).versions.map((v) => v.keyId))
      } catch {
        fp = null // the project's data can't be mounted now: nothing of it may be claimed
      }
      // which to remove is decided on a copy of the ids; each is then taken off the books by id,
      // so a claim made meanwhile is never put back, nor a member added meanwhile lost
      for (const id of [...members.keys()]) {
        const m = members.get(id)
        if (m === undefined) continue
        const why =
          !active || p.pool === undefined
            ? 'no session started in the project lately, or the pool was switched off'
            : now().getTime() - m.startedAt > p.pool.idleMinutes * 60_000
              ? "unclaimed for the pool's idle time"
              : m.fingerprint !== fp
                ? 'started under another policy or dataset version'
                : null
        if (why === null) {
          if ((await driver.poll(id)) !== null) members.delete(id)
          continue
        }
        if (!members.delete(id)) continue // claimed meanwhile
        await remove(m, why)
      }
      if (members.size === 0 && !filling.has(projectId)) ready.delete(projectId)
    }
    await removeStrays()
    for (const [projectId, last] of recent) {
      const p = core.deps.policy(projectId).sandbox
      if (p.pool === undefined || p.pool.size === 0 || last < since(p.pool.activeMinutes)) continue
      const project = await store.getProject(projectId)
      if (project === null || project.endDate < dayIn(now(), core.deps.timeZone)) continue
      // only for a project someone may work in today
      if (!(await anyoneEligible(projectId))) continue
      await fill(projectId).catch((err: unknown) => log.warn({ err, project: projectId }, 'the pool could not be filled'))
    }
  }

  async function anyoneEligible(projectId: string): Promise<boolean> {
    for (const id of await store.listProjectMemberIds(projectId)) {
      const user = await store.getUserById(id)
      if (user !== null && (await core.checkEligible(user, projectId)).length === 0) return true
    }
    return false
  }

  /**
   * Pooled sandboxes of this gateway the books don't know and no session holds (a member dropped by
   * an error, or started as the gateway stopped): removed, so none outlives its pool.
   */
  async function removeStrays(): Promise<void> {
    const gatewayId = await store.gatewayId()
    const known = new Set([...ready.values()].flatMap((m) => [...m.keys()]))
    const held = new Set(
      (await store.listSandboxSessions({ states: ['starting', 'running', 'stopping'] })).flatMap((s) =>
        s.sandboxId === null ? [] : [s.sandboxId]
      )
    )
    for (const sb of await driver.list({ [POOL_LABELS.project]: true, [LABELS.gateway]: gatewayId })) {
      // a member being started is not on the books yet; a claimed one may not be on record yet
      if (known.has(sb.id) || held.has(sb.id) || claimed.has(sb.id) || startingMembers > 0) continue
      await kernels?.end(poolKernelKey(sb.id)).catch(() => undefined)
      await driver.stop(sb.id)
      await store.appendAudit(
        core.system('pool.removed', sb.id, 'success', { project: sb.labels[POOL_LABELS.project] ?? null, reason: 'no longer on the books' })
      )
    }
  }

  /** Removes every unclaimed member (shutdown, or a restart's reconcile of members it did not start). */
  async function drain(): Promise<void> {
    closed = true
    while (filling.size > 0) await new Promise((r) => setTimeout(r, 50))
    for (const members of ready.values()) {
      for (const [id, m] of [...members]) {
        members.delete(id)
        await remove(m, 'the gateway is stopping').catch(() => undefined)
      }
    }
    ready.clear()
    await removeStrays().catch((err: unknown) => log.warn({ err }, 'could not look for pooled sandboxes left behind'))
  }

  return {
    fill,
    claim,
    /** the claimed sandbox's kernel is its session's now (and ends with it, however it ends) */
    handedOver(sandboxId: string, sessionId: string): void {
      kernels?.adopt(poolKernelKey(sandboxId), sessionId)
    },
    /** a claim that was not recorded (the session stopped meanwhile): its kernel goes with the sandbox */
    async abandoned(sandboxId: string): Promise<void> {
      await kernels?.end(poolKernelKey(sandboxId)).catch(() => undefined)
    },
    tend,
    drain,
    /** sandboxes the pool is starting now: admission counts them as starts under way */
    starting: () => startingMembers,
    /** the members ready now, per project (console, tests) */
    members: () => Object.fromEntries([...ready].map(([k, v]) => [k, [...v.keys()]])),
    useKernels(k: PoolKernels) {
      kernels = k
    },
    /** the label a pooled sandbox carries: how reconcile tells one it did not start */
    isPooled: (labels: Record<string, string>) => labels[POOL_LABELS.project] !== undefined
  }
}

export type Pool = ReturnType<typeof createPool>
