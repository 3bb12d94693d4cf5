import type { AirlockState } from '../store/types.js'

/**
 * The only ways an airlock request's state may change (export and import alike).
 *
 *   draft -> submitted -> in_review -> approved -> released
 *                            |  \-> returned -> submitted (a new round of files)
 *                            \-> rejected
 *   withdrawn: by the requester, from anything not yet decided
 *
 * A reviewer's first look moves a request to in_review; approvals gather there until the policy's
 * number of distinct reviewers is reached.
 */
export const REQUEST_TRANSITIONS: Readonly<Record<AirlockState, readonly AirlockState[]>> = {
  draft: ['submitted', 'withdrawn'],
  submitted: ['in_review', 'withdrawn'],
  in_review: ['approved', 'returned', 'rejected', 'withdrawn'],
  returned: ['submitted', 'withdrawn'],
  approved: ['released'],
  released: [],
  rejected: [],
  withdrawn: []
}

/** The states a request may be in when it moves to `to`. */
export function requestStatesBefore(to: AirlockState): AirlockState[] {
  return (Object.keys(REQUEST_TRANSITIONS) as AirlockState[]).filter((s) => REQUEST_TRANSITIONS[s].includes(to))
}

/** Requests a reviewer still has to act on. */
export const AWAITING_REVIEW: AirlockState[] = ['submitted', 'in_review']
