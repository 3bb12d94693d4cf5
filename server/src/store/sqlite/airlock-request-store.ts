import type { AuditEvent } from '../../audit/record.js'
import type {
  AirlockFileRow,
  AirlockRequestDetail,
  AirlockRequestRow,
  AirlockRequestStore,
  AirlockState,
  CellExportRow
} from '../airlock.js'
import { toAirlockFile, toAirlockRequest } from './airlock-rows.js'
import { SqliteAirlockStore } from './airlock-store.js'
import type { SqliteCore } from './core.js'
import { type Row, str } from './row.js'
import { ifSet, inList, whereOf } from './where.js'

/**
 * The airlock's requests on SQLite as read across projects, and the cell exports their files came
 * from; `airlock` holds the review moves. Every write goes through `audited`.
 */
export class SqliteAirlockRequestStore implements AirlockRequestStore {
  readonly airlock: SqliteAirlockStore

  constructor(private readonly core: SqliteCore) {
    this.airlock = new SqliteAirlockStore(core)
  }

  private q(sql: string) {
    return this.core.q(sql)
  }

  async recordCellExport(row: CellExportRow, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () =>
      this.q(
        `INSERT INTO cell_exports (sha256, session_id, user_id, name, language, source, rows, created_at, residual_df)
         VALUES (@sha256, @sessionId, @userId, @name, @language, @source, @rows, @createdAt, @residualDf)`
      ).run({ ...row, residualDf: row.residualDf ?? null })
    )
  }

  async findCellExport(file: {
    sha256: string
    userId: string
    name: string
    projectId: string
  }): Promise<CellExportRow | null> {
    const r = this.q(
      `SELECT e.* FROM cell_exports e JOIN sandbox_sessions s ON s.id = e.session_id
         WHERE e.sha256 = @sha256 AND e.user_id = @userId AND e.name = @name AND s.project_id = @projectId
         ORDER BY e.created_at DESC, e.rowid DESC LIMIT 1`
    ).get(file) as Row | undefined
    if (r === undefined) return null
    return {
      sha256: str(r.sha256),
      sessionId: str(r.session_id),
      userId: str(r.user_id),
      name: str(r.name),
      language: str(r.language) as CellExportRow['language'],
      source: str(r.source),
      rows: Number(r.rows),
      createdAt: str(r.created_at),
      residualDf: r.residual_df === null || r.residual_df === undefined ? null : Number(r.residual_df)
    }
  }

  async cellExportSourceBytes(sessionId: string): Promise<number> {
    const r = this.q(
      'SELECT coalesce(sum(length(CAST(source AS BLOB))), 0) AS n FROM cell_exports WHERE session_id = ?'
    ).get(sessionId) as Row
    return Number(r.n)
  }

  async getAirlockRequest(id: string): Promise<AirlockRequestDetail | null> {
    return this.airlock.detail(id)
  }

  async listAirlockRequests(filter: {
    direction?: 'export' | 'import'
    requesterId?: string
    projectId?: string
    states?: AirlockState[]
  }): Promise<AirlockRequestRow[]> {
    const where = whereOf([
      ifSet('direction = ?', filter.direction),
      ifSet('requester_id = ?', filter.requesterId),
      ifSet('project_id = ?', filter.projectId),
      inList('state', filter.states)
    ])
    const sql = `SELECT * FROM airlock_requests ${where.sql} ORDER BY updated_at DESC, id`
    return (this.q(sql).all(...where.params) as Row[]).map(toAirlockRequest)
  }

  async isDigestReferenced(sha256: string): Promise<boolean> {
    return (
      this.q(
        `SELECT 1 FROM airlock_files f JOIN airlock_requests r ON r.id = f.request_id
         WHERE f.sha256 = ? AND r.state NOT IN ('withdrawn', 'rejected') LIMIT 1`
      ).get(sha256) !== undefined
    )
  }

  async quarantineHoldings(projectId: string): Promise<{ sha256: string; size: number }[]> {
    return (
      this.q(
        `SELECT f.sha256, max(f.size) AS size FROM airlock_files f JOIN airlock_requests r ON r.id = f.request_id
         WHERE r.project_id = ? AND r.state NOT IN ('withdrawn', 'rejected') GROUP BY f.sha256`
      ).all(projectId) as Row[]
    ).map((r) => ({ sha256: str(r.sha256), size: Number(r.size) }))
  }

  async listReleasedFiles(projectId: string): Promise<AirlockFileRow[]> {
    return (
      this.q(
        `SELECT f.* FROM airlock_files f JOIN airlock_requests r ON r.id = f.request_id AND r.round = f.round
         WHERE r.project_id = ? AND r.direction = 'export' AND r.state = 'released' ORDER BY r.released_at, f.name`
      ).all(projectId) as Row[]
    ).map(toAirlockFile)
  }
}
