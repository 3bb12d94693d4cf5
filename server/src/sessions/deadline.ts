import type { AuditEvent } from '../audit/record.js'
import type { SandboxDriver } from '../sandbox/driver.js'
import type { Store } from '../store/types.js'

/**
 * A sandbox ends itself at its deadline: the longest session its policy allows, counted from the
 * moment the session was asked for, plus a grace. The grace gives the gateway room to end the
 * session first, the orderly way (the reaper's next pass, the workspace saved); the deadline is
 * what holds when no gateway watches any more. A tenth of the longest session, at least 30 s and
 * at most 5 minutes.
 */
export function deadlineGraceMs(maxDurationMinutes: number): number {
  return Math.min(5 * 60_000, Math.max(30_000, maxDurationMinutes * 6_000))
}

/** When a session's sandbox ends itself, whatever happens to the gateway. */
export function sandboxDeadline(createdAt: string, maxDurationMinutes: number): Date {
  return new Date(Date.parse(createdAt) + maxDurationMinutes * 60_000 + deadlineGraceMs(maxDurationMinutes))
}

/**
 * A sandbox that carries no deadline (made before sandboxes had one) is held to the longest session
 * any policy may set (a week), plus the longest grace, from when it was made.
 */
const UNLABELLED_LIFETIME_MS = 7 * 24 * 60 * 60_000 + 5 * 60_000

/**
 * How long after its deadline another gateway's sandbox is removed: the sandbox ends itself at its
 * deadline, and what is left is cleared away a minute later, never racing the sandbox's own end.
 */
export const EXPIRED_REMOVAL_MARGIN_MS = 60_000

/** The label every sandbox carries that names the gateway that owns it. */
const GATEWAY_LABEL = 'vre.gateway'

export interface ExpiredSandbox {
  id: string
  gateway: string
  session: string | null
  deadline: string | null
  running: boolean
}

/**
 * Removes the sandboxes of other gateways on this engine a minute past their deadline. Their
 * gateway is gone (its data directory removed, the host repurposed) or would have ended them
 * already; each ends itself at its deadline, and this removes what is left, with an audit record
 * first (if the audit cannot be written, nothing is removed). This gateway's own sandboxes are its
 * reconcile's business.
 */
export async function removeExpiredSandboxes(deps: {
  driver: SandboxDriver
  store: Pick<Store, 'appendAudit'>
  gatewayId: string
  now: () => Date
}): Promise<ExpiredSandbox[]> {
  const t = deps.now().getTime()
  const removed: ExpiredSandbox[] = []
  for (const sb of await deps.driver.list({ [GATEWAY_LABEL]: true })) {
    const gateway = sb.labels[GATEWAY_LABEL] ?? ''
    if (gateway === deps.gatewayId) continue
    const until = sb.deadline?.getTime() ?? sb.createdAt.getTime() + UNLABELLED_LIFETIME_MS
    if (t < until + EXPIRED_REMOVAL_MARGIN_MS) continue
    const entry: ExpiredSandbox = {
      id: sb.id,
      gateway,
      session: sb.labels['vre.session'] ?? null,
      deadline: sb.deadline?.toISOString() ?? null,
      running: sb.running
    }
    const event: AuditEvent = {
      actor: 'system',
      action: 'sandbox.expired_removed',
      sourceIp: null,
      target: sb.id,
      outcome: 'success',
      details: {
        gateway,
        session: entry.session,
        user: sb.labels['vre.user'] ?? null,
        project: sb.labels['vre.project'] ?? null,
        deadline: entry.deadline,
        // a sandbox still running past its deadline means its init failed to end it: worth a look
        stillRunning: sb.running
      }
    }
    await deps.store.appendAudit(event)
    await deps.driver.stop(sb.id)
    removed.push(entry)
  }
  return removed
}
