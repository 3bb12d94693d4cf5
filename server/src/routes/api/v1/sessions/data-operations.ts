import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AppendResult, DataOperation, SourceSummary } from '../../../../audit/data-operations.js'
import { summarizeSource } from '../../../../audit/data-operations.js'
import type { AuditOutcome } from '../../../../audit/record.js'
import { Errors, type QuotaFigures, quotaExceeded } from '../../../../errors.js'
import { DEFAULT_QUOTAS } from '../../../../policy/schema.js'
import type { SandboxSessionRow } from '../../../../store/types.js'

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

/**
 * The data-operation log as the cell routes use it: the whole source is written to the session's
 * log before the cell runs or is exported, and the audit record keeps its digest and an excerpt.
 */
export function dataOperations(app: FastifyInstance) {
  /**
   * Logs `op`'s source and gives what its audit record keeps instead of it. Refused, and audited as
   * denied with the figures, when the session's log would pass the policy's quota (cell exports'
   * sources, kept for the airlock's recount, count against it too); refused with a 503 when the
   * log cannot be written. Either way the cell does not run.
   */
  async function record(
    request: FastifyRequest,
    session: SandboxSessionRow,
    op: { action: DataOperation['action']; language: string; source: string; name?: string }
  ): Promise<SourceSummary> {
    const user = request.principal!.user
    const summary = summarizeSource(op.source)
    const audit = (outcome: AuditOutcome, details: Record<string, unknown>) =>
      app.store.appendAudit({
        actor: user.id,
        action: op.action,
        sourceIp: request.ip,
        target: session.id,
        outcome,
        details: { language: op.language, ...(op.name === undefined ? {} : { name: op.name }), ...summary, ...details }
      })
    const quotaBytes = (app.policyFor(session.projectId).quotas ?? DEFAULT_QUOTAS).dataOperationLogBytesPerSession
    let result: AppendResult
    try {
      result = await app.dataOperations.append(
        {
          at: app.now().toISOString(),
          actor: user.id,
          action: op.action,
          session: session.id,
          language: op.language,
          sha256: summary.sourceSha256,
          source: op.source,
          ...(op.name === undefined ? {} : { name: op.name })
        },
        { quotaBytes, otherBytes: await app.store.cellExportSourceBytes(session.id) }
      )
    } catch (err) {
      request.log.error({ err, session: session.id }, 'the data-operation log could not be written')
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

  return { record }
}
