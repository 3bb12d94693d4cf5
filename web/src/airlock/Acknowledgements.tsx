import { useId } from 'react'
import type { AcknowledgementKind, ExportFileView } from '../api/types'
import { formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { useRuleLabel } from './Badges'
import { airlockStrings } from './strings'

/**
 * What a reviewer says of each check an approval must acknowledge: their comment (required for an
 * exception; for a review outcome, the tick is the string, its comment optional), false when not ticked.
 */
export type AckAnswers = Readonly<Record<string, string | false>>

export const ackKey = (rule: string, kind: AcknowledgementKind) => `${kind}:${rule}`

/** Whether every acknowledgement the file needs has its answer: a comment for an exception, a tick for a review. */
export function acksComplete(file: ExportFileView, answers: AckAnswers): boolean {
  return file.acknowledgementsNeeded.every(({ rule, kind }) => {
    const a = answers[ackKey(rule, kind)]
    return typeof a === 'string' && (kind === 'review' || a.trim() !== '')
  })
}

interface Props {
  file: ExportFileView
  answers: AckAnswers
  onChange(key: string, value: string | false): void
  /** the reviewer tried to approve without them */
  invalid: boolean
}

/**
 * The acknowledgements an approval of the file needs: each failing check the researcher asked an
 * exception for (their reason shown, the reviewer's own comment asked), and each check whose
 * outcome asks a person to look (a tick, and what they found if they wish).
 */
export function Acknowledgements({ file, answers, onChange, invalid }: Props) {
  const s = useStrings(airlockStrings).review
  const t = s.vote
  const ruleLabel = useRuleLabel()
  const { language } = useLanguage()
  const id = useId()
  if (file.acknowledgementsNeeded.length === 0) return null
  return (
    <fieldset className="acks" data-testid="vote-acks">
      <legend className="decision-form__legend">{t.acksLegend}</legend>
      <p className="field__hint">{t.acksHint}</p>
      {file.acknowledgementsNeeded.map(({ rule, kind }) => {
        const key = ackKey(rule, kind)
        const answer = answers[key]
        const field = `${id}-${key}`
        if (kind === 'review') {
          const ticked = typeof answer === 'string'
          return (
            <div key={key} className="acks__review" data-testid="ack" data-rule={rule} data-kind={kind}>
              <div className="acks__tick">
                <input
                  id={field}
                  type="checkbox"
                  checked={ticked}
                  onChange={(e) => onChange(key, e.target.checked ? '' : false)}
                  aria-invalid={invalid && !ticked}
                  data-testid="ack-review"
                />
                <label htmlFor={field}>{t.ackReview(ruleLabel(rule))}</label>
              </div>
              {ticked && (
                <>
                  <label htmlFor={`${field}-comment`}>{t.ackReviewComment(ruleLabel(rule))}</label>
                  <textarea
                    id={`${field}-comment`}
                    className="decision-form__text"
                    rows={2}
                    maxLength={4000}
                    value={answer}
                    onChange={(e) => onChange(key, e.target.value)}
                    data-testid="ack-review-comment"
                  />
                </>
              )}
            </div>
          )
        }
        const text = typeof answer === 'string' ? answer : ''
        return (
          <div key={key} className="acks__exception" data-testid="ack" data-rule={rule} data-kind={kind}>
            <p className="acks__rule">{t.ackException(ruleLabel(rule))}</p>
            {file.exceptions
              .filter((e) => e.rule === rule)
              .map((e) => (
                <blockquote key={e.requestedAt} className="acks__reason" data-testid="ack-reason">
                  <p className="acks__by">{s.exceptionBy(e.requestedBy, formatDateTime(e.requestedAt, language))}</p>
                  <p className="acks__text">{e.reason}</p>
                </blockquote>
              ))}
            <label htmlFor={field}>{t.ackExceptionComment(ruleLabel(rule))}</label>
            <p id={`${field}-hint`} className="field__hint">
              {t.ackExceptionHint}
            </p>
            <textarea
              id={field}
              className="decision-form__text"
              rows={2}
              maxLength={4000}
              value={text}
              onChange={(e) => onChange(key, e.target.value)}
              aria-invalid={invalid && text.trim() === ''}
              aria-describedby={`${field}-hint`}
              data-testid="ack-comment"
            />
          </div>
        )
      })}
    </fieldset>
  )
}
