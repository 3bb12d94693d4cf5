import type { AuditEvent } from '../audit/record.js'

/** The sandbox-session aggregate: each analysis session, from its start to its end. */

export type SandboxSessionState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

export interface SandboxSessionRow {
  id: string
  userId: string
  projectId: string
  state: SandboxSessionState
  /** why it ended or failed, in a sentence */
  reason: string | null
  sandboxId: string | null
  runtime: string
  image: string
  /** the sandbox policy it was launched under */
  limits: Record<string, unknown>
  createdAt: string
  startedAt: string | null
  endedAt: string | null
}

export interface SandboxSessionStore {
  /** identifies this gateway's sandboxes on a shared engine; stable across restarts */
  gatewayId(): Promise<string>
  createSandboxSession(row: SandboxSessionRow, audit: AuditEvent): Promise<void>
  /**
   * Moves a session from one of `from` to a new state (and sets the other fields given); false when
   * the session was not in one of `from` any more, so two racing transitions can't both win.
   */
  transitionSandboxSession(
    id: string,
    from: SandboxSessionState[],
    to: Partial<Omit<SandboxSessionRow, 'id' | 'userId' | 'projectId'>> & { state: SandboxSessionState },
    audit: AuditEvent
  ): Promise<boolean>
  getSandboxSession(id: string): Promise<SandboxSessionRow | null>
  listSandboxSessions(filter: { userId?: string; states?: SandboxSessionState[] }): Promise<SandboxSessionRow[]>
  /** Replaces the limits recorded for a session (a policy change applied to it while it runs). */
  updateSandboxSessionLimits(id: string, limits: Record<string, unknown>, audit: AuditEvent): Promise<void>
}
