import type { LiveApplied } from '../schemas/policies.js'
import { type LiveLimitChange, NEW_SESSION_KEYS } from '../sessions/session-service.js'
import type { Policy } from './schema.js'

/**
 * What a policy now in force did to the running sessions, said to the administrator who changed
 * it: the limits each session took, those it could not change in place and why, sessions still
 * starting, and the keys that apply to new sessions only (`before` null: a new policy, nothing to
 * compare).
 */
export function liveApplied(
  applied: { changes: LiveLimitChange[]; pending: string[] },
  before: Policy | null,
  after: Policy
): LiveApplied {
  const { changes, pending } = applied
  const newSessionsOnly =
    before === null
      ? []
      : NEW_SESSION_KEYS.filter((k) => before.sandbox[k] !== after.sandbox[k]).map((k) => `sandbox.${k}`)
  const took = changes.filter((c) => c.applied.length > 0).length
  const refused = changes.flatMap((c) => c.notApplied)
  const parts = [
    changes.length === 0
      ? 'No running session needed a change.'
      : `${took} running session${took === 1 ? '' : 's'} took the new limits.`,
    ...(refused.length > 0
      ? [`Not changed in place: ${[...new Set(refused.map((r) => `${r.key} (${r.reason})`))].join('; ')}.`]
      : []),
    ...(pending.length > 0 ? [`${pending.length} session(s) still starting get it once they run.`] : []),
    ...(newSessionsOnly.length > 0 ? [`${newSessionsOnly.join(', ')} apply to new sessions only.`] : [])
  ]
  return {
    sessions: changes.map((c) => ({
      sessionId: c.sessionId,
      projectId: c.projectId,
      applied: c.applied.map((a) => ({ key: a.key, from: a.from, to: a.to })),
      notApplied: c.notApplied.map((n) => ({ key: n.key, to: n.to, reason: n.reason }))
    })),
    pending,
    newSessionsOnly,
    note: parts.join(' ')
  }
}
