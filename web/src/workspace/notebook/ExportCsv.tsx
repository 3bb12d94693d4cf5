import { useId, useState, type FormEvent } from 'react'
import type { ApiClient } from '../../api/client'
import type { ExportResult } from '../../api/types'
import { formatCount } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import type { NotebookCell } from '../notebook-format'
import { workspaceStrings } from '../strings'
import { errorText, EXPORT_NAME } from '../workspace-files'

/** "Send to outbox as CSV": all rows of the cell's last result, with its source beside, for the airlock. */
export function ExportCsv({ api, sessionId, cell }: { api: ApiClient; sessionId: string; cell: NotebookCell }) {
  const t = useStrings(workspaceStrings).notebook.export
  const { language } = useLanguage()
  const id = useId()
  const [open, setOpen] = useState(false)
  const [name, setName] = useState('')
  const [invalid, setInvalid] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<ExportResult | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    const wanted = name.trim()
    const problem = /\.(csv|sql|py)$/i.test(wanted) ? t.withExtension : EXPORT_NAME.test(wanted) ? null : t.invalidName
    setInvalid(problem)
    setError(null)
    if (problem !== null) return
    setSending(true)
    try {
      const result = await api.exportCell(sessionId, { language: cell.language, source: cell.source, name: wanted })
      setDone(result)
      setOpen(false)
      setName('')
    } catch (err) {
      setError(errorText(err))
    } finally {
      setSending(false)
    }
  }

  const explain = cell.language === 'python' ? `${t.explain} ${t.explainPython}` : t.explain
  return (
    <div className="export">
      {!open && (
        <div className="export__start">
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => {
              setOpen(true)
              setDone(null)
            }}
            data-testid="export-csv"
          >
            {t.action}
          </button>
          <p className="export__explain">{explain}</p>
        </div>
      )}
      {open && (
        <form
          className="inline-form export__form"
          noValidate
          onSubmit={(e) => void submit(e)}
          onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        >
          <p className="export__explain inline-form__hint">{explain}</p>
          <label htmlFor={`${id}-name`}>{t.name}</label>
          <input
            id={`${id}-name`}
            className="inline-form__input export__name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={invalid !== null || undefined}
            aria-describedby={invalid !== null ? `${id}-invalid` : `${id}-hint`}
            autoFocus
            spellCheck={false}
            maxLength={120}
            data-testid="export-name"
          />
          <span className="export__extension" aria-hidden="true">
            .csv
          </span>
          <button
            type="submit"
            className="button button--primary button--small"
            disabled={sending}
            data-testid="export-submit"
          >
            {sending ? t.sending : t.send}
          </button>
          <button type="button" className="button button--secondary button--small" onClick={() => setOpen(false)}>
            {t.cancel}
          </button>
          {invalid !== null ? (
            <p
              id={`${id}-invalid`}
              className="field__error inline-form__hint"
              role="alert"
              data-testid="export-invalid"
            >
              {invalid}
            </p>
          ) : (
            <p id={`${id}-hint`} className="field__hint inline-form__hint">
              {t.hint}
            </p>
          )}
          {error !== null && (
            <p className="error-message inline-form__hint" role="alert" data-testid="export-error">
              {error}
            </p>
          )}
        </form>
      )}
      {done !== null && (
        <p className="notice notice--ok" role="status" data-testid="export-result">
          {t.done(done.csv.path, done.query.path, formatCount(done.rows, language))}
        </p>
      )}
    </div>
  )
}
