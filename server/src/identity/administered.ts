import type { AuditAction } from '../audit/actions.js'
import { recordingRefusals, refusalsOf } from '../audit/refusals.js'
import type { Store } from '../store/types.js'
import { InvalidInput } from './accounts.js'
import type { Actor } from './administration.js'

/**
 * Runs an administrator's change. A refusal by the identity rules (InvalidInput and its kin) is
 * audited as denied, with the reason, and goes on to the caller, who reads it as a sentence; nothing
 * was written for it.
 */
export function administered<T>(
  store: Pick<Store, 'appendAudit'>,
  by: Actor,
  action: AuditAction,
  target: string | null,
  change: () => Promise<T>
): Promise<T> {
  return recordingRefusals(
    store,
    { actor: by.actor, action, sourceIp: by.sourceIp, target },
    change,
    refusalsOf(InvalidInput)
  )
}

/**
 * Ends what a change has taken the right to: live sessions of people who may no longer work, and
 * the votes of reviewers no longer independent (recorded as `by`'s change). Run after a change is
 * written; a failure is logged and the reaper, or the independence check on every look, catches up.
 */
export type EnforceNow = (by?: Actor) => Promise<void>

export interface EnforceDeps {
  endLapsed: () => Promise<string[]>
  recheckIndependence: (by: { actor: string; sourceIp: string | null }) => Promise<unknown>
  log: { info: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void }
}

export function enforcingNow(deps: EnforceDeps): EnforceNow {
  return async (by) => {
    try {
      const ending = await deps.endLapsed()
      if (ending.length > 0) deps.log.info({ sessions: ending }, 'ending sessions whose right to work lapsed')
    } catch (err) {
      deps.log.error({ err }, 'could not end lapsed sessions now; the reaper will')
    }
    try {
      await deps.recheckIndependence(by ?? { actor: 'system', sourceIp: null })
    } catch (err) {
      deps.log.error({ err }, 'could not drop the votes of reviewers no longer independent; they count for nothing')
    }
  }
}
