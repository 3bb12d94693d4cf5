import type { FastifyBaseLogger } from 'fastify'
import type { AppendResult, DataOperation, DataOperationLog, SourceSummary } from '../audit/data-operations.js'
import { summarizeSource } from '../audit/data-operations.js'
import type { AuditOutcome } from '../audit/record.js'
import { Errors, type QuotaFigures, quotaExceeded } from '../errors.js'
import { DEFAULT_QUOTAS, type Policy } from '../policy/schema.js'
import type { Store } from '../store/types.js'

/** Who runs a cell, and from where: what their records name. */
export interface Caller {
  actor: string
  sourceIp: string | null
}

/** The session a cell runs in, as its records and quota need it. */
export interface CellSession {
  id: string
  projectId: string
}

/** Output kinds an audit record names one by one; past them it gives the count. */
const NAMED_OUTPUTS = 20

/** A cell's outputs as its audit record names them: a cell printing in a loop can't lengthen the record. */
export function outputKinds(outputs: { type: string; rowCount?: number }[]): string[] {
  const named = outputs.slice(0, NAMED_OUTPUTS).map((o) => (o.type === 'table' ? `table ${o.rowCount} rows` : o.type))
  if (outputs.length > NAMED_OUTPUTS) named.push(`${outputs.length - NAMED_OUTPUTS} more`)
  return named
}

/** A text a researcher controls (an error's message), cut to what an audit record keeps. */
export const bounded = (text: string) => (text.length > 512 ? `${text.slice(0, 512)}…` : text)

export interface DataOperationRecordDeps {
  store: Pick<Store, 'appendAudit' | 'cellExportSourceBytes'>
  dataOperations: Pick<DataOperationLog, 'append'>
  policyFor: (projectId: string) => Pick<Policy, 'quotas'>
  now: () => Date
  log: Pick<FastifyBaseLogger, 'error'>
}

/**
 * The data-operation log as cells use it: the whole source is written to the session's log before
 * the cell runs or is exported, and the audit record keeps its digest and an excerpt.
 */
export function createDataOperationRecord(deps: DataOperationRecordDeps) {
  /**
   * Logs `op`'s source and gives what its audit record keeps instead of it. Refused, and audited as
   * denied with the figures, when the session's log would pass the policy's quota (cell exports'
   * sources, kept for the airlock's recount, count against it too); refused with a 503 when the
   * log cannot be written. Either way the cell does not run.
   */
  return async function record(
    caller: Caller,
    session: CellSession,
    op: { action: DataOperation['action']; language: string; source: string; name?: string }
  ): Promise<SourceSummary> {
    const summary = summarizeSource(op.source)
    const audit = (outcome: AuditOutcome, details: Record<string, unknown>) =>
      deps.store.appendAudit({
        actor: caller.actor,
        action: op.action,
        sourceIp: caller.sourceIp,
        target: session.id,
        outcome,
        details: { language: op.language, ...(op.name === undefined ? {} : { name: op.name }), ...summary, ...details }
      })
    const quotaBytes = (deps.policyFor(session.projectId).quotas ?? DEFAULT_QUOTAS).dataOperationLogBytesPerSession
    let result: AppendResult
    try {
      result = await deps.dataOperations.append(
        {
          at: deps.now().toISOString(),
          actor: caller.actor,
          action: op.action,
          session: session.id,
          language: op.language,
          sha256: summary.sourceSha256,
          source: op.source,
          ...(op.name === undefined ? {} : { name: op.name })
        },
        { quotaBytes, otherBytes: await deps.store.cellExportSourceBytes(session.id) }
      )
    } catch (err) {
      deps.log.error({ err, session: session.id }, 'the data-operation log could not be written')
      await audit('error', { reason: 'the data-operation log could not be written' }).catch(() => undefined)
      throw new Errors.AuditUnavailable()
    }
    if ('refused' in result) {
      const figures: QuotaFigures = { quota: 'dataOperationLogBytesPerSession', ...result.refused }
      const what = op.action === 'cell.run' ? 'The cell was not run' : 'The result was not exported'
      const message =
        `This session's data-operation log is full: it holds ${figures.usedBytes} of the ${figures.quotaBytes} bytes ` +
        `the policy allows (quotas.dataOperationLogBytesPerSession), and this source needs ${figures.requestedBytes} more. ` +
        `${what}; a new session starts a new log.`
      await audit('denied', { reason: message, ...figures })
      throw quotaExceeded(message, figures)
    }
    return summary
  }
}

export type DataOperationRecord = ReturnType<typeof createDataOperationRecord>
