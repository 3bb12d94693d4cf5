import type { DecisionView, VoteView } from '../api/types'
import { formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { useRuleLabel } from './Badges'
import { airlockStrings } from './strings'

const DECISION_BADGE = { approve: 'ok', return: 'caution', reject: 'danger' } as const

/** Reviewers' decisions and comments, oldest first. The comments are shown as the reviewers wrote them. */
export function DecisionList({ decisions, empty }: { decisions: readonly DecisionView[]; empty?: string }) {
  const t = useStrings(airlockStrings)
  const { language } = useLanguage()
  if (decisions.length === 0) return empty === undefined ? null : <p className="decisions__none">{empty}</p>
  return (
    <ul className="decisions">
      {decisions.map((d, i) => (
        <li key={i} className="decisions__item" data-testid="decision" data-decision={d.decision} data-round={d.round}>
          <div className="decisions__head">
            <span className={`badge badge--${DECISION_BADGE[d.decision]}`}>{t.decisions[d.decision]}</span>
            <span className="decisions__who">{d.reviewer}</span>
            <span className="decisions__when">
              {t.request.roundShort(d.round)} ·{' '}
              <time dateTime={d.createdAt}>{formatDateTime(d.createdAt, language)}</time>
            </span>
          </div>
          {d.comment !== null && <p className="decisions__comment">{d.comment}</p>}
        </li>
      ))}
    </ul>
  )
}

/**
 * The votes on one file that the reader may read, as the server chose them: a reviewer's own
 * (drafts too) and others' once their own review is in; the researcher's once the round is decided,
 * without the comments meant for reviewers only.
 */
export function VoteList({ votes, me, label }: { votes: readonly VoteView[]; me?: string; label: string }) {
  const t = useStrings(airlockStrings)
  const ruleLabel = useRuleLabel()
  const { language } = useLanguage()
  if (votes.length === 0) return null
  return (
    <ul className="decisions" aria-label={label}>
      {votes.map((v) => (
        <li
          key={v.reviewer}
          className="decisions__item"
          data-testid="vote"
          data-reviewer={v.reviewer}
          data-vote={v.vote}
          data-submitted={v.submitted}
        >
          <div className="decisions__head">
            <span className={`badge badge--${DECISION_BADGE[v.vote]}`}>{t.decisions[v.vote]}</span>
            <span className="decisions__who">{v.reviewer === me ? t.votes.you(v.reviewer) : v.reviewer}</span>
            {!v.submitted && <span className="badge badge--neutral">{t.votes.draft}</span>}
            {v.commentVisibility === 'reviewers' && v.comment !== null && (
              <span className="badge badge--warn">{t.votes.forReviewers}</span>
            )}
            <span className="decisions__when">
              <time dateTime={v.updatedAt}>{formatDateTime(v.updatedAt, language)}</time>
            </span>
          </div>
          {v.comment !== null && (
            <p className="decisions__comment" data-testid="vote-comment">
              {v.comment}
            </p>
          )}
          {v.comment === null && v.commentVisibility === 'reviewers' && (
            <p className="decisions__note">{t.votes.commentForReviewers}</p>
          )}
          {v.acknowledgements.length > 0 && (
            <ul className="decisions__acks">
              {v.acknowledgements.map((a) => (
                <li key={`${a.kind}-${a.rule}`} data-testid="vote-ack" data-rule={a.rule} data-kind={a.kind}>
                  {a.kind === 'exception' ? (
                    <>
                      {t.votes.ackException(ruleLabel(a.rule))} <q>{a.comment}</q>
                    </>
                  ) : (
                    <>
                      {t.votes.ackReview(ruleLabel(a.rule))}
                      {a.comment !== null && (
                        <>
                          {' '}
                          <q>{a.comment}</q>
                        </>
                      )}
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  )
}
