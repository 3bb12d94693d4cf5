import type { Outcome, RuleName } from './disclosure/types.js'
import { capMessage, quote } from './disclosure/wording.js'
import { REASON_MAX } from './recount.js'

/**
 * What the requester of an export reads of the checks on their own files: for each check its rule,
 * its outcome, where in the file it found something, and a fixed sentence for that rule and
 * outcome. The checks' own messages quote the file (labels, values, names, a parser's or the
 * recount's error text), and the requester's view is outside any session, so nothing in it is
 * counted against the display budget: quoted, the file could leave through it a message at a time.
 * Reviewers read the full messages, capped at the rules; the researcher has the file in the sandbox.
 */

/** One sentence per rule and outcome; the web app has the same in English and Japanese. */
export const REQUESTER_SENTENCES: Record<RuleName, Record<Outcome, string>> = {
  threshold: {
    pass: 'No count was found below the threshold.',
    review: 'The checker could not tell which numbers count people: reviewers check every cell against the threshold.',
    fail: 'Some cells rest on fewer individuals than the threshold allows: suppress or combine them.'
  },
  zeros: {
    pass: 'No zero was found that this policy treats as disclosive.',
    review: 'The checker could not tell whether a zero counts people: reviewers check by hand.',
    fail: 'Some counts are zero, or some rows draw on no one, which this policy treats as disclosive.'
  },
  dominance: {
    pass: 'No cell is dominated by a few contributors, or the rule does not apply.',
    review: 'Some sums or means could not be checked for dominance: reviewers check them by hand.',
    fail: 'Some cells are dominated by their largest contributors (the n,k rule).'
  },
  'p-percent': {
    pass: 'No cell lets one contributor estimate another closely, or the rule does not apply.',
    review: 'Some sums or means could not be checked against the p% rule: reviewers check them by hand.',
    fail: 'Some cells let the second-largest contributor estimate the largest too closely (the p% rule).'
  },
  'residual-df': {
    pass: 'No model with too few residual degrees of freedom was found.',
    review: "The output looks like a model's estimates, but its residual degrees of freedom are not known.",
    fail: 'A model has fewer residual degrees of freedom than the policy allows.'
  },
  'row-level': {
    pass: 'The output looks like an aggregate.',
    review: 'The output may list individual records: reviewers look at it closely.',
    fail: 'A column looks like an identifier: an output that names individuals cannot leave.'
  },
  differencing: {
    pass: 'Subtracting the earlier outputs of this project from this one reveals no small group.',
    review: 'An earlier output of this project has the same columns: reviewers compare the two by hand.',
    fail: 'Subtracting an earlier output of this project from this one reveals a group below the threshold.'
  },
  repeats: {
    pass: 'These bytes were not released before.',
    review: 'These exact bytes were released before.',
    fail: 'These exact bytes were released before.'
  },
  'file-type': {
    pass: "The file's type and size are allowed.",
    review: 'The checker has no rules for this type of file: reviewers read all of it.',
    fail: 'The file cannot leave as it is: its type or size is not allowed, its bytes are not what its name says, or it cannot be read as a table.'
  },
  images: {
    pass: "The figure's table is in the same request and is checked with it.",
    review: 'The checker cannot read a figure or a PDF: reviewers check it by eye and may ask for the table behind it.',
    fail: 'The checker cannot read this figure.'
  }
}

const OUTCOMES: readonly Outcome[] = ['pass', 'review', 'fail']

/** Coordinates shown per check: which cells a rule flags depends on the file, so they are bounded too. */
export const COORDINATES_MAX = 100

export type RequesterCheck = {
  rule: string
  outcome: Outcome
  message: string
  cells: { row: number; column: number }[]
  rows?: number[]
  columns?: number[]
  /** how many cells, rows and columns the check flagged, of which the lists above hold the first */
  flagged: { cells: number; rows: number; columns: number }
}

const indexes = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((n): n is number => Number.isInteger(n) && n >= 0) : []

/** One stored check result as its requester sees it: nothing of its message, only fixed words and numbers. */
export function checkForRequester(check: Record<string, unknown>): RequesterCheck {
  const outcome = OUTCOMES.includes(check.outcome as Outcome) ? (check.outcome as Outcome) : 'review'
  const rule = typeof check.rule === 'string' && check.rule in REQUESTER_SENTENCES ? check.rule : 'unknown'
  const cells = (Array.isArray(check.cells) ? check.cells : [])
    .map((c) => c as { row?: unknown; column?: unknown })
    .filter((c) => Number.isInteger(c?.row) && Number.isInteger(c?.column))
    .map((c) => ({ row: c.row as number, column: c.column as number }))
  const rows = indexes(check.rows)
  const columns = indexes(check.columns)
  const r: RequesterCheck = {
    rule,
    outcome,
    message:
      REQUESTER_SENTENCES[rule as RuleName]?.[outcome] ??
      'A check whose findings only reviewers can read: ask them what it found.',
    cells: cells.slice(0, COORDINATES_MAX),
    flagged: { cells: cells.length, rows: rows.length, columns: columns.length }
  }
  if (rows.length > 0) r.rows = rows.slice(0, COORDINATES_MAX)
  if (columns.length > 0) r.columns = columns.slice(0, COORDINATES_MAX)
  return r
}

/**
 * The query that made a file, as its requester sees it: their own query, and whether the people
 * behind each row could be counted, but neither the counts (numbers from the dataset the file does
 * not print) nor why a recount failed (the replayed query's error text).
 */
export function provenanceForRequester(p: Record<string, unknown> | null): Record<string, unknown> | null {
  if (p === null) return null
  const { recount, ...rest } = p
  return {
    ...rest,
    recount:
      recount === null || recount === undefined
        ? null
        : typeof recount === 'object' && 'unavailable' in recount
          ? { unavailable: 'The individuals behind each row could not be counted: reviewers see why.' }
          : { counted: true }
  }
}

/**
 * A stored check result as a reviewer sees it: its message capped again, for results stored before
 * the rules capped what they quote.
 */
export function checkForReviewer(check: Record<string, unknown>): Record<string, unknown> {
  return typeof check.message === 'string' ? { ...check, message: capMessage(check.message) } : check
}

/** The query that made a file as a reviewer sees it: a recount's reason capped again, as above. */
export function provenanceForReviewer(p: Record<string, unknown> | null): Record<string, unknown> | null {
  const recount = p?.recount as { unavailable?: unknown } | null | undefined
  if (p === null || typeof recount?.unavailable !== 'string') return p
  return { ...p, recount: { ...recount, unavailable: quote(recount.unavailable, REASON_MAX) } }
}
