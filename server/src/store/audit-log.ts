import type { AuditCheckpoint } from '../audit/checkpoint.js'
import type { AuditEvent, AuditRecord } from '../audit/record.js'

/**
 * The audit log as stored: a hash chain with signed checkpoints. Every other aggregate's mutation
 * appends its records here in its own transaction; this is the log's own reading and the append
 * of a record that goes with no other change.
 */

/** What the audit console searches by; every field narrows, none is required. */
export interface AuditFilter {
  /** the acting user's id (or `system`, `cli:<name>`) */
  actor?: string
  /** an action (`export.submit`) or a family of them (`export`) */
  action?: string
  outcome?: AuditRecord['outcome']
  /** records about this project: as their target or naming it in their details */
  project?: string
  /** records about this analysis session: as their target or naming it in their details */
  session?: string
  /** ISO times: from inclusive, to exclusive */
  from?: string
  to?: string
  beforeSeq?: number
  limit: number
}

export interface AuditStore {
  /** An audit record that goes with no other change (a refused request, a failed check). */
  appendAudit(event: AuditEvent): Promise<AuditRecord>
  auditRecords(): AsyncIterable<AuditRecord>
  auditCheckpoints(): Promise<AuditCheckpoint[]>
  /** Newest first, for tests and the audit console. */
  recentAudit(limit: number): Promise<AuditRecord[]>
  /** The audit console's search: newest first, `limit` at most, older than `beforeSeq` when paging. */
  searchAudit(filter: AuditFilter): Promise<AuditRecord[]>
  /** Records with `from <= ts < to`, in chain order: an auditor's export. */
  auditRange(from: string, to: string): AsyncIterable<AuditRecord>
}
