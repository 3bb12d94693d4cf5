import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import type { IssuedHalf } from '../enrolment/links.js'
import { ConflictingInput, ForbiddenInput, InvalidInput, NotFoundInput } from '../identity/accounts.js'
import type { Actor } from '../identity/administration.js'
import type { PolicyService } from '../policy/policy-service.js'
import type { ApprovedEffect, PendingChangeRow, PendingKind } from '../store/pending-changes.js'
import type { Store } from '../store/types.js'

/**
 * Separation of duties for administrators: a change that could let one person release data is
 * asked for by one administrator, with a reason, and carried out only when a second one approves
 * it. Nobody approves or refuses their own request; the asker may withdraw it. An approval first
 * checks that the change still applies to what is there now (the account as it was, the policy
 * at its base version): if not, the change is refused with the reason. Every step is audited.
 */

export interface ApprovalDeps {
  store: Store
  policies: PolicyService
  now: () => Date
}

/** A change to ask for: what exactly, what it is asked against, and why. */
export interface Ask {
  kind: PendingKind
  subject: string
  target: string | null
  change: Record<string, unknown>
  guard: Record<string, unknown>
  reason: string | undefined
}

/**
 * What an approval carries out, prepared against the state now: the effect for the store, the
 * audit record of the change itself, part 2 of the link of an account it creates or resets (the
 * approver's to hand on), and what to refresh once it is written.
 */
export interface Prepared {
  effect: ApprovedEffect
  audit: AuditEvent
  enrolment: IssuedHalf | null
  after?: () => Promise<void>
}

/**
 * Where a request keeps the hash of part 1 of the enrolment link its approval makes: never shown
 * or audited (the view and the audit record leave it out), only used to make part 2.
 */
export const LINK_HALF_HASH = 'linkHalfHash'

/** A change as shown and audited: without a policy version's full text, nor a link part's hash. */
export function shownChange(change: Record<string, unknown>): Record<string, unknown> {
  const { yaml: _yaml, [LINK_HALF_HASH]: _hash, ...shown } = change
  return shown
}

/** Prepares a kind's change for approval, or throws InvalidInput with why it no longer applies. */
export type Preparer = (
  deps: ApprovalDeps,
  row: PendingChangeRow,
  by: Actor,
  context: { baseUrl: string; approval: Record<string, unknown> }
) => Promise<Prepared>

const MAX_REASON = 500

export function requiredReason(reason: string | undefined, what: string): string {
  const r = reason?.trim() ?? ''
  if (r === '')
    throw new InvalidInput(`${what} needs a second administrator's approval: give a reason for them to weigh`)
  if (r.length > MAX_REASON) throw new InvalidInput(`a reason is at most ${MAX_REASON} characters`)
  return r
}

const WHAT: Record<PendingKind, string> = {
  'user.create': 'creating an account with the reviewer or administrator role',
  'user.update': "granting or removing the reviewer or administrator role, or moving a holder's organization",
  'user.credentials_reset': "resetting a reviewer's or administrator's credentials",
  'policy.update':
    'a policy change that relaxes a safeguard (the airlock, the screen, monitoring, the sandbox, sign-in)',
  'project.policy': 'moving a project to a policy that relaxes a safeguard for it'
}

/** Records a request for a second administrator; refused when one for the same thing is open already. */
export async function requestChange(deps: ApprovalDeps, ask: Ask, by: Actor): Promise<PendingChangeRow> {
  const reason = requiredReason(ask.reason, WHAT[ask.kind])
  if (by.userId === null) throw new InvalidInput('only an administrator signed in to the console can ask for this')
  const row: PendingChangeRow = {
    id: randomUUID(),
    kind: ask.kind,
    subject: ask.subject,
    target: ask.target,
    change: ask.change,
    guard: ask.guard,
    reason,
    requestedBy: by.userId,
    requestedAt: deps.now().toISOString(),
    state: 'pending',
    decidedBy: null,
    decidedAt: null,
    decisionReason: null
  }
  const recorded = shownChange(ask.change)
  const result = await deps.store.approvals.create(row, {
    actor: by.actor,
    action: 'approval.request',
    sourceIp: by.sourceIp,
    target: ask.target,
    outcome: 'success',
    details: { change: row.id, kind: ask.kind, reason, ...recorded }
  })
  if ('conflict' in result) {
    throw new ConflictingInput(
      `a change of the same ${ask.kind.startsWith('user') ? 'account' : ask.kind === 'policy.update' ? 'policy' : "project's policy"} is waiting for a second administrator already; approve, refuse or withdraw it first`
    )
  }
  return result.created
}

async function open(deps: ApprovalDeps, id: string): Promise<PendingChangeRow> {
  const row = await deps.store.approvals.get(id)
  if (row === null) throw new NotFoundInput('there is no such pending change')
  if (row.state !== 'pending') throw new ConflictingInput(`this change was ${row.state} already`)
  return row
}

