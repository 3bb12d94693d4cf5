import type { AuditEvent } from '../audit/record.js'
import type { AirlockFileState, AirlockMove, ReviewRow } from '../store/airlock.js'
import type { AirlockRequestDetail, UserRow } from '../store/types.js'
import type { AirlockCore } from './core.js'
import { fileMove, independent, no, requestMove, type Standing, UNRELEASED } from './gate.js'
import { event, type MoveContext } from './plans.js'
import { type Counting, counting, counts, inRound } from './tally.js'

/**
 * Whether each reviewer is independent of a request now, and what follows when one no longer is.
 * Independence is judged by the gate (gate.independent) from facts looked up here: at every look
 * and vote, when the votes are counted and when a request is released. A reviewer made a member of
 * the project, moved into the requester's organization, unassigned or suspended after voting
 * decides nothing more for release: `counting` leaves their approvals out of every count, and
 * `recheck` (run after every change of memberships, accounts and assignments) drops them on open
 * requests, sets their review aside, audited, and opens again what the round's reviews had decided
 * with them. Their returns and rejections stand.
 */
export function createIndependence(core: AirlockCore) {
  const { store } = core.deps

  /** Where a reviewer stands to a request: the facts the gate judges independence by. */
  async function standing(reviewer: UserRow, d: AirlockRequestDetail): Promise<Standing> {
    const r = d.request
    const requester = await store.getUserById(r.requesterId)
    return {
      userId: reviewer.id,
      isReviewer: reviewer.roles.includes('reviewer'),
      active: reviewer.status === 'active',
      own: r.requesterId === reviewer.id,
      member: await store.isProjectMember(r.projectId, reviewer.id),
      // by the rule the round is judged by; the requester's organization now, and at submission
      // (moving the requester, one administrator's change, does not make a colleague independent)
      sameOrganization:
        core.roundParams(d).excludeRequesterOrganization &&
        reviewer.organizationId !== null &&
        (reviewer.organizationId === requester?.organizationId ||
          reviewer.organizationId === r.requesterOrganizationId),
      assigned: await store.airlock.isAssignedReviewer(r.projectId, reviewer.id)
    }
  }

  /** Everyone who may have a say in the request's round: its project's reviewers, and whoever voted. */
  async function candidates(d: AirlockRequestDetail): Promise<Set<string>> {
    return new Set([
      ...(await store.airlock.listProjectReviewers(d.request.projectId)).map((r) => r.userId),
      ...d.votes.map((v) => v.reviewerId),
      ...d.reviews.map((r) => r.reviewerId)
    ])
  }

  /** The reviewers whose votes on the request count now; an account that is gone counts for nothing. */
  async function countingNow(d: AirlockRequestDetail): Promise<Counting> {
    const standings: Standing[] = []
    for (const id of await candidates(d)) {
      const user = await store.getUserById(id)
      if (user !== null) standings.push(await standing(user, d))
    }
    return counting(standings)
  }

  /**
   * Drops the votes on open requests of every reviewer no longer independent of them, each drop
   * audited with its reason and made in the request's own transaction.
   */
  async function recheck(by: { actor: string; sourceIp: string | null }): Promise<void> {
    for (const r of await store.listAirlockRequests({ states: UNRELEASED })) {
      const d = await store.airlock.detail(r.id)
      if (d === null) continue
      const round = inRound(d)
      const voters = new Set([...round.votes.map((v) => v.reviewerId), ...round.reviews.map((x) => x.reviewerId)])
      for (const id of voters) {
        const user = await store.getUserById(id)
        const verdict = user === null ? no(404, 'the account is gone') : independent(await standing(user, d))
        if (verdict.ok) continue
        const at = core.deps.now().toISOString()
        await store.airlock.move(r.id, (x) => planVoid(x, id, verdict.why, { ...by, at }))
      }
    }
  }

  return { standing, countingNow, recheck }
}

export type Independence = ReturnType<typeof createIndependence>

