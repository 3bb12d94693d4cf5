import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { existsSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditEvent } from '../audit/record.js'
import type { RequestContext } from '../auth/auth-service.js'
import { Errors } from '../errors.js'
import { dayIn, projectState } from '../identity/index.js'
import { projectStanding } from '../identity/project-standing.js'
import type { Policy, SandboxPolicy } from '../policy/schema.js'
import {
  runInSandbox,
  SandboxGone,
  SANDBOX_SERVICE_USER,
  SandboxLimitsFixed,
  type SandboxDriver,
  type SandboxEvent,
  type SandboxSpec,
  SandboxUnavailable
} from '../sandbox/driver.js'
import type { SandboxSessionRow, SandboxSessionState, Store, UserRow } from '../store/types.js'
import { removeExpiredSandboxes, sandboxDeadline } from './deadline.js'
import { LIVE_STATES, statesBefore } from './transitions.js'
import { DATA_DIR, filesAsTar, HOME, projectWorkspaces, saveWorkspace, workspaceSnapshot } from './workspace.js'

export interface SessionServiceDeps {
  /** the session's first shell, which unpacks the workspace the init staged (terminal-service) */
  shells: {
    startSession(viewer: { sessionId: string; projectId: string; userId: string }, sandboxId: string): Promise<void>
  }
  store: Store
  driver: SandboxDriver
  /** the policy in force for a project */
  policy: (projectId: string) => Policy
  now: () => Date
  dataDir: string
  timeZone: string
  log: FastifyBaseLogger
}

/** Where a starting session is: what the researcher sees instead of a blank spinner. */
export type StartStep =
  { step: 'sandbox' } | { step: 'data'; bytes: number; totalBytes: number } | { step: 'workspace' }

/** What a subscriber to a session hears: its state changed (read it again for the rest), or a start step. */
export type SessionChange = { kind: 'state'; state: SandboxSessionState } | ({ kind: 'progress' } & StartStep)

/** Every session's changes, with the session's id. */
export const ANY_SESSION = Symbol('any session')

const MiB = 1024 * 1024
export const DEFAULT_ROW_CAP = 1000
/** how long a project's workspaces outlive its end date when the policy does not say */
export const DEFAULT_RETENTION_DAYS = 30
/** A launch that has not finished in this long has failed. */
const START_TIMEOUT_MS = 5 * 60_000
const RESEARCHER = '1000:1000'
/** the workspace snapshot as the init stages it in the data directory for the first shell */
const STAGED_WORKSPACE = '.workspace.tar'

/** What a policy change does to a running session: the sandbox's resources, and the gateway's limits. */
export const LIVE_RESOURCE_KEYS = ['cpus', 'memoryMiB', 'pids'] as const
export const LIVE_SESSION_KEYS = ['maxDurationMinutes', 'idleMinutes', 'rowCap'] as const
/** Fixed when a sandbox is made: a change reaches new sessions only. */
export const NEW_SESSION_KEYS = ['image', 'runtime', 'workAreaMiB', 'tmpMiB', 'dataMiB', 'sessionsPerUser'] as const

type LiveKey = (typeof LIVE_RESOURCE_KEYS)[number] | (typeof LIVE_SESSION_KEYS)[number]

/** What became of one live session when the policy in force for its project changed. */
export interface LiveLimitChange {
  sessionId: string
  projectId: string
  /** limits now in force in the session, with the value each had before */
  applied: { key: LiveKey; from: unknown; to: unknown }[]
  /** limits that stay as they were until the next session, and why */
  notApplied: { key: LiveKey; to: unknown; reason: string }[]
}

/** Labels on every sandbox: the gateway that owns it, and who and what it is for. */
export const LABELS = {
  gateway: 'vre.gateway',
  session: 'vre.session',
  user: 'vre.user',
  project: 'vre.project'
} as const

/** The day `days` after the calendar day `day` (YYYY-MM-DD). */
function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Every file under `dir`, depth first, with its size; links are listed, never followed. */
function filesUnder(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name)
      return e.isDirectory() ? filesUnder(path) : [{ path, bytes: lstatSync(path).size }]
    })
}

