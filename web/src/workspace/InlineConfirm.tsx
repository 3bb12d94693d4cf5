import type { KeyboardEvent } from 'react'

/**
 * A question asked in place before something is lost (a file, a cell, the kernel's variables):
 * Cancel takes focus, so Enter does no harm.
 */
export function InlineConfirm(props: {
  label: string
  question: string
  confirmLabel: string
  cancelLabel: string
  confirmTestId: string
  busy?: boolean
  onConfirm(): void
  onCancel(): void
  onKeyDown?(e: KeyboardEvent): void
}) {
  return (
    <div className="inline-confirm" role="group" aria-label={props.label} onKeyDown={props.onKeyDown}>
      <p>{props.question}</p>
      <button
        type="button"
        className="button button--danger button--small"
        disabled={props.busy}
        onClick={props.onConfirm}
        data-testid={props.confirmTestId}
      >
        {props.confirmLabel}
      </button>
      <button type="button" className="button button--secondary button--small" onClick={props.onCancel} autoFocus>
        {props.cancelLabel}
      </button>
    </div>
  )
}
