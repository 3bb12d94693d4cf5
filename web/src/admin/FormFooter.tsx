import { useState, type FormEvent } from 'react'
import { serverMessage } from '../api/client'

/**
 * The submit of a console form: the server's refusal is kept to be shown beside the form, and
 * `after` runs only when the change was made.
 */
export function useFormSubmit(save: () => Promise<void>, after?: () => void) {
  const [error, setError] = useState<string | null>(null)
  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      await save()
      after?.()
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }
  return { error, submit: (e: FormEvent) => void submit(e) }
}

/** The end of a console form: the server's refusal, then submit and (when it can be left) cancel. */
export function FormFooter(props: {
  error: string | null
  /** the refusal's test id; a form the tests do not read has none */
  errorTestId?: string
  submitLabel: string
  cancelLabel: string
  onCancel?(): void
}) {
  return (
    <>
      {props.error !== null && (
        <p className="field__error" role="alert" data-testid={props.errorTestId}>
          {props.error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--small button--primary">
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="button button--small button--secondary" onClick={props.onCancel}>
            {props.cancelLabel}
          </button>
        )}
      </div>
    </>
  )
}
