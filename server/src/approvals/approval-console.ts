import { administered, type EnforceNow } from '../identity/administered.js'
import type { Actor } from '../identity/administration.js'
import type { PendingChangeView } from '../schemas/approvals.js'
import type { PendingState } from '../store/pending-changes.js'
import type { ApprovalDeps } from './approval-service.js'
import { approveChange, refuseChange, withdrawChange } from './index.js'
import { pendingView } from './pending-view.js'

export interface ApprovalConsoleDeps extends ApprovalDeps {
  enforceNow: EnforceNow
  /** brings the policy now in force to running sessions, as a saved policy does */
  applyPolicy: (by: { actor: string; sourceIp: string | null }) => Promise<unknown>
}

/**
 * Pending changes: listed for every administrator, approved or refused by one who did not ask for
 * them, withdrawn by the one who did; each decision and refusal audited. An approval carries the
 * change out (a policy change reaches running sessions as a saved one does; an account change
 * takes effect on live sessions at once) and hands the approver part 2 of the enrolment link of an
 * account it created or reset.
 */
export function createApprovalConsole(deps: ApprovalConsoleDeps) {
  const { store } = deps
  return {
    async list(state: PendingState | 'all', viewer: string): Promise<PendingChangeView[]> {
      const rows = await store.approvals.list({ ...(state === 'all' ? {} : { states: [state] }), limit: 200 })
      return Promise.all(rows.map((r) => pendingView(store, r, viewer)))
    },

    async approve(id: string, by: Actor, baseUrl: string) {
      const done = await administered(store, by, 'approval.approve', id, () => approveChange(deps, id, by, baseUrl))
      if (done.row.kind === 'policy.update' || done.row.kind === 'project.policy') {
        await deps.applyPolicy({ actor: by.actor, sourceIp: by.sourceIp })
      } else {
        await deps.enforceNow(by)
      }
      return {
        change: await pendingView(store, done.row, by.actor),
        // part 2 of the link of an account created or reset: for the approver alone, shown only now
        enrolment: done.enrolment === null ? null : { username: String(done.row.change.username), ...done.enrolment }
      }
    },

    async refuse(id: string, reason: string | undefined, by: Actor): Promise<PendingChangeView> {
      const row = await administered(store, by, 'approval.refuse', id, () => refuseChange(deps, id, reason, by))
      return pendingView(store, row, by.actor)
    },

    async withdraw(id: string, by: Actor): Promise<PendingChangeView> {
      const row = await administered(store, by, 'approval.withdraw', id, () => withdrawChange(deps, id, by))
      return pendingView(store, row, by.actor)
    }
  }
}

export type ApprovalConsole = ReturnType<typeof createApprovalConsole>
