import { type AirlockMoveName, type AuditAction, airlockMove, type Direction } from '../audit/actions.js'
import { Errors } from '../errors.js'
import { fileType } from './disclosure/file-type.js'
import { EXCERPT_ROWS, RECORD_TYPES } from './excerpt.js'
import type { AirlockFileState } from '../store/airlock.js'
import type { AirlockFileRow, AirlockRequestDetail, AirlockState } from '../store/types.js'

/**
 * The airlock's rules in one place (as OpenSAFELY Airlock's VALID_STATE_TRANSITIONS and its
 * check_user_can_* / user_can_* pairs): which request and file states lead to which, who moves
 * them, the audit action each move records, and whether a reviewer is independent of a request.
 * Every change the airlock makes is planned through here inside the store's transaction
 * (plans.ts); the store applies only what was planned. `userCanX` (here and in permissions.ts)
 * answers with a Verdict a screen can show (a disabled button says why); `enforce(userCanX(...))`
 * throws the named error with the same sentence.
 */

/** Yes, or no with the sentence a person reads and the status a refusal answers with. */
export type Verdict =
  | { ok: true }
  | {
      ok: false
      status: 400 | 403 | 404 | 409
      /** the reason, as the audit records it */
      why: string
      /** what the caller is told when it differs from `why`: a request they may not see is not named */
      shown?: string
    }

export const allowed: Verdict = { ok: true }
export const no = (status: 400 | 403 | 404 | 409, why: string, shown?: string): Verdict =>
  shown === undefined ? { ok: false, status, why } : { ok: false, status, why, shown }

/**
 * Throws the named error a refusal answers with (errors.ts), carrying the reason the audit
 * records (`why`) where the caller is told less.
 */
export function enforce(v: Verdict): void {
  if (v.ok) return
  const message = v.shown ?? v.why
  const err =
    v.status === 400
      ? new Errors.BadRequest(message)
      : v.status === 403
        ? new Errors.Forbidden(message)
        : v.status === 404
          ? new Errors.NotFound(message)
          : new Errors.Conflict(message)
  throw Object.assign(err, { why: v.why })
}

/** What a screen reads of a verdict: whether, and if not, why. */
export const shown = (v: Verdict): { ok: boolean; why?: string } =>
  v.ok ? { ok: true } : { ok: false, why: v.shown ?? v.why }

/**
 * Who moves a request or a file: its requester; an independent reviewer assigned to the project;
 * the round's reviews once the policy's number is in (counted in the transaction of the last one);
 * a further reviewer settling the files those reviews disagree on; the gateway, once it has read the
 * approved bytes back and found them unchanged, or once a reviewer whose votes decided a file is no
 * longer independent of it (their votes stop counting and what they decided is open again).
 */
export type Mover = 'requester' | 'reviewer' | 'reviews' | 'settler' | 'gateway'

/** The audit action a move records: `{direction}` stands for export or import. */
export type MoveAction = `{direction}.${AirlockMoveName}` | 'review.open'

/** One row of a table: from where to where, by whom, recorded as what. */
type Move<From, To> = { from: From; to: To; by: Mover; action: MoveAction }

export const REQUEST_MOVES: readonly Move<AirlockState | null, AirlockState>[] = [
  { from: null, to: 'submitted', by: 'requester', action: '{direction}.submit' },
  { from: 'submitted', to: 'in_review', by: 'reviewer', action: 'review.open' },
  { from: 'submitted', to: 'withdrawn', by: 'requester', action: '{direction}.withdraw' },
  { from: 'in_review', to: 'withdrawn', by: 'requester', action: '{direction}.withdraw' },
  { from: 'in_review', to: 'approved', by: 'reviews', action: '{direction}.approve' },
  { from: 'in_review', to: 'returned', by: 'reviews', action: '{direction}.return' },
  { from: 'in_review', to: 'rejected', by: 'reviews', action: '{direction}.reject' },
  { from: 'in_review', to: 'approved', by: 'settler', action: '{direction}.approve' },
  { from: 'in_review', to: 'returned', by: 'settler', action: '{direction}.return' },
  { from: 'in_review', to: 'rejected', by: 'settler', action: '{direction}.reject' },
  { from: 'returned', to: 'submitted', by: 'requester', action: '{direction}.resubmit' },
  { from: 'returned', to: 'withdrawn', by: 'requester', action: '{direction}.withdraw' },
  { from: 'approved', to: 'released', by: 'gateway', action: '{direction}.release' },
  { from: 'approved', to: 'in_review', by: 'gateway', action: '{direction}.reopen' }
]

