import { describe, expect, it } from 'vitest'
import type { AirlockFileRow, AirlockRequestDetail, ReviewDecision } from '../store/types.js'
import type { AirlockMove } from '../store/airlock.js'
import { FILE_MOVES, independent, REQUEST_MOVES, type ReviewRules, type Standing, userCanSee } from './gate.js'
import { planVoid } from './independence.js'
import { userCanVote } from './permissions.js'
import { planSubmitReview, planVote } from './plans.js'
import {
  approvingVotes,
  type Counting,
  counting,
  countingOnly,
  fileOutcome,
  regularReviews,
  requestOutcome
} from './tally.js'

const at = '2026-05-01T00:00:00.000Z'
const ctx = (actor: string) => ({ actor, sourceIp: null, at })
let n = 0
const id = () => `id-${++n}`
const rules = (needed = 2, partialRelease = false): ReviewRules => ({
  needed,
  exceptionRules: ['differencing'],
  partialRelease
})
const standing = (userId: string): Standing => ({
  userId,
  isReviewer: true,
  active: true,
  own: false,
  member: false,
  sameOrganization: false,
  assigned: true
})

function file(name: string, checks: { rule: string; outcome: string }[] = []): AirlockFileRow {
  return {
    id: name,
    requestId: 'r',
    round: 1,
    path: `outbox/${name}`,
    name,
    sha256: name
      .padEnd(64, '0')
      .slice(0, 64)
      .replace(/[^0-9a-f]/g, 'a'),
    size: 1,
    justification: 'j',
    outcome: 'pass',
    checks,
    provenance: null,
    listing: null,
    state: 'pending',
    policy: null
  }
}

function request(files: AirlockFileRow[]): AirlockRequestDetail {
  return {
    request: {
      id: 'r',
      direction: 'export',
      projectId: 'p',
      requesterId: 'researcher',
      requesterOrganizationId: null,
      sessionId: null,
      state: 'in_review',
      round: 1,
      createdAt: at,
      updatedAt: at,
      releasedAt: null
    },
    files,
    votes: [],
    reviews: [],
    exceptions: []
  }
}

/** Everyone the tests vote as counts, unless a test says otherwise. */
const everyone: Counting = new Set(['r1', 'r2', 'r3', 'r4'])

/** Applies a move as the store would, in memory. */
function apply(d: AirlockRequestDetail, m: AirlockMove): AirlockRequestDetail {
  const votes = d.votes.filter((v) => !m.drop?.votes.includes(v.id))
  for (const v of m.votes ?? []) {
    const i = votes.findIndex((x) => x.fileId === v.fileId && x.reviewerId === v.reviewerId)
    if (i >= 0) votes[i] = v
    else votes.push(v)
  }
  return {
    ...d,
    request: m.request ? { ...d.request, state: m.request.to } : d.request,
    files: d.files.map((f) => ({ ...f, state: m.files?.find((x) => x.fileId === f.id)?.to ?? f.state })),
    votes,
    reviews: [
      ...d.reviews
        .filter((r) => !m.drop?.reviews.includes(r.id))
        .map((r) => (m.setAside?.includes(r.id) ? { ...r, voided: true } : r)),
      ...(m.review ? [m.review] : [])
    ]
  }
}

/** A reviewer votes on each file as given (drafts), without submitting. */
function draft(
  d: AirlockRequestDetail,
  who: string,
  votes: Record<string, ReviewDecision>,
  r = rules(),
  counts = everyone
) {
  for (const [name, v] of Object.entries(votes)) {
    const f = d.files.find((x) => x.name === name)!
    const ack = (f.checks as { rule: string; outcome: string }[])
      .filter((c) => c.outcome !== 'pass')
      .map((c) => ({ rule: c.rule, kind: c.outcome === 'fail' ? 'exception' : 'review', comment: 'ok' }) as const)
    d = apply(
      d,
      planVote(
        d,
        standing(who),
        r,
        {
          fileId: f.id,
          round: 1,
          sha256: f.sha256,
          vote: v,
          comment: v === 'approve' ? null : 'why',
          commentVisibility: 'researcher',
          acknowledgements: v === 'approve' ? ack : []
        },
        ctx(who),
        id,
        counts
      )
    )
  }
  return d
}

/** A reviewer votes on each file as given and submits. */
function review(
  d: AirlockRequestDetail,
  who: string,
  votes: Record<string, ReviewDecision>,
  r = rules(),
  counts = everyone
) {
  const drafted = draft(d, who, votes, r, counts)
  const seen = { round: 1, sha256s: d.files.map((f) => f.sha256) }
  return apply(drafted, planSubmitReview(drafted, standing(who), r, seen, ctx(who), id, counts))
}