/** Closes a change that no longer applies as refused, with the reason; then refuses the approval, saying why. */
async function refuseStale(deps: ApprovalDeps, row: PendingChangeRow, by: Actor, reason: string): Promise<never> {
  const decision = `no longer applies: ${reason}`
  await deps.store.approvals.close(
    row.id,
    { state: 'refused', by: by.userId!, at: deps.now().toISOString(), reason: decision },
    {
      actor: by.actor,
      action: 'approval.refuse',
      sourceIp: by.sourceIp,
      target: row.target,
      outcome: 'success',
      details: { change: row.id, kind: row.kind, requestedBy: row.requestedBy, reason: decision, stale: true }
    }
  )
  throw new ConflictingInput(
    `this change no longer applies (${reason}), so it was refused; ask again if it is still needed`
  )
}

/**
 * A second administrator approves: the change is carried out with its audit records naming both.
 * Returns part 2 of the enrolment link of an account it created or reset: for the approver to
 * hand on (the asker was shown part 1).
 */
export async function approveChange(
  deps: ApprovalDeps,
  preparers: Record<PendingKind, Preparer>,
  id: string,
  by: Actor,
  baseUrl: string
): Promise<{ row: PendingChangeRow; enrolment: IssuedHalf | null }> {
  const row = await open(deps, id)
  if (by.userId === row.requestedBy) {
    throw new ForbiddenInput('you asked for this change; another administrator must approve it')
  }
  const requester = await deps.store.getUserById(row.requestedBy)
  if (requester === null || requester.status !== 'active' || !requester.roles.includes('admin')) {
    return refuseStale(
      deps,
      row,
      by,
      `${requester?.username ?? 'the administrator who asked'} is no longer an active administrator`
    )
  }
  const approval = { change: row.id, requestedBy: row.requestedBy, approvedBy: by.userId, reason: row.reason }
  let prepared: Prepared
  try {
    prepared = await preparers[row.kind](deps, row, by, { baseUrl, approval })
  } catch (err) {
    if (err instanceof InvalidInput) return refuseStale(deps, row, by, err.message)
    throw err
  }
  const at = deps.now().toISOString()
  const outcome = await deps.store.approvals.approve(id, { userId: by.userId!, at }, prepared.effect, [
    {
      actor: by.actor,
      action: 'approval.approve',
      sourceIp: by.sourceIp,
      target: row.target ?? prepared.audit.target,
      outcome: 'success',
      details: { ...approval, kind: row.kind }
    },
    prepared.audit
  ])
  if (outcome.kind === 'closed') throw new ConflictingInput(`this change was ${outcome.state} meanwhile`)
  if (outcome.kind === 'stale') return refuseStale(deps, row, by, outcome.reason)
  await prepared.after?.()
  return { row: outcome.row, enrolment: prepared.enrolment }
}

/** A second administrator refuses, with a reason; nothing changes. */
export async function refuseChange(
  deps: ApprovalDeps,
  id: string,
  reason: string | undefined,
  by: Actor
): Promise<PendingChangeRow> {
  const row = await open(deps, id)
  if (by.userId === row.requestedBy) {
    throw new ForbiddenInput('you asked for this change; withdraw it instead, or let another administrator decide')
  }
  const why = reason?.trim() ?? ''
  if (why === '') throw new InvalidInput('refusing a change needs a reason, for the administrator who asked')
  if (why.length > MAX_REASON) throw new InvalidInput(`a reason is at most ${MAX_REASON} characters`)
  return close(deps, row, 'refused', why, by)
}

/** The asker withdraws their request; nothing changes. */
export async function withdrawChange(deps: ApprovalDeps, id: string, by: Actor): Promise<PendingChangeRow> {
  const row = await open(deps, id)
  if (by.userId !== row.requestedBy) {
    throw new ForbiddenInput('only the administrator who asked may withdraw this change; refuse it instead')
  }
  return close(deps, row, 'withdrawn', null, by)
}

async function close(
  deps: ApprovalDeps,
  row: PendingChangeRow,
  state: 'refused' | 'withdrawn',
  reason: string | null,
  by: Actor
): Promise<PendingChangeRow> {
  const closed = await deps.store.approvals.close(
    row.id,
    { state, by: by.userId!, at: deps.now().toISOString(), reason },
    {
      actor: by.actor,
      action: state === 'refused' ? 'approval.refuse' : 'approval.withdraw',
      sourceIp: by.sourceIp,
      target: row.target,
      outcome: 'success',
      details: { change: row.id, kind: row.kind, requestedBy: row.requestedBy, ...(reason ? { reason } : {}) }
    }
  )
  if (!closed) throw new ConflictingInput('this change was decided meanwhile')
  return (await deps.store.approvals.get(row.id))!
}
