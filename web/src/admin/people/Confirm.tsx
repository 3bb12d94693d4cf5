import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import { serverMessage } from '../../api/client'

/**
 * An action that needs a second, deliberate step: the question, an optional reason for the audit,
 * Confirm and Cancel. Focus moves to the reason (or Confirm) when it opens, Escape cancels, and a
 * refusal from the server is shown inside it, next to what was asked.
 */
export function Confirm(props: {
  question: string
  confirmLabel: string
  cancelLabel: string
  /** when set, a reason field with this label is offered and passed to onConfirm */
  reasonLabel?: string
  danger?: boolean
  onConfirm(reason: string): Promise<void>
  onCancel(): void
  testId: string
  children?: ReactNode
}) {
  const id = useId()
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const first = useRef<HTMLTextAreaElement & HTMLButtonElement>(null)
  useEffect(() => first.current?.focus(), [])

  async function confirm() {
    setBusy(true)
    setError(null)
    try {
      await props.onConfirm(reason.trim())
    } catch (err) {
      setError(serverMessage(err))
      setBusy(false)
    }
  }

  return (
    <div
      role="alertdialog"
      aria-labelledby={`${id}-q`}
      aria-describedby={error ? `${id}-e` : undefined}
      className="admin-confirm"
      data-testid={props.testId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onCancel()
      }}
    >
      <p id={`${id}-q`}>{props.question}</p>
      {props.children}
      {props.reasonLabel !== undefined && (
        <div className="field">
          <label htmlFor={`${id}-r`}>{props.reasonLabel}</label>
          <textarea
            id={`${id}-r`}
            ref={first}
            rows={2}
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            data-testid="confirm-reason"
          />
        </div>
      )}
      {error !== null && (
        <p id={`${id}-e`} className="field__error" role="alert" data-testid="confirm-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          ref={props.reasonLabel === undefined ? first : undefined}
          className={`button button--small ${props.danger ? 'button--danger' : 'button--primary'}`}
          disabled={busy}
          onClick={() => void confirm()}
          data-testid="confirm-yes"
        >
          {props.confirmLabel}
        </button>
        <button type="button" className="button button--small button--secondary" onClick={props.onCancel}>
          {props.cancelLabel}
        </button>
      </div>
    </div>
  )
}

/** A one-time display of issued secrets, with the same keyboard behaviour. */
export function Credentials(props: {
  heading: string
  intro: string
  rows: [string, string][]
  closeLabel: string
  onClose(): void
}) {
  const id = useId()
  const close = useRef<HTMLButtonElement>(null)
  useEffect(() => close.current?.focus(), [])
  return (
    <div
      role="dialog"
      aria-labelledby={`${id}-h`}
      className="admin-confirm"
      data-testid="issued-credentials"
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onClose()
      }}
    >
      <h3 id={`${id}-h`}>{props.heading}</h3>
      <p>{props.intro}</p>
      <dl className="admin-credentials">
        {props.rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <code data-testid={`issued-${k}`}>{v}</code>
            </dd>
          </div>
        ))}
      </dl>
      <button type="button" ref={close} className="button button--small button--secondary" onClick={props.onClose}>
        {props.closeLabel}
      </button>
    </div>
  )
}
