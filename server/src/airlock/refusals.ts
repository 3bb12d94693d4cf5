import { quotaFiguresOf } from '../errors.js'
import type { Store } from '../store/types.js'

/** Who is acting, from where: what every airlock action records. */
export interface Context {
  sourceIp: string | null
}

/**
 * Runs an airlock action; a refusal (any 4xx) is recorded in the audit log with its reason before
 * it reaches the caller, so attempts are visible too. The reason recorded is the real one even
 * where the caller is told only that there is no such request.
 */
export async function recordingRefusals<T>(
  store: Store,
  attempt: { actor: string; action: string; sourceIp: string | null; target: string | null; details?: object },
  act: () => Promise<T>
): Promise<T> {
  try {
    return await act()
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      await store.appendAudit({
        actor: attempt.actor,
        action: attempt.action,
        sourceIp: attempt.sourceIp,
        target: attempt.target,
        outcome: 'denied',
        details: {
          ...attempt.details,
          status,
          reason: (err as { why?: string }).why ?? (err as Error).message,
          ...quotaFiguresOf(err)
        }
      })
    }
    throw err
  }
}
