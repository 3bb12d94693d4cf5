import type { AuditCheckpoint } from '../../audit/checkpoint.js'
import type { AuditEvent, AuditRecord } from '../../audit/record.js'
import type { AuditFilter, AuditStore } from '../audit-log.js'
import type { SqliteCore } from './core.js'
import { type Row, str, strOrNull } from './row.js'
import { ifSet, whereOf } from './where.js'

/** Audit records read per query when walking the log. */
const AUDIT_PAGE = 1000

function toAudit(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    ts: str(r.ts),
    actor: str(r.actor),
    action: str(r.action) as AuditRecord['action'],
    sourceIp: strOrNull(r.source_ip),
    target: strOrNull(r.target),
    outcome: str(r.outcome) as AuditRecord['outcome'],
    details: JSON.parse(str(r.details)) as Record<string, unknown>,
    prevHash: str(r.prev_hash),
    hash: str(r.hash)
  }
}

function toCheckpoint(r: Row): AuditCheckpoint {
  return { seq: Number(r.seq), hash: str(r.hash), signedAt: str(r.signed_at), signature: str(r.signature) }
}

/** The audit log on SQLite: its reading, and the append of a record that goes with no other change. */
export class SqliteAuditStore implements AuditStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  async appendAudit(event: AuditEvent): Promise<AuditRecord> {
    return this.core.db.transaction(() => this.core.appendInTx(event)).immediate()
  }

  /**
   * Reads the log a page at a time: an open cursor would hold the connection while the caller
   * (an export streamed to a slow client) waits between records, and every write would fail.
   */
  private async *auditPages(where: string, params: unknown[]): AsyncIterable<AuditRecord> {
    let after = -1
    for (;;) {
      const rows = this.q(`SELECT * FROM audit_log WHERE rowid > ? ${where} ORDER BY rowid LIMIT ${AUDIT_PAGE}`).all(
        after,
        ...params
      ) as Row[]
      for (const r of rows) yield toAudit(r)
      if (rows.length < AUDIT_PAGE) return
      after = Number(rows.at(-1)!.seq)
    }
  }

  auditRecords(): AsyncIterable<AuditRecord> {
    return this.auditPages('', [])
  }

  async auditCheckpoints(): Promise<AuditCheckpoint[]> {
    const kept = this.q('SELECT seq, hash, signed_at, signature FROM audit_checkpoints ORDER BY seq').all() as Row[]
    const head = this.q('SELECT seq, hash, signed_at, signature FROM audit_head WHERE id = 1').get() as Row | undefined
    const all = kept.map(toCheckpoint)
    if (head !== undefined && !all.some((c) => c.seq === Number(head.seq))) all.push(toCheckpoint(head))
    return all
  }

  async recentAudit(limit: number): Promise<AuditRecord[]> {
    return (this.q('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as Row[]).map(toAudit)
  }

  async searchAudit(f: AuditFilter): Promise<AuditRecord[]> {
    const where = whereOf([
      ifSet('actor = ?', f.actor),
      // an action names itself and everything under it: `export` finds `export.release`
      ifSet("(action = ? OR substr(action, 1, length(?) + 1) = ? || '.')", f.action),
      ifSet('outcome = ?', f.outcome),
      ifSet("(target = ? OR json_extract(details, '$.project') = ?)", f.project),
      ifSet("(target = ? OR json_extract(details, '$.session') = ?)", f.session),
      ifSet('ts >= ?', f.from),
      ifSet('ts < ?', f.to),
      ifSet('seq < ?', f.beforeSeq)
    ])
    const sql = `SELECT * FROM audit_log ${where.sql} ORDER BY seq DESC LIMIT ?`
    return (this.q(sql).all(...where.params, f.limit) as Row[]).map(toAudit)
  }

  auditRange(from: string, to: string): AsyncIterable<AuditRecord> {
    return this.auditPages('AND ts >= ? AND ts < ?', [from, to])
  }
}
