import { useId, useRef, useState, type FormEvent } from 'react'
import { ApiError, NetworkError } from '../api/client'
import { formatBytes } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { MAX_JUSTIFICATION } from './airlock-format'
import { airlockStrings } from './strings'

/**
 * The name and justification travel in the query string (the body is the file itself), so they
 * must fit in the request line: the gateway's HTTP server takes 16 KiB of request line and headers
 * together, and proxies often less. Checked here, as encoded, to say so before uploading.
 */
export const MAX_QUERY_LENGTH = 8000

interface Props {
  projectId: string
  /** uploads the file; a refusal is shown as the server's message and keeps what was entered */
  onSubmit(file: File, justification: string): Promise<void>
}

/**
 * "Bring a file in": one file from the researcher's computer and why it is needed inside. The kinds
 * and size allowed are the policy's, on the server: the help text gives the defaults, and a refusal
 * says what the policy allows.
 */
export function ImportForm({ projectId, onSubmit }: Props) {
  const t = useStrings(airlockStrings).imports
  const { language } = useLanguage()
  const [file, setFile] = useState<File | null>(null)
  const [justification, setJustification] = useState('')
  const [attempted, setAttempted] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const textInput = useRef<HTMLTextAreaElement>(null)
  const id = useId()

  const fileMissing = attempted && file === null
  const textMissing = attempted && justification.trim() === ''

  async function submit(e: FormEvent) {
    e.preventDefault()
    setAttempted(true)
    const why = justification.trim()
    if (file === null) {
      setError(why === '' ? `${t.fileMissing} ${t.justificationMissing}` : t.fileMissing)
      fileInput.current?.focus()
      return
    }
    if (why === '') {
      setError(t.justificationMissing)
      textInput.current?.focus()
      return
    }
    if (new URLSearchParams({ projectId, name: file.name, justification: why }).toString().length > MAX_QUERY_LENGTH) {
      setError(t.justificationTooLong)
      textInput.current?.focus()
      return
    }
    setSending(true)
    setError(null)
    try {
      await onSubmit(file, why)
      setFile(null)
      setJustification('')
      setAttempted(false)
      if (fileInput.current !== null) fileInput.current.value = ''
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 414 || err.status === 431)
          ? t.justificationTooLong
          : // the connection dropped: the message would name the whole URL, justification and all
            err instanceof NetworkError
            ? t.sendFailed
            : errorText(err)
      )
    } finally {
      setSending(false)
    }
  }

  return (
    <form
      className="cart import-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${id}-heading`}
      aria-busy={sending}
      data-testid="import-form"
    >
      <h3 id={`${id}-heading`} className="cart__heading import-form__heading">
        {t.heading}
      </h3>
      <p className="cart__intro">{t.intro}</p>
      <div className="field import-form__field">
        <label htmlFor={`${id}-file`}>{t.file}</label>
        <p id={`${id}-file-hint`} className="field__hint">
          {t.fileHint}
        </p>
        <input
          id={`${id}-file`}
          ref={fileInput}
          type="file"
          className="import-form__file"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null)
            setError(null)
          }}
          required
          aria-required="true"
          aria-invalid={fileMissing}
          aria-describedby={`${id}-file-hint${fileMissing ? ` ${id}-file-error` : ''}`}
          data-testid="import-file"
        />
        {file !== null && (
          <p className="import-form__chosen" data-testid="import-chosen">
            {t.chosen(file.name, formatBytes(file.size, language))}
          </p>
        )}
        {fileMissing && (
          <p id={`${id}-file-error`} className="field__error">
            {t.fileMissing}
          </p>
        )}
      </div>
      <div className="field import-form__field">
        <label htmlFor={`${id}-why`}>{t.justification}</label>
        <p id={`${id}-why-hint`} className="field__hint">
          {t.justificationHint}
        </p>
        <textarea
          id={`${id}-why`}
          ref={textInput}
          className="cart__text"
          value={justification}
          onChange={(e) => setJustification(e.target.value)}
          required
          aria-required="true"
          maxLength={MAX_JUSTIFICATION}
          rows={3}
          aria-invalid={textMissing}
          aria-describedby={`${id}-why-hint${textMissing ? ` ${id}-why-error` : ''}`}
          data-testid="import-justification"
        />
        {textMissing && (
          <p id={`${id}-why-error`} className="field__error">
            {t.justificationMissing}
          </p>
        )}
      </div>
      {error !== null && (
        <p className="error-message" role="alert" data-testid="import-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={sending} data-testid="import-submit">
          {sending ? t.submitting : t.submit}
        </button>
      </div>
    </form>
  )
}
