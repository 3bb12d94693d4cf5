import { type SessionCore } from './core.js'
import { removeExpiredSandboxes } from './deadline.js'
import { LABELS } from './sandbox-spec.js'
import type { Stop } from './stop.js'
import { LIVE_STATES } from './transitions.js'

export interface Reconciled {
  /** sessions whose running sandbox this gateway took back */
  adopted: string[]
  /** sandboxes removed because no live session owned them */
  removed: string[]
  /** sessions failed because their sandbox was gone */
  failed: string[]
  /** other gateways' sandboxes removed past their deadline */
  expired: string[]
}

/**
 * After a restart (after JupyterHub's init_spawners): adopt this gateway's sandboxes whose sessions
 * are running (found by the sandbox id on record, which is how a claimed pooled sandbox is known),
 * remove the ones no session owns (unclaimed pooled ones too: the pool starts afresh), and fail the
 * sessions whose sandbox vanished. Nothing is lost or left behind.
 */
export function createReconcile(core: SessionCore, stop: Stop) {
  const { store, driver, now } = core.deps

  return async function reconcile(): Promise<Reconciled> {
    const gatewayId = await store.gatewayId()
    const expired = await removeExpiredSandboxes({ driver, store, gatewayId, now })
    const sandboxes = await driver.list({ [LABELS.gateway]: gatewayId })
    const live = await store.listSandboxSessions({ states: LIVE_STATES })
    const byId = new Map(live.map((s) => [s.id, s]))
    // a sandbox started ahead carries no session label: a claim is known by its sandbox id alone
    const bySandbox = new Map(live.filter((s) => s.sandboxId !== null).map((s) => [s.sandboxId!, s]))
    const result: Reconciled = { adopted: [], removed: [], failed: [], expired: expired.map((e) => e.id) }
    const seen = new Set<string>()
    /** sessions whose sandbox ended itself at its deadline while the gateway was away */
    const pastDeadline = new Set<string>()
    for (const sb of sandboxes) {
      const session = bySandbox.get(sb.id) ?? byId.get(sb.labels[LABELS.session] ?? '')
      if (session !== undefined && session.state === 'running' && sb.running && session.sandboxId === sb.id) {
        seen.add(session.id)
        core.lastActivity.set(session.id, now().getTime())
        result.adopted.push(session.id)
        await store.appendAudit(core.system('session.adopted', session.id, 'success', { sandbox: sb.id }))
        continue
      }
      if (session !== undefined && session.state === 'stopping') {
        seen.add(session.id)
        await core.locked(session.id, () => stop.finishStop({ ...session, sandboxId: sb.id }))
        continue
      }
      if (session !== undefined && sb.deadline !== null && now() >= sb.deadline) pastDeadline.add(session.id)
      await driver.stop(sb.id)
      result.removed.push(sb.id)
      await store.appendAudit(
        core.system('sandbox.orphan_removed', sb.id, 'success', {
          session: sb.labels[LABELS.session] ?? null,
          sessionState: session?.state ?? 'unknown'
        })
      )
    }
    for (const s of live) {
      if (seen.has(s.id)) continue
      if (s.state === 'stopping') {
        await core.locked(s.id, () => stop.finishStop({ ...s, sandboxId: null }))
        continue
      }
      const reason = pastDeadline.has(s.id)
        ? 'the sandbox reached its deadline (the longest session its policy allows) and ended itself while the gateway was away'
        : s.state === 'starting'
          ? 'the gateway restarted while the sandbox was starting'
          : 'the sandbox was gone when the gateway restarted'
      await stop.fail({ ...s, sandboxId: null }, reason)
      result.failed.push(s.id)
    }
    return result
  }
}
