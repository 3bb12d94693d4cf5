import type { PendingChangeView } from '../schemas/approvals.js'
import type { PendingChangeRow } from '../store/pending-changes.js'
import type { Store } from '../store/types.js'
import { shownChange } from './approval-service.js'
import { describeChange } from './describe.js'

type People = Pick<Store, 'getUserById'>

async function person(store: People, id: string) {
  const u = await store.getUserById(id)
  return { id, username: u?.username ?? id, displayName: u?.displayName ?? id }
}

/** A pending change as `viewerId` reads it: what it does, who asked and why, and what they may do with it. */
export async function pendingView(store: People, row: PendingChangeRow, viewerId: string): Promise<PendingChangeView> {
  // the version's full text stays on the server (its diff says what changes), and so does a link part's hash
  const change = shownChange(row.change)
  const through = row.change.enrolledThrough as
    { issuedBy: string; usedAt: string; byAsker: boolean } | null | undefined
  const own = row.requestedBy === viewerId
  const open = row.state === 'pending'
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    target: row.target,
    summary: describeChange(row),
    change,
    reason: row.reason,
    requestedBy: await person(store, row.requestedBy),
    requestedAt: row.requestedAt,
    decidedBy: row.decidedBy === null ? null : await person(store, row.decidedBy),
    decidedAt: row.decidedAt,
    decisionReason: row.decisionReason,
    enrolledThrough:
      through === null || through === undefined
        ? null
        : { issuedBy: await person(store, through.issuedBy), usedAt: through.usedAt, byAsker: through.byAsker },
    mayApprove: open && !own,
    mayWithdraw: open && own,
    whyNot: !open
      ? `It was ${row.state}.`
      : own
        ? 'You asked for this change: another administrator approves or refuses it.'
        : null
  }
}