/** A file of a round: pending while votes gather; decided by the reviews in; conflicted until settled. */
export const FILE_MOVES: readonly Move<AirlockFileState, AirlockFileState>[] = [
  { from: 'pending', to: 'approved', by: 'reviews', action: '{direction}.file_approve' },
  { from: 'pending', to: 'returned', by: 'reviews', action: '{direction}.file_return' },
  { from: 'pending', to: 'rejected', by: 'reviews', action: '{direction}.file_reject' },
  { from: 'pending', to: 'conflicted', by: 'reviews', action: '{direction}.file_conflict' },
  { from: 'conflicted', to: 'approved', by: 'settler', action: '{direction}.file_settle' },
  { from: 'conflicted', to: 'returned', by: 'settler', action: '{direction}.file_settle' },
  { from: 'conflicted', to: 'rejected', by: 'settler', action: '{direction}.file_settle' },
  { from: 'approved', to: 'released', by: 'gateway', action: '{direction}.file_release' },
  // a decision made with votes that stopped counting: undecided again (a settlement: conflicted again)
  { from: 'approved', to: 'pending', by: 'gateway', action: '{direction}.file_reopen' },
  { from: 'returned', to: 'pending', by: 'gateway', action: '{direction}.file_reopen' },
  { from: 'rejected', to: 'pending', by: 'gateway', action: '{direction}.file_reopen' },
  { from: 'conflicted', to: 'pending', by: 'gateway', action: '{direction}.file_reopen' },
  { from: 'approved', to: 'conflicted', by: 'gateway', action: '{direction}.file_reopen' },
  { from: 'returned', to: 'conflicted', by: 'gateway', action: '{direction}.file_reopen' },
  { from: 'rejected', to: 'conflicted', by: 'gateway', action: '{direction}.file_reopen' }
]

/** Requests a reviewer still has to act on. */
export const AWAITING_REVIEW: AirlockState[] = ['submitted', 'in_review']

/** Requests whose current round's votes still decide something: nothing has left yet. */
export const UNRELEASED: AirlockState[] = ['submitted', 'in_review', 'approved']

/** Checks that never take an exception: what may leave at all, and individual records. */
export const NEVER_EXCEPTED: readonly string[] = ['file-type', 'row-level']

/** A file's stored check results, worst first per rule. */
export function checksOf(file: AirlockFileRow): { rule: string; outcome: string }[] {
  const all = (Array.isArray(file.checks) ? file.checks : []) as { rule?: unknown; outcome?: unknown }[]
  const rank = (o: unknown) => (o === 'fail' ? 0 : o === 'review' ? 1 : 2)
  return all
    .map((c) => ({ rule: String(c.rule), outcome: String(c.outcome) }))
    .sort((a, b) => rank(a.outcome) - rank(b.outcome))
}

const DIRECTION_SLOT = '{direction}.'

/** The action a move of the tables records for a request going `direction`. */
export function actionFor(template: MoveAction, direction: Direction): AuditAction {
  if (template === 'review.open') return template
  return airlockMove(direction, template.slice(DIRECTION_SLOT.length) as AirlockMoveName)
}

/** The audit action of a request's move, or the named error when the table has no such move for `by`. */
export function requestMove(d: AirlockRequestDetail, to: AirlockState, by: Mover): { action: AuditAction } {
  const from = d.request.state
  const rule = REQUEST_MOVES.find((m) => m.from === from && m.to === to && m.by === by)
  if (rule === undefined) throw new Errors.Conflict(`The request is ${from.replace('_', ' ')}; it cannot become ${to}.`)
  return { action: actionFor(rule.action, d.request.direction) }
}

/** Whether the request may move to `to` by `by` from where it is. */
export const canMoveRequest = (state: AirlockState, to: AirlockState, by: Mover) =>
  REQUEST_MOVES.some((m) => m.from === state && m.to === to && m.by === by)

/** The audit action of a file's move, or the named error. */
export function fileMove(
  d: AirlockRequestDetail,
  file: AirlockFileRow,
  to: AirlockFileState,
  by: Mover
): { action: AuditAction } {
  const rule = FILE_MOVES.find((m) => m.from === file.state && m.to === to && m.by === by)
  if (rule === undefined) throw new Errors.Conflict(`${file.name} is ${file.state}; it cannot become ${to}.`)
  return { action: actionFor(rule.action, d.request.direction) }
}

