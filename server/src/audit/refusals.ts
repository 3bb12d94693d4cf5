import { DomainError, quotaFiguresOf } from '../errors.js'
import type { AuditAction } from './actions.js'
import type { AuditEvent } from './record.js'

/**
 * Refusals are recorded too, so attempts are visible and not only what happened: one shape for
 * every capability (outcome `denied`, the attempt's own details, then why), built here.
 */

/** Who attempted what, on what, from where: what the refusal of it records. */
export interface Attempt {
  actor: string
  action: AuditAction
  sourceIp: string | null
  target: string | null
  details?: object
}

/** Where a refusal is appended: any store. */
export interface AuditSink {
  appendAudit(event: AuditEvent): Promise<unknown>
}

/** The audit event of an attempt refused: the attempt's details, then why (`particulars`). */
export function refusal(attempt: Attempt, particulars: Record<string, unknown>): AuditEvent {
  return {
    actor: attempt.actor,
    action: attempt.action,
    sourceIp: attempt.sourceIp,
    target: attempt.target,
    outcome: 'denied',
    details: { ...attempt.details, ...particulars }
  }
}

/** Which errors of an attempt are refusals to record (the rest go on unrecorded), and what each adds. */
export interface RefusalRule {
  refused: (err: unknown) => boolean
  particulars: (err: unknown) => Record<string, unknown>
}

const statusOf = (err: unknown) => (err as { statusCode?: unknown } | null)?.statusCode
const isClientError = (err: unknown) => {
  const status = statusOf(err)
  return typeof status === 'number' && status >= 400 && status < 500
}

/**
 * The airlock's: any 4xx, with the status answered and the real reason (`why`), which may say more
 * than the caller was told (a request they may not see is "no such request" to them), and a quota's
 * figures.
 */
export const withStatusAndRealReason: RefusalRule = {
  refused: isClientError,
  particulars: (err) => ({
    status: statusOf(err),
    reason: (err as { why?: string }).why ?? (err as Error).message,
    ...quotaFiguresOf(err)
  })
}

/** A submission's: any 4xx, with the sentence the caller got and a quota's figures. */
export const withSentenceTold: RefusalRule = {
  refused: isClientError,
  particulars: (err) => ({ reason: (err as Error).message, ...quotaFiguresOf(err) })
}

/** Refusals of one kind of domain error only, recorded with its message. */
export function refusalsOf(kind: abstract new (...args: never[]) => DomainError): RefusalRule {
  return { refused: (err) => err instanceof kind, particulars: (err) => ({ reason: (err as Error).message }) }
}

/**
 * Runs `act`; a refusal (by `rule`) is appended to the audit before the error goes on to the
 * caller. Should that append fail, its failure goes on instead: a refusal is not lost silently.
 */
export async function recordingRefusals<T>(
  audit: AuditSink,
  attempt: Attempt,
  act: () => Promise<T>,
  rule: RefusalRule = withStatusAndRealReason
): Promise<T> {
  try {
    return await act()
  } catch (err) {
    if (rule.refused(err)) await audit.appendAudit(refusal(attempt, rule.particulars(err)))
    throw err
  }
}
