import { useId } from 'react'
import { useStrings } from '../i18n/language'
import { useRuleLabel } from './Badges'
import { MAX_JUSTIFICATION } from './airlock-format'
import { airlockStrings } from './strings'

/**
 * The checks that can fail and that a policy may let be excepted (never file-type or row-level):
 * offered with a new submission, before any check has run, for a file expected to fail one. The
 * gateway refuses one the project's policy does not allow, saying which it does.
 */
export const EXCEPTABLE_AT_SUBMISSION = ['threshold', 'zeros', 'dominance', 'p-percent', 'residual-df', 'differencing']

interface Props {
  name: string
  /**
   * the rules offered: with a resubmission, those that failed in the round returned and that the
   * policy lets be excepted; with a new submission, EXCEPTABLE_AT_SUBMISSION
   */
  rules: readonly string[]
  /** a new submission (checks not run yet: folded away, for a failure expected) or a resubmission */
  when: 'submit' | 'resubmit'
  /** rule -> reason, for each exception asked */
  asked: Readonly<Record<string, string>>
  onChange(asked: Readonly<Record<string, string>>): void
  /** the researcher tried to send without a reason for an exception they ticked */
  attempted: boolean
}

/**
 * Exceptions asked with a file: for each check offered, a tick and the reason. Sent again, the
 * checks that failed in the round returned; submitted anew, folded away, the checks a file may be
 * expected to fail. The gateway refuses the submission when a check asked for does not fail.
 */
export function PickExceptions({ name, rules, when, asked, onChange, attempted }: Props) {
  const t = useStrings(airlockStrings).picker
  const ruleLabel = useRuleLabel()
  const id = useId()
  if (rules.length === 0) return null
  const fields = (
    <fieldset className="pick-exceptions" data-testid="pick-exceptions">
      <legend className="pick-exceptions__legend">{t.exceptionsLegend(name)}</legend>
      <p className="field__hint">{when === 'submit' ? t.expectedHint : t.exceptionsHint}</p>
      {rules.map((rule) => {
        const on = rule in asked
        const reason = asked[rule] ?? ''
        const invalid = attempted && on && reason.trim() === ''
        return (
          <div key={rule} className="pick-exceptions__rule" data-rule={rule}>
            <div className="cart__pick">
              <input
                id={`${id}-${rule}`}
                type="checkbox"
                checked={on}
                onChange={(e) => {
                  const next = { ...asked }
                  if (e.target.checked) next[rule] = ''
                  else delete next[rule]
                  onChange(next)
                }}
                data-testid="pick-exception"
              />
              <label htmlFor={`${id}-${rule}`}>{t.exceptionAsk(ruleLabel(rule))}</label>
            </div>
            {on && (
              <div className="cart__why">
                <label htmlFor={`${id}-${rule}-reason`}>{t.exceptionReason(ruleLabel(rule))}</label>
                <textarea
                  id={`${id}-${rule}-reason`}
                  className="cart__text"
                  rows={2}
                  maxLength={MAX_JUSTIFICATION}
                  value={reason}
                  onChange={(e) => onChange({ ...asked, [rule]: e.target.value })}
                  aria-invalid={invalid}
                  aria-describedby={invalid ? `${id}-${rule}-error` : undefined}
                  data-testid="pick-exception-reason"
                />
                {invalid && (
                  <p id={`${id}-${rule}-error`} className="field__error">
                    {t.exceptionReasonMissing(ruleLabel(rule), name)}
                  </p>
                )}
              </div>
            )}
          </div>
        )
      })}
    </fieldset>
  )
  if (when === 'resubmit') return fields
  return (
    <details className="pick-exceptions__expected" open={Object.keys(asked).length > 0}>
      <summary data-testid="pick-exceptions-open">{t.expectedSummary}</summary>
      {fields}
    </details>
  )
}
