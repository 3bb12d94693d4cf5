import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react'
import type { ApiClient } from '../api/client'
import type { FileEntry, SubmitFile } from '../api/types'
import { formatBytes, formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { baseName, errorText, OUTBOX } from '../workspace/workspace-files'
import { MAX_FILES, MAX_JUSTIFICATION } from './airlock-format'
import { useRuleLabel } from './Badges'
import { EXCEPTABLE_AT_SUBMISSION, PickExceptions } from './PickExceptions'
import { airlockStrings } from './strings'

/** A file of a returned round, picked from the start when the outbox still has it. */
export interface InitialPick {
  name: string
  justification: string
  /** the checks that failed in that round and may be excepted: offered with the file sent again */
  exceptable?: readonly string[]
}

interface Props {
  api: ApiClient
  /** the running session whose outbox/ the files are picked from */
  sessionId: string
  /** the export cart, or the files of a returned request sent again */
  mode: 'cart' | 'resubmit'
  /** the outbox is read again each time this turns true (its tab is shown) */
  active?: boolean
  /** files picked from the start, by name, with their justification (a returned request's files) */
  initial?: readonly InitialPick[]
  /** sends the picked files; a rejection is shown as the server's message and keeps the picks */
  onSubmit(files: SubmitFile[]): Promise<void>
  onCancel?(): void
}

/**
 * The files directly or deeply under outbox/, each with a checkbox and, once picked, the
 * justification it needs; submits them together. Used as the export cart and to send a returned
 * request again.
 */
export function OutboxPicker({ api, sessionId, mode, active = true, initial, onSubmit, onCancel }: Props) {
  const t = useStrings(airlockStrings).picker
  const ruleLabel = useRuleLabel()
  const { language } = useLanguage()
  const [files, setFiles] = useState<FileEntry[] | null>(null)
  const [truncated, setTruncated] = useState(false)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  /** picked path -> its justification */
  const [picks, setPicks] = useState<ReadonlyMap<string, string>>(new Map())
  /** picked path -> the exceptions asked with it (rule -> reason) */
  const [asks, setAsks] = useState<ReadonlyMap<string, Readonly<Record<string, string>>>>(new Map())
  // the exceptions offered by file name stay known after the first listing, unlike the picks
  const offers = useRef(new Map((initial ?? []).map((f) => [f.name, f.exceptable ?? []] as const)))
  const [attempted, setAttempted] = useState(false)
  const [formError, setFormError] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  // only the first listing is seeded: later ones keep what the researcher picked since
  const seed = useRef(initial)
  const fields = useRef(new Map<string, HTMLElement>())
  const heading = useRef<HTMLHeadingElement>(null)
  const id = useId()
  const prefix = mode

  const load = useCallback(async () => {
    setLoading(true)
    try {
      const list = await api.listFiles(sessionId)
      const outbox = list.entries
        .filter((e) => e.type === 'file' && e.path.startsWith(`${OUTBOX}/`))
        .sort((a, b) => a.path.localeCompare(b.path))
      setFiles(outbox)
      setTruncated(list.truncated)
      setLoadError(null)
      const present = new Set(outbox.map((f) => f.path))
      setPicks((p) => new Map([...p].filter(([path]) => present.has(path))))
      if (seed.current !== undefined) {
        const byName = new Map(seed.current.map((f) => [f.name, f.justification]))
        seed.current = undefined
        setPicks(new Map(outbox.filter((f) => byName.has(f.name)).map((f) => [f.path, byName.get(f.name)!] as const)))
      }
    } catch (err) {
      setLoadError(errorText(err))
    } finally {
      setLoading(false)
    }
  }, [api, sessionId])

  useEffect(() => {
    if (active) void load()
  }, [active, load])

  // sending again opens the picker inside a request: take the reader there
  useEffect(() => {
    if (mode === 'resubmit') heading.current?.focus()
  }, [mode])

  const picked = files?.filter((f) => picks.has(f.path)) ?? []
  const missing = (path: string) => (picks.get(path) ?? '').trim() === ''
  const asked = (path: string) => asks.get(path) ?? {}
  /** the checks that failed in the round returned, or (a new file) any a file may be expected to fail */
  const offered = (name: string) => {
    const failed = offers.current.get(name) ?? []
    return failed.length > 0
      ? { rules: failed, when: 'resubmit' as const }
      : { rules: EXCEPTABLE_AT_SUBMISSION, when: 'submit' as const }
  }

  function toggle(path: string, on: boolean) {
    setPicks((p) => {
      const next = new Map(p)
      if (on) next.set(path, next.get(path) ?? '')
      else next.delete(path)
      return next
    })
    setFormError(null)
  }

  function justify(path: string, text: string) {
    setPicks((p) => new Map(p).set(path, text))
  }

  async function submit(e: FormEvent) {
    e.preventDefault()
    setAttempted(true)
    if (picked.length === 0) {
      setFormError(t.noneSelected)
      return
    }
    if (picked.length > MAX_FILES) {
      setFormError(t.tooMany(MAX_FILES))
      return
    }
    const empty = picked.filter((f) => missing(f.path))
    if (empty.length > 0) {
      setFormError(t.justificationsMissing(empty.length))
      fields.current.get(empty[0]!.path)?.focus()
      return
    }
    const unexplained = picked.flatMap((f) =>
      Object.entries(asked(f.path))
        .filter(([, reason]) => reason.trim() === '')
        .map(([rule]) => ({ name: baseName(f.path), rule }))
    )
    if (unexplained.length > 0) {
      setFormError(t.exceptionReasonMissing(ruleLabel(unexplained[0]!.rule), unexplained[0]!.name))
      return
    }
    setSending(true)
    setFormError(null)
    try {
      await onSubmit(
        picked.map((f) => {
          const exceptions = Object.entries(asked(f.path)).map(([rule, reason]) => ({ rule, reason: reason.trim() }))
          return {
            path: f.path,
            justification: picks.get(f.path)!.trim(),
            ...(exceptions.length > 0 ? { exceptions } : {})
          }
        })
      )
      setPicks(new Map())
      setAsks(new Map())
      setAttempted(false)
    } catch (err) {
      setFormError(errorText(err))
    } finally {
      setSending(false)
    }
  }

  return (
    <form
      className="cart"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${id}-heading`}
      aria-busy={sending}
      data-testid={mode === 'cart' ? 'airlock-cart' : 'resubmit-form'}
    >
      <div className="toolbar">
        <h3 id={`${id}-heading`} ref={heading} tabIndex={-1} className="cart__heading">
          {mode === 'cart' ? t.cartHeading : t.resubmitHeading}
        </h3>
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load()}
          data-testid={`${prefix}-refresh`}
        >
          {t.refresh}
        </button>
      </div>
      <p className="cart__intro">{mode === 'cart' ? t.cartIntro : t.resubmitIntro}</p>
      {mode === 'cart' && <p className="cart__note">{t.queryNote}</p>}
      {loadError !== null && (
        <p className="error-message" role="alert">
          {loadError}
        </p>
      )}
      {files === null && loadError === null && <p role="status">{t.loading}</p>}
      {files !== null && files.length === 0 && (
        <p className="empty-state" data-testid={`${prefix}-empty`}>
          {t.empty}
        </p>
      )}
      {truncated && <p className="notice notice--warn">{t.truncated}</p>}
      {files !== null && files.length > 0 && (
        <ul className="cart__files">
          {files.map((f) => {
            const on = picks.has(f.path)
            const checkId = `${id}-pick-${f.path}`
            const textId = `${id}-why-${f.path}`
            const invalid = attempted && on && missing(f.path)
            return (
              <li
                key={f.path}
                className={`cart__file${on ? ' cart__file--picked' : ''}`}
                data-testid={`${prefix}-file`}
                data-path={f.path}
              >
                <div className="cart__pick">
                  <input
                    id={checkId}
                    type="checkbox"
                    checked={on}
                    onChange={(e) => toggle(f.path, e.target.checked)}
                    data-testid={`${prefix}-pick`}
                  />
                  <label htmlFor={checkId} className="cart__path">
                    {f.path.slice(OUTBOX.length + 1)}
                  </label>
                  <span className="cart__meta">
                    {formatBytes(f.size, language)} · {formatDateTime(f.modifiedAt, language)}
                  </span>
                </div>
                {on && (
                  <div className="cart__why">
                    <label htmlFor={textId}>{t.justification(baseName(f.path))}</label>
                    <p id={`${textId}-hint`} className="field__hint">
                      {t.justificationHint}
                    </p>
                    <textarea
                      id={textId}
                      ref={(el) => {
                        if (el === null) fields.current.delete(f.path)
                        else fields.current.set(f.path, el)
                      }}
                      className="cart__text"
                      value={picks.get(f.path) ?? ''}
                      onChange={(e) => justify(f.path, e.target.value)}
                      required
                      aria-required="true"
                      maxLength={MAX_JUSTIFICATION}
                      rows={3}
                      aria-invalid={invalid}
                      aria-describedby={`${textId}-hint${invalid ? ` ${textId}-error` : ''}`}
                      data-testid={`${prefix}-justification`}
                    />
                    {invalid && (
                      <p id={`${textId}-error`} className="field__error">
                        {t.justificationMissing(baseName(f.path))}
                      </p>
                    )}
                    <PickExceptions
                      name={baseName(f.path)}
                      {...offered(baseName(f.path))}
                      asked={asked(f.path)}
                      attempted={attempted}
                      onChange={(next) => setAsks((a) => new Map(a).set(f.path, next))}
                    />
                  </div>
                )}
              </li>
            )
          })}
        </ul>
      )}
      {formError !== null && (
        <p className="error-message" role="alert" data-testid={`${prefix}-error`}>
          {formError}
        </p>
      )}
      <div className="button-row">
        <button
          type="submit"
          className="button button--primary"
          disabled={sending || files === null}
          data-testid={`${prefix}-submit`}
        >
          {sending ? t.submitting : mode === 'cart' ? t.submit : t.resubmit}
        </button>
        {onCancel !== undefined && (
          <button type="button" className="button button--secondary" onClick={onCancel} disabled={sending}>
            {t.cancel}
          </button>
        )}
        <span className="cart__count" aria-live="polite">
          {t.picked(picked.length)}
        </span>
      </div>
    </form>
  )
}
