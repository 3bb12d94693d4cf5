import type { TestGateway } from './gateway.js'

/** A request as the API shows it, as far as the tests read it. */
export interface RequestView {
  id: string
  direction: string
  state: string
  round: number
  approvals: number
  approvalsNeeded: number
  exceptionRules: string[]
  votesHidden: boolean
  reviewKind: 'review' | 'settle' | null
  can: Record<string, { ok: boolean; why?: string }>
  files: FileView[]
  reviews: { round: number; reviewer: string; kind: string }[]
  decisions: { round: number; reviewer: string; decision: string; comment: string | null }[]
}

export interface FileView {
  id: string
  round: number
  name: string
  sha256: string
  size: number
  outcome: string
  state: string
  checks: { rule: string; outcome: string; message: string; rows?: number[] }[]
  provenance: { source: string } | null
  exceptions: { rule: string; reason: string; requestedBy: string }[]
  acknowledgementsNeeded: { rule: string; kind: 'exception' | 'review' }[]
  votes: {
    reviewer: string
    vote: string
    comment: string | null
    commentVisibility: string
    acknowledgements: { rule: string; kind: string; comment: string | null }[]
    submitted: boolean
  }[]
  exceptable: string[]
  can: Record<string, { ok: boolean; why?: string }>
}

export type Vote = 'approve' | 'return' | 'reject'

/** The airlock's API as the tests call it, each caller by the name their token is kept under. */
export function airlockApi(gw: TestGateway, tokens: Record<string, string>) {
  const call = (who: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    gw.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[who]}` },
      ...(payload === undefined ? {} : { payload })
    })
  const roundFiles = (seen: RequestView) => seen.files.filter((f) => f.round === seen.round)
  /** What a reviewer's page holds: the request as last seen, whose round and digests a vote names. */
  const look = async (who: string, id: string) =>
    (await call(who, 'GET', `/api/v1/reviews/${id}`)).json() as RequestView
  const vote = (who: string, seen: RequestView, file: FileView, v: Vote, extra: object = {}) =>
    call(who, 'PUT', `/api/v1/reviews/${seen.id}/files/${file.id}/vote`, {
      round: seen.round,
      sha256: file.sha256,
      vote: v,
      ...extra
    })
  /** Every acknowledgement an approval of the file needs, each with a comment. */
  const acknowledging = (file: FileView) =>
    file.acknowledgementsNeeded.map((a) => ({ ...a, comment: `I looked at the ${a.rule} check and accept it.` }))
  const submitReview = (who: string, seen: RequestView) =>
    call(who, 'POST', `/api/v1/reviews/${seen.id}/review`, {
      round: seen.round,
      sha256s: roundFiles(seen).map((f) => f.sha256)
    })
  /**
   * A reviewer looks, votes on each file of the round (only the conflicted ones when settling),
   * acknowledging what an approval needs, and submits; the first refusal is returned as it came.
   */
  const review = async (who: string, id: string, votes: Vote | Record<string, Vote>, comment = 'See the file.') => {
    const seen = await look(who, id)
    const files = roundFiles(seen).filter((f) => seen.reviewKind !== 'settle' || f.state === 'conflicted')
    for (const f of files) {
      const v = typeof votes === 'string' ? votes : votes[f.name]!
      const res = await vote(who, seen, f, v, v === 'approve' ? { acknowledgements: acknowledging(f) } : { comment })
      if (res.statusCode !== 200) return res
    }
    return submitReview(who, seen)
  }
  return { call, look, vote, submitReview, review, roundFiles, acknowledging }
}
