import type { DecisionView } from '../api/types'
import { formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
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