export function sandboxSpec(
  session: Pick<SandboxSessionRow, 'id' | 'userId' | 'projectId' | 'createdAt'>,
  gatewayId: string,
  p: SandboxPolicy,
  env: Record<string, string>
): SandboxSpec {
  return {
    name: `vre-${gatewayId}-${session.id}`,
    image: p.image,
    runtime: p.runtime,
    cpus: p.cpus,
    memoryBytes: p.memoryMiB * MiB,
    pids: p.pids,
    user: RESEARCHER,
    initUser: SANDBOX_SERVICE_USER,
    seedDir: DATA_DIR,
    tmpfs: [
      { path: HOME, sizeBytes: p.workAreaMiB * MiB, uid: 1000, gid: 1000, mode: 0o700 },
      { path: '/tmp', sizeBytes: p.tmpMiB * MiB, uid: 0, gid: 0, mode: 0o1777 },
      // the init's: the researcher reads the datasets and cannot change them; room for the staged
      // workspace snapshot as well, until the first shell has unpacked it
      { path: DATA_DIR, sizeBytes: (p.dataMiB + p.workAreaMiB) * MiB, uid: 1001, gid: 1001, mode: 0o755 }
    ],
    env: {
      // DuckDB takes 80% of the container's memory per process by default; the terminal shell,
      // the notebook kernel and helpers may run at once.
      VRE_DUCKDB_MEMORY_LIMIT: `${Math.max(64, Math.floor(p.memoryMiB / 4))}MB`,
      VRE_ROW_CAP: String(p.rowCap ?? DEFAULT_ROW_CAP),
      ...env
    },
    labels: {
      [LABELS.gateway]: gatewayId,
      [LABELS.session]: session.id,
      [LABELS.user]: session.userId,
      [LABELS.project]: session.projectId
    },
    deadline: sandboxDeadline(session.createdAt, p.maxDurationMinutes)
  }
}

/**
 * Analysis sessions: who may start one, launching the sandbox with the project's data and the
 * researcher's workspace, ending it (by the user, at the policy's limits, or when the right to work
 * lapses), and re-adopting live sandboxes after a gateway restart. Every transition is audited.
 */