/**
 * A reviewer no longer independent of an open request (or no longer active): what they said for
 * its release stops counting, what they said against it stands. Their approvals and drafts of its
 * current round are dropped (the audit record keeps them); their submitted returns and rejections
 * stay, for a veto is always safe; and their review is set aside: it counts toward no number of
 * reviews, and they vote no more in the round, even once they count again (assigned again, say),
 * so that nobody can wipe a veto by moving its reviewer out and back. What the round's reviews
 * decided with theirs is undecided again: with a review of theirs among the policy's number, every
 * decided file goes back to pending, and the settlements of that decision lose their approvals (a
 * settler's veto stands, with their settlement); with a settlement of theirs, the files they
 * approved in it are conflicted again. An approved request not yet released goes back into review.
 * Null when nothing of theirs is left to set aside.
 */
export function planVoid(
  d: AirlockRequestDetail,
  reviewerId: string,
  why: string,
  ctx: MoveContext
): AirlockMove | null {
  if (!UNRELEASED.includes(d.request.state)) return null
  const round = inRound(d)
  const review = round.reviews.find((r) => r.reviewerId === reviewerId)
  const theirs = round.votes.filter((v) => v.reviewerId === reviewerId)
  // a draft never counted; a submitted veto stands
  const dropped = theirs.filter((v) => review === undefined || v.vote === 'approve')
  const standing = theirs.filter((v) => !dropped.includes(v))
  const setAside = review !== undefined && counts(review)
  if (!setAside && dropped.length === 0) return null
  const reopen = new Map<string, AirlockFileState>()
  const settlements: ReviewRow[] = []
  if (setAside && review.kind === 'review') {
    for (const f of round.files) if (f.state !== 'pending') reopen.set(f.id, 'pending')
    if (reopen.size > 0) settlements.push(...round.reviews.filter((r) => r.kind === 'settle' && counts(r)))
  } else if (review?.kind === 'settle') {
    for (const v of dropped) {
      const f = round.files.find((x) => x.id === v.fileId)!
      if (f.state !== 'conflicted') reopen.set(f.id, 'conflicted')
    }
  }
  // an undone settlement's approvals go; a settler whose veto stands keeps their settlement with it
  const settlers = new Set(settlements.map((r) => r.reviewerId))
  const settlerVotes = round.votes.filter((v) => settlers.has(v.reviewerId))
  const vetoing = new Set(settlerVotes.filter((v) => v.vote !== 'approve').map((v) => v.reviewerId))
  const undone = settlements.filter((r) => !vetoing.has(r.reviewerId))
  const droppedVotes = [...dropped, ...settlerVotes.filter((v) => v.vote === 'approve')]
  const name = (fileId: string) => round.files.find((f) => f.id === fileId)!.name
  const listed = (votes: typeof theirs) =>
    votes.map((v) => ({ file: v.fileId, name: name(v.fileId), vote: v.vote, submitted: review !== undefined }))
  const audit: AuditEvent[] = [
    event(ctx, 'review.void', d.request.id, {
      reviewer: reviewerId,
      round: d.request.round,
      reason: why,
      review: review?.kind ?? null,
      // what stopped counting, and what stands
      votes: listed(dropped),
      standing: listed(standing),
      setAside,
      settlementsUndone: settlements.map((r) => r.reviewerId)
    })
  ]
  const files: NonNullable<AirlockMove['files']> = []
  for (const [fileId, to] of reopen) {
    const f = round.files.find((x) => x.id === fileId)!
    files.push({ fileId, to })
    audit.push(
      event(ctx, fileMove(d, f, to, 'gateway').action, d.request.id, {
        round: f.round,
        file: f.id,
        name: f.name,
        from: f.state,
        to,
        reason: 'a vote that decided it no longer counts'
      })
    )
  }
  let request: AirlockMove['request']
  if (d.request.state === 'approved' && files.length > 0) {
    request = { to: 'in_review' }
    audit.push(
      event(ctx, requestMove(d, 'in_review', 'gateway').action, d.request.id, {
        round: d.request.round,
        reason: 'a vote that approved it no longer counts'
      })
    )
  }
  return {
    at: ctx.at,
    files,
    ...(request ? { request } : {}),
    drop: { votes: droppedVotes.map((v) => v.id), reviews: undone.map((r) => r.id) },
    ...(setAside ? { setAside: [review.id] } : {}),
    audit
  }
}