describe('counting the reviews of a round', () => {
  it('decides a file by the common vote of the reviews, and calls a disagreement a conflict', () => {
    expect(fileOutcome(['approve', 'approve'])).toBe('approved')
    expect(fileOutcome(['return', 'return'])).toBe('returned')
    expect(fileOutcome(['approve', 'return'])).toBe('conflicted')
    expect(fileOutcome(['return', 'reject'])).toBe('conflicted')
    expect(fileOutcome([])).toBe('pending')
  })

  it('releases a request when every file is approved, partly only when the policy allows', () => {
    expect(requestOutcome(['approved', 'approved'], false)).toBe('approved')
    expect(requestOutcome(['approved', 'returned'], false)).toBe('returned')
    expect(requestOutcome(['approved', 'returned'], true)).toBe('approved')
    expect(requestOutcome(['rejected', 'rejected'], true)).toBe('rejected')
    expect(requestOutcome(['approved', 'conflicted'], true)).toBeNull()
  })

  it("decides nothing until the policy's number of reviews is in", () => {
    let d = request([file('a.csv'), file('b.csv')])
    d = review(d, 'r1', { 'a.csv': 'approve', 'b.csv': 'approve' })
    expect(d.files.map((f) => f.state)).toEqual(['pending', 'pending'])
    expect(d.request.state).toBe('in_review')
    d = review(d, 'r2', { 'a.csv': 'approve', 'b.csv': 'return' })
    expect(d.files.map((f) => f.state)).toEqual(['approved', 'conflicted'])
    expect(d.request.state).toBe('in_review')
    // the first two can't settle; a third can, on the conflicted file only
    expect(() => review(d, 'r1', { 'b.csv': 'return' })).toThrow(/submitted your review/)
    expect(() => review(d, 'r3', { 'a.csv': 'approve', 'b.csv': 'return' })).toThrow(
      /only files the reviewers disagree on/
    )
    d = review(d, 'r3', { 'b.csv': 'approve' })
    expect(d.files.map((f) => f.state)).toEqual(['approved', 'approved'])
    expect(d.request.state).toBe('approved')
  })

  it('never lets a settlement approve what too few reviewers approved', () => {
    let d = request([file('a.csv')])
    d = review(d, 'r1', { 'a.csv': 'return' })
    d = review(d, 'r2', { 'a.csv': 'reject' })
    expect(d.files[0]!.state).toBe('conflicted')
    expect(() => review(d, 'r3', { 'a.csv': 'approve' })).toThrow(/Too few of the reviews approved/)
    // three needed, one approved: a fourth approval makes two, still short
    let e = request([file('a.csv')])
    for (const [who, v] of [
      ['r1', 'approve'],
      ['r2', 'return'],
      ['r3', 'return']
    ] as const) {
      e = review(e, who, { 'a.csv': v }, rules(3))
    }
    expect(() => review(e, 'r4', { 'a.csv': 'approve' }, rules(3))).toThrow(/Too few/)
    expect(review(e, 'r4', { 'a.csv': 'return' }, rules(3)).request.state).toBe('returned')
  })

  it('blocks approving a failing check without an allowed exception, and asks each approval to acknowledge it', () => {
    const failing = file('a.csv', [{ rule: 'differencing', outcome: 'fail' }])
    const d = request([failing])
    expect(() => review(d, 'r1', { 'a.csv': 'approve' })).toThrow(/no exception was asked/)
    const excepted: AirlockRequestDetail = {
      ...d,
      exceptions: [
        {
          id: 'e',
          requestId: 'r',
          fileId: 'a.csv',
          rule: 'differencing',
          reason: 'r',
          requestedBy: 'x',
          requestedAt: at
        }
      ]
    }
    expect(review(excepted, 'r1', { 'a.csv': 'approve' }).reviews).toHaveLength(1)
    const seen = { fileId: 'a.csv', round: 1, sha256: failing.sha256, vote: 'approve' as const, comment: null }
    expect(() =>
      planVote(
        excepted,
        standing('r1'),
        rules(),
        { ...seen, commentVisibility: 'researcher', acknowledgements: [] },
        ctx('r1'),
        id,
        everyone
      )
    ).toThrow(/Acknowledge the exception/)
    // in the reviewer's own words, not a copy of the researcher's reason
    const copied = [{ rule: 'differencing', kind: 'exception' as const, comment: ' r ' }]
    expect(() =>
      planVote(
        excepted,
        standing('r1'),
        rules(),
        { ...seen, commentVisibility: 'researcher', acknowledgements: copied },
        ctx('r1'),
        id,
        everyone
      )
    ).toThrow(/own words/)
    // a policy that no longer allows it blocks the approval again
    expect(() => review(excepted, 'r1', { 'a.csv': 'approve' }, { ...rules(), exceptionRules: [] })).toThrow(
      /allows no exception/
    )
  })

  it('counts only the votes of reviewers independent of the request now, by the same test that lets them see it', () => {
    const member = { ...standing('r1'), member: true }
    // one function: what refuses the reviewer a look leaves their votes out of the count
    expect(userCanSee(member)).toMatchObject({ ok: false, why: "the reviewer is a member of the request's project" })
    expect(counting([member, standing('r2'), { ...standing('r3'), assigned: false }])).toEqual(new Set(['r2']))

    let d = request([file('a.csv')])
    d = review(d, 'r1', { 'a.csv': 'approve' })
    // r1 is made a member of the project after submitting: r2's review is the only one that counts
    const withoutR1 = new Set(['r2', 'r3'])
    d = review(d, 'r2', { 'a.csv': 'approve' }, rules(), withoutR1)
    expect(d.request.state).toBe('in_review')
    expect(d.files[0]!.state).toBe('pending')
    expect(approvingVotes(countingOnly(d, withoutR1), d.files[0]!)).toHaveLength(1)
    // a further independent reviewer makes the policy's two
    d = review(d, 'r3', { 'a.csv': 'approve' }, rules(), withoutR1)
    expect(d.request.state).toBe('approved')
    // and a released request is left as it was decided
    const released = { ...d, request: { ...d.request, state: 'released' as const } }
    expect(countingOnly(released, new Set())).toBe(released)
  })

  it("drops a reviewer's votes once they are no longer independent, and opens again what the reviews decided with them", () => {
    let d = request([file('a.csv'), file('b.csv')])
    d = review(d, 'r1', { 'a.csv': 'approve', 'b.csv': 'approve' })
    d = review(d, 'r2', { 'a.csv': 'approve', 'b.csv': 'approve' })
    // approved, not yet released (an import waiting for a session, say)
    expect(d.request.state).toBe('approved')
    const m = planVoid(d, 'r1', "the reviewer is a member of the request's project", ctx('admin'))!
    // their approvals go; their review stays, set aside
    expect(m.drop).toEqual({ votes: d.votes.filter((v) => v.reviewerId === 'r1').map((v) => v.id), reviews: [] })
    expect(m.setAside).toEqual([d.reviews[0]!.id])
    expect(m.audit.map((a) => a.action)).toEqual([
      'review.void',
      'export.file_reopen',
      'export.file_reopen',
      'export.reopen'
    ])
    expect(m.audit[0]).toMatchObject({
      actor: 'admin',
      details: {
        reviewer: 'r1',
        reason: expect.stringMatching(/member/),
        votes: [{ vote: 'approve', submitted: true }, { vote: 'approve' }]
      }
    })
    d = apply(d, m)
    expect(d.request.state).toBe('in_review')
    expect(d.files.map((f) => f.state)).toEqual(['pending', 'pending'])
    expect(regularReviews(d).map((r) => r.reviewerId)).toEqual(['r2'])
    // nothing left of theirs: a second pass changes nothing
    expect(planVoid(d, 'r1', 'again', ctx('admin'))).toBeNull()
    // a further reviewer decides it again, with r2
    d = review(d, 'r3', { 'a.csv': 'approve', 'b.csv': 'approve' })
    expect(d.request.state).toBe('approved')

    // a settlement by a reviewer who is no longer independent: the file is conflicted again
    let e = request([file('a.csv')])
    e = review(e, 'r1', { 'a.csv': 'approve' })
    e = review(e, 'r2', { 'a.csv': 'return' })
    e = review(e, 'r3', { 'a.csv': 'approve' })
    expect(e.request.state).toBe('approved')
    e = apply(e, planVoid(e, 'r3', 'unassigned', ctx('admin'))!)
    expect(e).toMatchObject({ request: { state: 'in_review' }, files: [{ state: 'conflicted' }] })
    // only drafts: dropped, nothing else moves
    let f = request([file('a.csv')])
    f = draft(f, 'r1', { 'a.csv': 'approve' })
    const drafts = planVoid(f, 'r1', 'moved to the requester organization', ctx('admin'))!
    expect(drafts).toMatchObject({ files: [], drop: { reviews: [] } })
    expect(drafts.request).toBeUndefined()
  })

  it('keeps the veto of a reviewer who stops counting: their return stands, their review is set aside, and they vote no more in the round', () => {
    let d = request([file('a.csv'), file('b.csv')])
    d = review(d, 'r2', { 'a.csv': 'approve', 'b.csv': 'return' })
    const m = planVoid(d, 'r2', "the reviewer is not assigned to the request's project", ctx('admin'))!
    expect(m.audit[0]!.details).toMatchObject({
      reviewer: 'r2',
      votes: [{ name: 'a.csv', vote: 'approve', submitted: true }],
      standing: [{ name: 'b.csv', vote: 'return', submitted: true }],
      setAside: true
    })
    d = apply(d, m)
    expect(d.votes.map((v) => [v.reviewerId, v.fileId, v.vote])).toEqual([['r2', 'b.csv', 'return']])
    expect(regularReviews(d)).toEqual([])
    expect(planVoid(d, 'r2', 'again', ctx('admin'))).toBeNull()
    // assigned again, they count again, and still cast no vote in this round
    expect(userCanVote(d, standing('r2'), d.files[0]!, rules())).toMatchObject({
      ok: false,
      why: expect.stringMatching(/set aside/)
    })
    // two reviews approve both files: the standing return leaves b.csv conflicted, for a further reviewer
    d = review(d, 'r1', { 'a.csv': 'approve', 'b.csv': 'approve' })
    d = review(d, 'r3', { 'a.csv': 'approve', 'b.csv': 'approve' })
    expect(d.request.state).toBe('in_review')
    expect(d.files.map((f) => f.state)).toEqual(['approved', 'conflicted'])
    // settled as the rules say: here, returned
    d = review(d, 'r4', { 'b.csv': 'return' })
    expect(d.request.state).toBe('returned')

    // a veto stands even before anything is written: counted while its reviewer does not count
    let e = request([file('a.csv')])
    e = review(e, 'r2', { 'a.csv': 'return' })
    const withoutR2 = new Set(['r1', 'r3'])
    expect(countingOnly(e, withoutR2).votes.map((v) => v.vote)).toEqual(['return'])
    e = review(e, 'r1', { 'a.csv': 'approve' }, rules(), withoutR2)
    e = review(e, 'r3', { 'a.csv': 'approve' }, rules(), withoutR2)
    expect(e).toMatchObject({ request: { state: 'in_review' }, files: [{ state: 'conflicted' }] })
  })

  it('counts nothing of a suspended reviewer for release', () => {
    const suspended = { ...standing('r1'), active: false }
    expect(independent(suspended)).toMatchObject({ ok: false, why: "the reviewer's account is suspended" })
    expect(counting([suspended, standing('r2')])).toEqual(new Set(['r2']))
    let d = request([file('a.csv')])
    d = review(d, 'r1', { 'a.csv': 'approve' })
    const withoutR1 = new Set(['r2', 'r3'])
    d = review(d, 'r2', { 'a.csv': 'approve' }, rules(), withoutR1)
    expect(d).toMatchObject({ request: { state: 'in_review' }, files: [{ state: 'pending' }] })
    expect(approvingVotes(countingOnly(d, withoutR1), d.files[0]!)).toHaveLength(1)
  })

  it("counts a settling reviewer's vote only on the files they settle, never their drafts on others", () => {
    let d = request([file('a.csv'), file('b.csv')])
    // r3 drafts on both files while the round's reviews are still coming in
    d = draft(d, 'r3', { 'a.csv': 'approve', 'b.csv': 'approve' })
    d = review(d, 'r1', { 'a.csv': 'return', 'b.csv': 'approve' })
    d = review(d, 'r2', { 'a.csv': 'return', 'b.csv': 'return' })
    expect(d.files.map((f) => f.state)).toEqual(['returned', 'conflicted'])
    // r3 settles b.csv by returning it; their draft approval of a.csv is dropped, not counted
    d = review(d, 'r3', { 'b.csv': 'return' })
    expect(d.request.state).toBe('returned')
    expect(d.votes.filter((v) => v.reviewerId === 'r3').map((v) => [v.fileId, v.vote])).toEqual([['b.csv', 'return']])
    expect(approvingVotes(d, d.files[0]!)).toEqual([])
  })

  it('names an audit action for every move of the table', () => {
    for (const m of [...REQUEST_MOVES, ...FILE_MOVES]) {
      expect(m.action).toMatch(/^(\{direction\}|review)\.[a-z_]+$/)
    }
  })
})
