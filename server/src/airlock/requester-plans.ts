import { type AuditAction, airlockMove, type Direction } from '../audit/actions.js'
import type { AuditEvent } from '../audit/record.js'
import type { AirlockExceptionRow, AirlockMove } from '../store/airlock.js'
import type { AirlockFileRow, AirlockRequestDetail } from '../store/types.js'
import { actionFor, enforce, REQUEST_MOVES, requestMove, type ReviewRules } from './gate.js'
import { exceptionFits, userCanAskException, userCanResubmit, userCanWithdraw } from './permissions.js'
import { event, type MoveContext } from './plans.js'

/**
 * The requester's moves, planned as the reviewers' are (plans.ts) on the request as it is inside
 * the store's transaction: a submission's exceptions, an exception asked later, a withdrawal, a
 * returned request sent again. A refusal throws and nothing is written.
 */

/** The action a new request's submission records. */
export function submitAction(direction: Direction): AuditAction {
  return actionFor(REQUEST_MOVES.find((m) => m.from === null && m.to === 'submitted')!.action, direction)
}

/** An exception asked with a file at submission or resubmission. */
export interface AskedException {
  /** the file's name in its round */
  name: string
  rule: string
  reason: string
}

/**
 * The exceptions asked with a round's files, checked against their checks now they have run: each
 * for a check that failed, that the policy allows excepting, once per file and rule.
 */
export function exceptionsForRound(
  files: AirlockFileRow[],
  asked: AskedException[],
  rules: ReviewRules,
  ctx: MoveContext,
  newId: () => string
): AirlockExceptionRow[] {
  const rows: AirlockExceptionRow[] = []
  for (const a of asked) {
    const file = files.find((f) => f.name === a.name)!
    const asked = rows.some((r) => r.fileId === file.id && r.rule === a.rule)
    enforce(exceptionFits(file, a.rule, rules, asked))
    rows.push({
      id: newId(),
      requestId: file.requestId,
      fileId: file.id,
      rule: a.rule,
      reason: a.reason,
      requestedBy: ctx.actor,
      requestedAt: ctx.at
    })
  }
  return rows
}

export const exceptionEvents = (
  ctx: MoveContext,
  direction: Direction,
  files: AirlockFileRow[],
  rows: AirlockExceptionRow[]
): AuditEvent[] =>
  rows.map((e) => {
    const f = files.find((x) => x.id === e.fileId)!
    return event(ctx, airlockMove(direction, 'exception'), e.requestId, {
      file: f.id,
      name: f.name,
      round: f.round,
      rule: e.rule,
      reason: e.reason
    })
  })

/** The requester asks an exception for a failing check of a file before reviewers begin on it. */
export function planException(
  d: AirlockRequestDetail,
  fileId: string,
  rule: string,
  reason: string,
  rules: ReviewRules,
  ctx: MoveContext,
  newId: () => string
): AirlockMove {
  const file = d.files.find((f) => f.id === fileId)
  if (file === undefined) enforce({ ok: false, status: 404, why: 'There is no such file in this request.' })
  enforce(userCanAskException(d, ctx.actor, file!, rule, rules))
  const rows = exceptionsForRound([file!], [{ name: file!.name, rule, reason }], rules, ctx, newId)
  return { at: ctx.at, exceptions: rows, audit: exceptionEvents(ctx, d.request.direction, [file!], rows) }
}

export function planWithdraw(d: AirlockRequestDetail, ctx: MoveContext): AirlockMove {
  enforce(userCanWithdraw(d, ctx.actor))
  const { action } = requestMove(d, 'withdrawn', 'requester')
  return {
    at: ctx.at,
    request: { to: 'withdrawn' },
    audit: [event(ctx, action, d.request.id, { from: d.request.state, round: d.request.round })]
  }
}

/** A returned request goes back with a new round of files and the exceptions asked with them. */
export function planResubmit(
  d: AirlockRequestDetail,
  round: { files: AirlockFileRow[]; asked: AskedException[]; sessionId: string },
  rules: ReviewRules,
  ctx: MoveContext,
  newId: () => string
): AirlockMove {
  enforce(userCanResubmit(d, ctx.actor))
  const next = d.request.round + 1
  if (round.files.some((f) => f.round !== next)) {
    enforce({ ok: false, status: 409, why: 'The request changed meanwhile; reload it.' })
  }
  const { action } = requestMove(d, 'submitted', 'requester')
  const exceptions = exceptionsForRound(round.files, round.asked, rules, ctx, newId)
  return {
    at: ctx.at,
    request: { to: 'submitted', round: next, sessionId: round.sessionId },
    newFiles: round.files,
    exceptions,
    audit: [
      event(ctx, action, d.request.id, {
        session: round.sessionId,
        round: next,
        files: round.files.map((f) => ({ name: f.name, sha256: f.sha256, outcome: f.outcome }))
      }),
      ...exceptionEvents(ctx, d.request.direction, round.files, exceptions)
    ]
  }
}
