import type { HostCopies } from '../datasets/host-copies.js'
import type { AdmissionSettings, HostReading } from './admission.js'
import type { Keyring } from '../keys/keyring.js'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditAction } from '../audit/actions.js'
import type { AuditEvent } from '../audit/record.js'
import { dayIn } from '../identity/index.js'
import { projectStanding, type ProjectStanding } from '../identity/project-standing.js'
import type { Policy } from '../policy/schema.js'
import type { SandboxDriver } from '../sandbox/driver.js'
import type { SandboxSessionRow, SandboxSessionState, Store, UserRow } from '../store/types.js'
import { createSessionEvents, type SessionEvents } from './events.js'
import { statesBefore } from './transitions.js'

export const MiB = 1024 * 1024
/** A launch that has not finished in this long has failed. */
export const START_TIMEOUT_MS = 5 * 60_000

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
  /** data keys: workspace snapshots are sealed under the project's */
  keyring: Keyring
  /** the datasets decrypted once on this host, mounted read-only into the sandboxes of their project */
  hostCopies: HostCopies
  /** when the host refuses another sandbox, and how it is read (the kernel's figures by default) */
  admission: { settings: AdmissionSettings; read?: () => HostReading }
  timeZone: string
  log: FastifyBaseLogger
}

/** Who asked for a change: a user from an address, or the system. */
export interface Actor {
  actor: string
  sourceIp: string | null
}

/** The fields a transition may set besides the state. */
export type TransitionFields = Partial<Omit<SandboxSessionRow, 'id' | 'userId' | 'projectId' | 'state'>>

/** What the parts of the session service share: its dependencies, the state kept in memory, and how a session changes. */
export interface SessionCore {
  deps: SessionServiceDeps
  events: SessionEvents
  /** when each live session last saw terminal input or a cell run (ms): what the idle limit counts from */
  lastActivity: Map<string, number>
  /** launches and stops under way, so a shutdown can wait for them */
  inFlight: Set<Promise<unknown>>
  /** the change under way for each session (or user, while it starts one), so two never interleave */
  locks: Map<string, Promise<unknown>>
  /** keeps `p` in `inFlight` until it settles */
  track<T>(p: Promise<T>): Promise<T>
  /** runs `fn` once every change already queued under `id` is over */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T>
  /** an audit event the gateway itself records */
  system(
    action: AuditAction,
    target: string,
    outcome: AuditEvent['outcome'],
    details?: Record<string, unknown>
  ): AuditEvent
  /**
   * Moves a session to `to` from any state that may precede it, with `audit` in the same write;
   * false when it was no longer in such a state (another change won).
   */
  transition(
    session: SandboxSessionRow,
    to: SandboxSessionState,
    fields: TransitionFields,
    audit: AuditEvent
  ): Promise<boolean>
  /** where `user` stands in the project today (the one reading behind starting and ending sessions) */
  standing(user: UserRow, projectId: string): Promise<ProjectStanding>
  /** every reason `user` may not work in the project today; empty when they may */
  checkEligible(user: UserRow, projectId: string): Promise<string[]>
}

export function createCore(deps: SessionServiceDeps): SessionCore {
  const events = createSessionEvents()
  const inFlight = new Set<Promise<unknown>>()
  const locks = new Map<string, Promise<unknown>>()

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

  const standing = (user: UserRow, projectId: string) =>
    projectStanding(deps.store, user, projectId, dayIn(deps.now(), deps.timeZone))

  return {
    deps,
    events,
    lastActivity: new Map(),
    inFlight,
    locks,
    track,
    locked,
    system: (action, target, outcome, details) => ({
      actor: 'system',
      action,
      sourceIp: null,
      target,
      outcome,
      ...(details ? { details } : {})
    }),
    async transition(session, to, fields, audit) {
      const moved = await deps.store.transitionSandboxSession(
        session.id,
        statesBefore(to),
        { ...fields, state: to },
        audit
      )
      if (moved) events.state(session.id, to)
      return moved
    },
    standing,
    async checkEligible(user, projectId) {
      return (await standing(user, projectId)).reasons
    }
  }
}