/** Where a reviewer stands to a request: facts the airlock looks up, judged here. */
export interface Standing {
  userId: string
  isReviewer: boolean
  /** the account is active (not suspended) */
  active: boolean
  /** the requester */
  own: boolean
  /** a member of the request's project */
  member: boolean
  /** of the requester's organization, and the policy excludes it */
  sameOrganization: boolean
  /** assigned to the request's project by an administrator */
  assigned: boolean
}

/** What a policy says about reviewing a request. */
export interface ReviewRules {
  /** submitted reviews, each voting on every file, before a round is decided */
  needed: number
  exceptionRules: readonly string[]
  partialRelease: boolean
}

export const NO_SUCH_REQUEST = 'There is no such request.'

/**
 * Whether a reviewer is independent of a request and assigned to its project, now: not its
 * requester, a reviewer by role, an active account, not a member of its project, not of the
 * requester's organization where the round's policy excludes it, assigned by an administrator. The
 * one test of independence: it decides what a reviewer may see and do (permissions.ts) and whose
 * votes count (tally.ts), at every look, vote, count and release.
 */
export function independent(s: Standing): Verdict {
  if (s.own) return no(403, 'Your own requests are reviewed by other reviewers.')
  if (!s.isReviewer) return no(403, 'Only reviewers review requests.')
  if (!s.active) return no(403, "the reviewer's account is suspended", 'Your account is suspended.')
  if (s.member) return no(404, "the reviewer is a member of the request's project", NO_SUCH_REQUEST)
  if (s.sameOrganization) {
    return no(404, "the reviewer is of the requester's organization, which the policy excludes", NO_SUCH_REQUEST)
  }
  if (!s.assigned) return no(404, "the reviewer is not assigned to the request's project", NO_SUCH_REQUEST)
  return allowed
}

/** A reviewer lists and opens only requests they are independent of, of projects they are assigned to. */
export const userCanSee = independent

/**
 * A reviewer reads a file's bytes while the request is in review, unless a check failed that no
 * exception may cover under the round's policy (the file type, row-level data, a rule the policy
 * never excepts): such a file can never be approved, so nobody needs to read it, and its bytes (a
 * raw dump, individual records) are what must not be read at all.
 */
export function userCanPreview(
  d: AirlockRequestDetail,
  s: Standing,
  file: AirlockFileRow,
  rules: ReviewRules
): Verdict {
  const see = userCanSee(s)
  if (!see.ok) return see
  if (d.request.state !== 'in_review') {
    return no(
      403,
      `The request is ${d.request.state.replace('_', ' ')}; its files are shown only while it is in review.`
    )
  }
  const never = checksOf(file).find(
    (c) => c.outcome === 'fail' && (NEVER_EXCEPTED.includes(c.rule) || !rules.exceptionRules.includes(c.rule))
  )?.rule
  if (never !== undefined) {
    return no(
      403,
      `${file.name} fails the ${never} check, which no exception may cover: it can never be approved, so it is not shown.`
    )
  }
  return allowed
}

/** Figures a reviewer reads whole: an image is judged by seeing it. */
const IMAGE_TYPES: readonly string[] = ['png', 'jpg', 'jpeg']

/**
 * Whether a reviewer reads an export's bytes whole, or only its excerpt (excerpt.ts: its header,
 * first rows and row count). A table or text whose row-level check did not pass may be a list of
 * individual records (or is longer than the policy's reviewAboveRows, which that check reads):
 * its bytes would carry the records out to whoever previews them, so a reviewer reads the
 * excerpt, which is enough to recognise them and send the file back. Any other type but an image
 * is never shown in the page (a PDF, a type the checks have no rules for), so its bytes are not
 * sent either. An import's bytes came from outside: read whole.
 */
export function userCanReadBytes(d: AirlockRequestDetail, file: AirlockFileRow): Verdict {
  if (d.request.direction !== 'export') return allowed
  const type = fileType(file.name, [...RECORD_TYPES, ...IMAGE_TYPES])
  if (IMAGE_TYPES.includes(type)) return allowed
  if (!RECORD_TYPES.includes(type)) {
    return no(
      403,
      `${file.name} is not shown: only tables, text and figures are, and ${type === '' ? 'it' : `a .${type} file`} cannot be shown in part. If you cannot decide without reading it, return it and ask for the table as CSV or the figure as PNG.`
    )
  }
  const rowLevel = checksOf(file).find((c) => c.rule === 'row-level')
  if (rowLevel?.outcome === 'pass') return allowed
  return no(
    403,
    `${file.name} may hold individual records (${rowLevel === undefined ? 'it was not checked for them' : 'its row-level check did not pass'}): reviewers read its header, its first ${EXCERPT_ROWS} rows and its row count, never the whole file.`
  )
}
