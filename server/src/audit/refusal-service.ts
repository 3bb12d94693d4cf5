import {
  type Attempt,
  type AuditSink,
  recordingRefusals,
  refusal,
  type RefusalRule,
  withStatusAndRealReason
} from './refusals.js'

/**
 * Refusals on record, for the gates in front of the services (sign-in and role, eligibility, a
 * submission's input): each refusal one audit record of the shape refusals.ts builds.
 */
export function createRefusalService(audit: AuditSink) {
  return {
    /** Records that `attempt` was refused, and why (`particulars`). */
    async record(attempt: Attempt, particulars: Record<string, unknown> = {}): Promise<void> {
      await audit.appendAudit(refusal(attempt, particulars))
    },
    /** Runs `act`; a refusal by `rule` is recorded before its error goes on to the caller. */
    recording: <T>(attempt: Attempt, act: () => Promise<T>, rule: RefusalRule = withStatusAndRealReason) =>
      recordingRefusals(audit, attempt, act, rule)
  }
}

export type RefusalService = ReturnType<typeof createRefusalService>