export function createSessionService(deps: SessionServiceDeps) {
  const { store, driver, now, log } = deps
  const lastActivity = new Map<string, number>()
  const inFlight = new Set<Promise<unknown>>()
  const locks = new Map<string, Promise<unknown>>()
  const changes = new EventEmitter()
  changes.setMaxListeners(0)
  /** the latest step of each session still starting, for subscribers who come late */
  const steps = new Map<string, StartStep>()

  function emit(id: string, change: SessionChange): void {
    changes.emit(id, change)
    changes.emit(ANY_SESSION, id, change)
  }

  function progress(id: string, step: StartStep): void {
    steps.set(id, step)
    emit(id, { kind: 'progress', ...step })
  }

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p)).catch(() => undefined)
    return p
  }

  /** One change at a time per session, so a user's stop and the reaper's stop don't interleave. */
  async function locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(id) ?? Promise.resolve()
    const next = prev.catch(() => undefined).then(fn)
    locks.set(id, next)
    try {
      return await next
    } finally {
      if (locks.get(id) === next) locks.delete(id)
    }
  }

  const system = (
    action: string,
    target: string,
    outcome: AuditEvent['outcome'],
    details?: Record<string, unknown>
  ): AuditEvent => ({
    actor: 'system',
    action,
    sourceIp: null,
    target,
    outcome,
    ...(details ? { details } : {})
  })

  async function transition(
    session: SandboxSessionRow,
    to: SandboxSessionState,
    fields: Partial<Omit<SandboxSessionRow, 'id' | 'userId' | 'projectId' | 'state'>>,
    audit: AuditEvent
  ): Promise<boolean> {
    const moved = await store.transitionSandboxSession(session.id, statesBefore(to), { ...fields, state: to }, audit)
    if (moved) {
      if (to !== 'starting') steps.delete(session.id)
      emit(session.id, { kind: 'state', state: to })
    }
    return moved
  }

  const standing = (user: UserRow, projectId: string) =>
    projectStanding(store, user, projectId, dayIn(now(), deps.timeZone))

  async function checkEligible(user: UserRow, projectId: string): Promise<string[]> {
    return (await standing(user, projectId)).reasons
  }

  /** One start at a time per user, so concurrent requests can't each see room under the quota. */
  function start(user: UserRow, projectId: string, ctx: RequestContext): Promise<SandboxSessionRow> {
    return locked(`user:${user.id}`, () => startUnlocked(user, projectId, ctx))
  }

  async function startUnlocked(user: UserRow, projectId: string, ctx: RequestContext): Promise<SandboxSessionRow> {
    const audit = (outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({
      actor: user.id,
      action: 'session.start',
      sourceIp: ctx.sourceIp,
      target: projectId,
      outcome,
      details
    })
    const { project, isMember, reasons } = await standing(user, projectId)
    // someone else's project answers as one that does not exist, so its title can't be probed by id
    if (project === null || !isMember) {
      await store.appendAudit(audit('denied', project === null ? { reason: 'no such project' } : { reasons }))
      throw new Errors.NotFound('There is no such project.')
    }
    if (reasons.length > 0) {
      await store.appendAudit(audit('denied', { reasons }))
      throw new Errors.NotEligible(`You cannot start a session: ${reasons.join('; ')}.`)
    }
    const p = deps.policy(projectId).sandbox
    const live = await store.listSandboxSessions({ userId: user.id, states: LIVE_STATES })
    if (live.length >= p.sessionsPerUser) {
      await store.appendAudit(audit('denied', { reason: 'session quota', live: live.map((s) => s.id) }))
      throw new Errors.Conflict(
        `You already have ${live.length} live session${live.length === 1 ? '' : 's'} (the policy allows ` +
          `${p.sessionsPerUser}); end one first: ${live.map((s) => s.id).join(', ')}.`
      )
    }
    const runtimes = await driver.runtimes().catch((err: unknown) => {
      throw err instanceof SandboxUnavailable ? new Errors.SandboxUnavailable(err.message) : err
    })
    if (!runtimes.includes(p.runtime)) {
      const why = `the policy asks for the ${p.runtime} runtime, which this host does not have`
      await store.appendAudit(audit('error', { reason: why }))
      throw new Errors.SandboxUnavailable(why)
    }
    const row: SandboxSessionRow = {
      id: randomUUID(),
      userId: user.id,
      projectId,
      state: 'starting',
      reason: null,
      sandboxId: null,
      runtime: p.runtime,
      image: p.image,
      limits: p,
      createdAt: now().toISOString(),
      startedAt: null,
      endedAt: null
    }
    await store.createSandboxSession(row, {
      ...audit('success', { runtime: p.runtime, image: p.image }),
      target: row.id
    })
    void track(locked(row.id, () => launch(row, p)))
    return row
  }

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

  async function launch(session: SandboxSessionRow, p: SandboxPolicy): Promise<void> {
    let sandboxId: string | null = null
    try {
      const project = (await store.getProject(session.projectId))!
      const datasets = project.datasets.filter((d) => d.file !== null)
      const env: Record<string, string> = { VRE_SESSION: session.id }
      if (datasets[0]) env.VRE_DATASET = `${DATA_DIR}/${datasets[0].name}.duckdb`
      for (const d of datasets) {
        if (!existsSync(join(deps.dataDir, d.file!))) throw new Error(`the dataset ${d.name} has no file at ${d.file}`)
      }
      // The init takes the workspace snapshot (staged for the first shell, which unpacks it as the
      // researcher) and the datasets as the sandbox starts: no exec is spent on copies.
      const snapshot = workspaceSnapshot(deps.dataDir, session.projectId, session.userId)
      const restored = existsSync(snapshot)
      const files = [
        ...(restored ? [{ path: snapshot, name: STAGED_WORKSPACE, mode: 0o444 }] : []),
        ...datasets.map((d) => ({ path: join(deps.dataDir, d.file!), name: `${d.name}.duckdb`, mode: 0o444 }))
      ]
      const totalBytes = files.reduce((n, f) => n + statSync(f.path).size, 0)
      let reported = 0
      const seed = filesAsTar(files, (bytes) => {
        if (bytes === totalBytes || Date.now() - reported >= 250) {
          reported = Date.now()
          progress(session.id, { step: 'data', bytes, totalBytes })
        }
      })
      progress(session.id, { step: 'sandbox' })
      const started = await driver.start(sandboxSpec(session, await store.gatewayId(), p, env), seed)
      sandboxId = started.id
      const id = sandboxId
      await whileAlive(
        sandboxId,
        Promise.all([
          deps.shells.startSession(
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
      const moved = await transition(
        session,
        'running',
        { sandboxId, startedAt: startedAt.toISOString() },
        system('session.running', session.id, 'success', {
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
      lastActivity.set(session.id, startedAt.getTime())
    } catch (err) {
      const reason = `the sandbox could not be started: ${(err as Error).message}`
      log.error({ err, session: session.id }, 'session launch failed')
      if (sandboxId !== null) await driver.stop(sandboxId).catch(() => undefined)
      await transition(
        session,
        'failed',
        { reason, endedAt: now().toISOString(), ...(sandboxId ? { sandboxId } : {}) },
        system('session.failed', session.id, 'error', { reason })
      ).catch((e: unknown) => log.error({ err: e }, 'could not record a failed launch'))
    }
  }

  /** Ends a session: saves the workspace, removes the sandbox. Idempotent for sessions already ending or ended. */
  async function stop(
    id: string,
    reason: string,
    by: { actor: string; sourceIp: string | null }
  ): Promise<SandboxSessionRow> {
    // tracked whoever asks (a researcher, the reaper, the monitor), so a shutdown waits for it
    return track(
      locked(id, async () => {
        const session = await store.getSandboxSession(id)
        if (session === null) throw new Errors.NotFound('There is no such session.')
        if (session.state === 'stopped' || session.state === 'failed') return session
        if (session.state !== 'stopping') {
          await transition(
            session,
            'stopping',
            { reason },
            {
              actor: by.actor,
              action: 'session.stop',
              sourceIp: by.sourceIp,
              target: id,
              outcome: 'success',
              details: { reason, from: session.state }
            }
          )
        }
        await finishStop({ ...session, state: 'stopping', reason })
        return (await store.getSandboxSession(id))!
      })
    )
  }

  async function finishStop(session: SandboxSessionRow): Promise<void> {
    if (session.sandboxId !== null) {
      const state = await driver.poll(session.sandboxId)
      if (state === null) {
        const limit = ((session.limits as Partial<SandboxPolicy>).workAreaMiB ?? 512) * MiB
        try {
          const saved = await saveWorkspace(
            driver,
            session.sandboxId,
            workspaceSnapshot(deps.dataDir, session.projectId, session.userId),
            limit
          )
          await store.appendAudit(
            system('workspace.save', session.id, 'success', {
              files: saved.entries.filter((e) => e.type === 'file').length,
              bytes: saved.totalBytes,
              dropped: saved.droppedCount,
              droppedExamples: saved.dropped.slice(0, 20)
            })
          )
        } catch (err) {
          log.error({ err, session: session.id }, 'saving the workspace failed')
          await store.appendAudit(system('workspace.save', session.id, 'error', { reason: (err as Error).message }))
        }
      }
      await driver.stop(session.sandboxId)
    }
    lastActivity.delete(session.id)
    await transition(
      session,
      'stopped',
      { endedAt: now().toISOString() },
      system('session.stopped', session.id, 'success', { reason: session.reason })
    )
  }

  async function fail(session: SandboxSessionRow, reason: string): Promise<void> {
    await locked(session.id, async () => {
      if (session.sandboxId !== null) await driver.stop(session.sandboxId)
      lastActivity.delete(session.id)
      await transition(
        session,
        'failed',
        { reason, endedAt: now().toISOString() },
        system('session.failed', session.id, 'error', { reason })
      )
    })
  }

  /** Why a running session must end now, or null. A lapsed right to work is named before the limits. */
  async function endReason(session: SandboxSessionRow): Promise<string | null> {
    const user = await store.getUserById(session.userId)
    if (user === null) return 'the account no longer exists'
    const reasons = await checkEligible(user, session.projectId)
    if (reasons.length > 0) return reasons.join('; ')
    const limits = session.limits as Partial<SandboxPolicy>
    const t = now().getTime()
    const started = Date.parse(session.startedAt ?? session.createdAt)
    const maxMinutes = limits.maxDurationMinutes ?? deps.policy(session.projectId).sandbox.maxDurationMinutes
    // counted from the request, as the sandbox's own deadline is
    if (t >= Date.parse(session.createdAt) + maxMinutes * 60_000) {
      return `the session reached its maximum duration of ${maxMinutes} minutes`
    }
    const idleMinutes = limits.idleMinutes ?? deps.policy(session.projectId).sandbox.idleMinutes
    const active = Math.max(started, lastActivity.get(session.id) ?? started)
    if (t >= active + idleMinutes * 60_000) return `the session was idle for ${idleMinutes} minutes`
    return null
  }

  const atPidsLimit = new Set<string>()

  /** A limit a sandbox ran into (the sandbox itself keeps it contained): recorded once per episode. */
  async function checkLimits(session: SandboxSessionRow): Promise<void> {
    const stats = await driver.stats(session.sandboxId!)
    if (stats === null || stats.pidsLimit === null) return
    if (stats.pids >= stats.pidsLimit) {
      if (!atPidsLimit.has(session.id)) {
        atPidsLimit.add(session.id)
        await store.appendAudit(
          system('sandbox.limit', session.id, 'denied', { limit: 'pids', pids: stats.pids, max: stats.pidsLimit })
        )
      }
    } else {
      atPidsLimit.delete(session.id)
    }
  }

  /** Engine events: a process killed for memory is audited; a sandbox that ended is reaped at once. */
  async function onSandboxEvent(event: SandboxEvent): Promise<void> {
    const sessionId = event.labels[LABELS.session]
    if (sessionId === undefined) return
    if (event.kind === 'oom') {
      await store.appendAudit(
        system('sandbox.limit', sessionId, 'denied', { limit: 'memory', sandbox: event.sandboxId })
      )
      return
    }
    const session = await store.getSandboxSession(sessionId)
    if (session?.state === 'running' && !locks.has(session.id)) {
      const ended = await driver.poll(event.sandboxId)
      if (ended !== null) await fail(session, `the sandbox stopped unexpectedly: ${ended.reason}`)
    }
  }

  /** One pass of the reaper: ends sessions past their limits or whose right to work lapsed. */
  async function reap(): Promise<void> {
    for (const session of await store.listSandboxSessions({ states: ['starting', 'running', 'stopping'] })) {
      if (locks.has(session.id)) continue
      try {
        if (session.state === 'starting') {
          if (now().getTime() - Date.parse(session.createdAt) > START_TIMEOUT_MS) {
            await fail(session, 'the sandbox did not start in time')
          }
          continue
        }
        if (session.state === 'stopping') {
          // not awaited: one sandbox that is slow to stop must not hold up the others
          void track(locked(session.id, () => finishStop(session))).catch((err: unknown) =>
            log.error({ err, session: session.id }, 'finishing a stop failed')
          )
          continue
        }
        const ended =
          session.sandboxId === null ? { reason: 'no sandbox is recorded' } : await driver.poll(session.sandboxId)
        if (ended !== null) {
          await fail(session, `the sandbox stopped unexpectedly: ${ended.reason}`)
          continue
        }
        // the right to work first: an engine that cannot give figures must not keep a session alive
        const reason = await endReason(session)
        if (reason !== null) {
          void track(stop(session.id, reason, { actor: 'system', sourceIp: null })).catch((err: unknown) =>
            log.error({ err, session: session.id }, 'ending a session failed')
          )
          continue
        }
        await checkLimits(session)
      } catch (err) {
        log.error({ err, session: session.id }, 'reaper could not check a session')
      }
    }
  }

  /**
   * Ends, now rather than at the reaper's next pass, every live session whose right to work has
   * lapsed: account or organization suspended, certification suspended or out of date, project
   * ended or the researcher no longer a member. An administrator's change calls this at once.
   * Returns the ids of the sessions it is ending.
   */
  async function endLapsed(): Promise<string[]> {
    const ending: string[] = []
    for (const session of await store.listSandboxSessions({ states: ['starting', 'running'] })) {
      const user = await store.getUserById(session.userId)
      const reasons = user === null ? ['the account no longer exists'] : await checkEligible(user, session.projectId)
      if (reasons.length === 0) continue
      ending.push(session.id)
      // a starting session is stopped once its launch (which holds the lock) is over
      void track(stop(session.id, reasons.join('; '), { actor: 'system', sourceIp: null })).catch((err: unknown) =>
        log.error({ err, session: session.id }, 'ending a session failed')
      )
    }
    return ending
  }

  /** Ends the live sessions of one project, for a reason that is not about the researcher (a dataset revoked). */
  async function endProjectSessions(projectId: string, reason: string, by: { actor: string; sourceIp: string | null }) {
    const live = (await store.listSandboxSessions({ states: ['starting', 'running'] })).filter(
      (s) => s.projectId === projectId
    )
    for (const session of live) {
      void track(stop(session.id, reason, by)).catch((err: unknown) =>
        log.error({ err, session: session.id }, 'ending a session failed')
      )
    }
    return live.map((s) => s.id)
  }

  /**
   * Workspaces outlive their project by the policy's retention (sandbox.workspaceRetentionDays,
   * counted in days of the configured time zone after the end date): then, once none of the
   * project's sessions is live, they are deleted, and the audit records each file deleted (its
   * path under the data directory and size) with the counts. An end date moved later in time
   * keeps them.
   */
  async function wipeEndedProjects(): Promise<string[]> {
    const today = dayIn(now(), deps.timeZone)
    const wiped: string[] = []
    for (const project of await store.listProjects()) {
      if (projectState(project, today) !== 'ended') continue
      const retentionDays = deps.policy(project.id).sandbox.workspaceRetentionDays ?? DEFAULT_RETENTION_DAYS
      const deleteOn = addDays(project.endDate, retentionDays + 1)
      if (today < deleteOn) continue
      const dir = projectWorkspaces(deps.dataDir, project.id)
      if (!existsSync(dir)) continue
      const live = (await store.listSandboxSessions({ states: LIVE_STATES })).filter((s) => s.projectId === project.id)
      if (live.length > 0) continue
      const files = filesUnder(dir).map((f) => ({ path: relative(deps.dataDir, f.path), bytes: f.bytes }))
      // recorded first: if the audit cannot be written, nothing is deleted
      await store.appendAudit(
        system('workspace.wipe', project.id, 'success', {
          project: project.title,
          endDate: project.endDate,
          retentionDays,
          directory: relative(deps.dataDir, dir),
          fileCount: files.length,
          totalBytes: files.reduce((n, f) => n + f.bytes, 0),
          files
        })
      )
      rmSync(dir, { recursive: true, force: true })
      wiped.push(project.id)
    }
    return wiped
  }

  /**
   * After a restart: adopt this gateway's sandboxes whose sessions are running, remove the ones no
   * session owns, and fail the sessions whose sandbox vanished. Nothing is lost or left behind.
   */
  async function reconcile(): Promise<{ adopted: string[]; removed: string[]; failed: string[]; expired: string[] }> {
    const gatewayId = await store.gatewayId()
    const expired = await removeExpiredSandboxes({ driver, store, gatewayId, now })
    const sandboxes = await driver.list({ [LABELS.gateway]: gatewayId })
    const live = await store.listSandboxSessions({ states: LIVE_STATES })
    const byId = new Map(live.map((s) => [s.id, s]))
    const result = {
      adopted: [] as string[],
      removed: [] as string[],
      failed: [] as string[],
      expired: expired.map((e) => e.id)
    }
    const seen = new Set<string>()
    /** sessions whose sandbox ended itself at its deadline while the gateway was away */
    const pastDeadline = new Set<string>()
    for (const sb of sandboxes) {
      const session = byId.get(sb.labels[LABELS.session] ?? '')
      if (session !== undefined && session.state === 'running' && sb.running && session.sandboxId === sb.id) {
        seen.add(session.id)
        lastActivity.set(session.id, now().getTime())
        result.adopted.push(session.id)
        await store.appendAudit(system('session.adopted', session.id, 'success', { sandbox: sb.id }))
        continue
      }
      if (session !== undefined && session.state === 'stopping') {
        seen.add(session.id)
        await locked(session.id, () => finishStop({ ...session, sandboxId: sb.id }))
        continue
      }
      if (session !== undefined && sb.deadline !== null && now() >= sb.deadline) pastDeadline.add(session.id)
      await driver.stop(sb.id)
      result.removed.push(sb.id)
      await store.appendAudit(
        system('sandbox.orphan_removed', sb.id, 'success', {
          session: sb.labels[LABELS.session] ?? null,
          sessionState: session?.state ?? 'unknown'
        })
      )
    }
    for (const s of live) {
      if (seen.has(s.id)) continue
      if (s.state === 'stopping') {
        await locked(s.id, () => finishStop({ ...s, sandboxId: null }))
        continue
      }
      const reason = pastDeadline.has(s.id)
        ? 'the sandbox reached its deadline (the longest session its policy allows) and ended itself while the gateway was away'
        : s.state === 'starting'
          ? 'the gateway restarted while the sandbox was starting'
          : 'the sandbox was gone when the gateway restarted'
      await fail({ ...s, sandboxId: null }, reason)
      result.failed.push(s.id)
    }
    return result
  }

  const liveValue = (p: Partial<SandboxPolicy>, key: LiveKey): unknown =>
    key === 'rowCap' ? (p.rowCap ?? DEFAULT_ROW_CAP) : p[key]

  /**
   * Brings one running session to the policy now in force for its project, as far as that can
   * change live: the sandbox's CPU, memory and process limits through the engine, the session's
   * maximum duration, idle timeout and notebook row cap in its record (what the reaper and the
   * kernel read). The rest waits for the next session. Audited as session.limits.
   */
  async function applyLimits(
    id: string,
    by: { actor: string; sourceIp: string | null }
  ): Promise<LiveLimitChange | null> {
    const session = await store.getSandboxSession(id)
    if (session === null || session.state !== 'running' || session.sandboxId === null) return null
    const want = deps.policy(session.projectId).sandbox
    const had = session.limits as Partial<SandboxPolicy>
    const changed = [...LIVE_RESOURCE_KEYS, ...LIVE_SESSION_KEYS].filter(
      (k) => liveValue(had, k) !== liveValue(want, k)
    )
    if (changed.length === 0) return null
    const change: LiveLimitChange = { sessionId: id, projectId: session.projectId, applied: [], notApplied: [] }
    const next: Record<string, unknown> = { ...session.limits }
    const resources = changed.filter((k) => (LIVE_RESOURCE_KEYS as readonly string[]).includes(k))
    if (resources.length > 0) {
      // recorded before the engine is asked: a change the audit could not record does not happen
      await store.appendAudit({
        actor: by.actor,
        action: 'session.limits.request',
        sourceIp: by.sourceIp,
        target: id,
        outcome: 'success',
        details: {
          project: session.projectId,
          to: Object.fromEntries(resources.map((k) => [k, want[k as keyof SandboxPolicy]]))
        }
      })
      try {
        await driver.update(session.sandboxId, {
          cpus: want.cpus,
          memoryBytes: want.memoryMiB * MiB,
          pids: want.pids
        })
        for (const k of LIVE_RESOURCE_KEYS) {
          if (resources.includes(k)) change.applied.push({ key: k, from: had[k], to: want[k] })
          next[k] = want[k]
        }
      } catch (err) {
        if (err instanceof SandboxGone) return null
        const reason =
          err instanceof SandboxLimitsFixed ? err.message : `the engine refused the change: ${(err as Error).message}`
        for (const k of resources) change.notApplied.push({ key: k, to: want[k], reason })
      }
    }
    const refused = change.notApplied.length > 0
    for (const k of changed.filter((x) => (LIVE_SESSION_KEYS as readonly string[]).includes(x))) {
      const [from, to] = [liveValue(had, k), liveValue(want, k)]
      next[k] = want[k]
      // the running kernel caps rows itself as it was started; the gateway can only cap further
      if (k === 'rowCap' && (to as number) > (from as number)) {
        change.notApplied.push({
          key: k,
          to,
          reason: 'a raised row cap reaches a notebook kernel started after it; one running now keeps its cap'
        })
      } else if (k === 'maxDurationMinutes' && (to as number) > (from as number)) {
        // the sandbox ends itself at the deadline it was started with; the record keeps that
        next[k] = from
        change.notApplied.push({
          key: k,
          to,
          reason:
            'a running sandbox ends itself at the deadline it was started with; a longer maximum applies from the next session'
        })
      } else {
        change.applied.push({ key: k, from, to })
      }
    }
    await store.updateSandboxSessionLimits(id, next, {
      actor: by.actor,
      action: 'session.limits',
      sourceIp: by.sourceIp,
      target: id,
      outcome: refused ? 'error' : 'success',
      details: { project: session.projectId, applied: change.applied, notApplied: change.notApplied }
    })
    return change
  }

  /**
   * After a policy changed: every running session whose project's policy in force differs from the
   * limits it runs under gets what can change live. Sessions still starting are brought along once
   * they run (their launch holds them); they are named in `pending`.
   */
  async function applyPolicy(by: {
    actor: string
    sourceIp: string | null
  }): Promise<{ changes: LiveLimitChange[]; pending: string[] }> {
    const changes: LiveLimitChange[] = []
    const pending: string[] = []
    for (const s of await store.listSandboxSessions({ states: ['starting', 'running'] })) {
      const apply = () => locked(s.id, () => applyLimits(s.id, by))
      if (s.state === 'starting') {
        pending.push(s.id)
        void track(apply()).catch((err: unknown) => log.error({ err, session: s.id }, 'applying a policy failed'))
        continue
      }
      try {
        const change = await apply()
        if (change !== null) changes.push(change)
      } catch (err) {
        log.error({ err, session: s.id }, 'applying a policy failed')
      }
    }
    return { changes, pending }
  }

  return {
    start,
    stop,
    reap,
    applyPolicy,
    reconcile,
    endLapsed,
    endProjectSessions,
    wipeEndedProjects,
    onSandboxEvent,
    /** terminal input or a cell run: what keeps a session from idling out */
    touch(id: string) {
      lastActivity.set(id, now().getTime())
    },
    get: (id: string) => store.getSandboxSession(id),
    /**
     * Calls `listener` on each change of session `id` (and at once with the current start step,
     * if it is starting) until the returned function is called.
     */
    subscribe(id: string, listener: (change: SessionChange) => void): () => void {
      changes.on(id, listener)
      const step = steps.get(id)
      if (step !== undefined) listener({ kind: 'progress', ...step })
      return () => changes.off(id, listener)
    },
    /**
     * Calls `listener` with the id of every session that leaves `starting` or `running` (its
     * terminals and kernel go with it) until the returned function is called.
     */
    onEnding(listener: (id: string) => void): () => void {
      const onChange = (id: string, change: SessionChange) => {
        if (change.kind === 'state' && change.state !== 'starting' && change.state !== 'running') listener(id)
      }
      changes.on(ANY_SESSION, onChange)
      return () => changes.off(ANY_SESSION, onChange)
    },
    /** Calls `listener` with the id of every session that becomes `running`, until the returned function is called. */
    onRunning(listener: (id: string) => void): () => void {
      const onChange = (id: string, change: SessionChange) => {
        if (change.kind === 'state' && change.state === 'running') listener(id)
      }
      changes.on(ANY_SESSION, onChange)
      return () => changes.off(ANY_SESSION, onChange)
    },
    list: (userId: string) => store.listSandboxSessions({ userId }),
    /** waits for launches and stops under way (tests, shutdown) */
    async settle(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    }
  }
}

export type SessionService = ReturnType<typeof createSessionService>
