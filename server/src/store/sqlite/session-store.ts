import type { AuditEvent } from '../../audit/record.js'
import type { SandboxSessionRow, SandboxSessionState, SandboxSessionStore } from '../sandbox-sessions.js'
import type { SqliteCore } from './core.js'
import { type Row, str, strOrNull } from './row.js'
import { ifSet, inList, whereOf } from './where.js'

function toSandboxSession(r: Row): SandboxSessionRow {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    projectId: str(r.project_id),
    state: str(r.state) as SandboxSessionState,
    reason: strOrNull(r.reason),
    sandboxId: strOrNull(r.sandbox_id),
    runtime: str(r.runtime),
    image: str(r.image),
    limits: JSON.parse(str(r.limits)) as Record<string, unknown>,
    createdAt: str(r.created_at),
    startedAt: strOrNull(r.started_at),
    endedAt: strOrNull(r.ended_at)
  }
}

/** The columns a transition may set, by field. */
const COLUMNS: Record<string, string> = {
  state: 'state',
  reason: 'reason',
  sandboxId: 'sandbox_id',
  runtime: 'runtime',
  image: 'image',
  startedAt: 'started_at',
  endedAt: 'ended_at'
}

/** Thrown inside a transaction to undo it: the session was no longer in a state the transition starts from. */
class TransitionLost extends Error {}

/** Sandbox sessions on SQLite; every write goes through `audited`. */
export class SqliteSandboxSessionStore implements SandboxSessionStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  async gatewayId(): Promise<string> {
    return str((this.q("SELECT value FROM settings WHERE key = 'gateway_id'").get() as Row).value)
  }

  async createSandboxSession(row: SandboxSessionRow, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () =>
      this.q(
        `INSERT INTO sandbox_sessions (id, user_id, project_id, state, reason, sandbox_id, runtime, image, limits,
           created_at, started_at, ended_at)
         VALUES (@id, @userId, @projectId, @state, @reason, @sandboxId, @runtime, @image, @limits,
           @createdAt, @startedAt, @endedAt)`
      ).run({ ...row, limits: JSON.stringify(row.limits) })
    )
  }

  async transitionSandboxSession(
    id: string,
    from: SandboxSessionState[],
    to: Partial<Omit<SandboxSessionRow, 'id' | 'userId' | 'projectId'>> & { state: SandboxSessionState },
    audit: AuditEvent
  ): Promise<boolean> {
    const sets: string[] = []
    const params: Record<string, unknown> = { id }
    for (const [key, value] of Object.entries(to)) {
      const column = COLUMNS[key]
      if (column === undefined) throw new Error(`cannot set ${key} on a session`)
      sets.push(`${column} = @${key}`)
      params[key] = value
    }
    const placeholders = from.map((_, i) => `@from${i}`)
    from.forEach((f, i) => (params[`from${i}`] = f))
    try {
      this.core.audited(audit, () => {
        const changed = this.q(
          `UPDATE sandbox_sessions SET ${sets.join(', ')} WHERE id = @id AND state IN (${placeholders.join(', ')})`
        ).run(params)
        if (changed.changes !== 1) throw new TransitionLost()
      })
      return true
    } catch (err) {
      if (err instanceof TransitionLost) return false
      throw err
    }
  }

  async getSandboxSession(id: string): Promise<SandboxSessionRow | null> {
    const r = this.q('SELECT * FROM sandbox_sessions WHERE id = ?').get(id) as Row | undefined
    return r ? toSandboxSession(r) : null
  }

  async listSandboxSessions(filter: { userId?: string; states?: SandboxSessionState[] }): Promise<SandboxSessionRow[]> {
    const where = whereOf([ifSet('user_id = ?', filter.userId), inList('state', filter.states)])
    const sql = `SELECT * FROM sandbox_sessions ${where.sql} ORDER BY created_at DESC`
    return (this.q(sql).all(...where.params) as Row[]).map(toSandboxSession)
  }

  async updateSandboxSessionLimits(id: string, limits: Record<string, unknown>, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () => {
      const changed = this.q('UPDATE sandbox_sessions SET limits = ? WHERE id = ?').run(JSON.stringify(limits), id)
      if (changed.changes !== 1) throw new Error(`there is no session ${id}`)
    })
  }
}
