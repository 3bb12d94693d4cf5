import { useId, useRef, useState, type FormEvent } from 'react'
import type { ExceptionBody, ExportFileView } from '../api/types'
import { useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { useRuleLabel } from './Badges'
import { MAX_JUSTIFICATION } from './airlock-format'
import { airlockStrings } from './strings'

interface Props {
  file: ExportFileView
  /** sends the exception; a refusal is shown as the server's sentence and keeps what was written */
  onSubmit(body: ExceptionBody): Promise<void>
  onCancel(): void
}

/**
 * The researcher asks that one failing check of a file be excepted, with a reason: only for the
 * checks the server says may be excepted now (`exceptable`); each reviewer reads the reason and
 * acknowledges it in their own words before approving.
 */
export function ExceptionForm({ file, onSubmit, onCancel }: Props) {
  const t = useStrings(airlockStrings).exception
  const ruleLabel = useRuleLabel()
  const [rule, setRule] = useState(file.exceptable[0] ?? '')
  const [reason, setReason] = useState('')
  const [attempted, setAttempted] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const reasonField = useRef<HTMLTextAreaElement>(null)
  const id = useId()
  const missing = attempted && reason.trim() === ''

  async function submit(e: FormEvent) {
    e.preventDefault()
    setAttempted(true)
    if (reason.trim() === '') {
      setError(t.reasonMissing)
      reasonField.current?.focus()
      return
    }
    setSending(true)
    setError(null)
    try {
      await onSubmit({ rule, reason: reason.trim() })
    } catch (err) {
      setError(errorText(err))
    } finally {
      setSending(false)
    }
  }

  return (
    <form
      className="exception-form"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      noValidate
      aria-labelledby={`${id}-legend`}
      data-testid="exception-form"
    >
      <p id={`${id}-legend`} className="exception-form__legend">
        {t.legend(file.name)}
      </p>
      <div className="exception-form__field">
        <label htmlFor={`${id}-rule`}>{t.rule}</label>
        <select id={`${id}-rule`} value={rule} onChange={(e) => setRule(e.target.value)} data-testid="exception-rule">
          {file.exceptable.map((r) => (
            <option key={r} value={r}>
              {ruleLabel(r)}
            </option>
          ))}
        </select>
      </div>
      <div className="exception-form__field">
        <label htmlFor={`${id}-reason`}>{t.reason}</label>
        <p id={`${id}-hint`} className="field__hint">
          {t.reasonHint}
        </p>
        <textarea
          id={`${id}-reason`}
          ref={reasonField}
          className="cart__text"
          rows={3}
          maxLength={MAX_JUSTIFICATION}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          required
          aria-invalid={missing}
          aria-describedby={`${id}-hint`}
          autoFocus
          data-testid="exception-reason"
        />
      </div>
      {error !== null && (
        <p className="error-message" role="alert" data-testid="exception-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button
          type="submit"
          className="button button--primary button--small"
          disabled={sending}
          data-testid="exception-send"
        >
          {sending ? t.sending : t.send}
        </button>
        <button type="button" className="button button--secondary button--small" onClick={onCancel}>
          {t.cancel}
        </button>
      </div>
    </form>
  )
}
