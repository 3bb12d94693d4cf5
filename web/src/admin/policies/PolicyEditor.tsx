import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, serverMessage, type ApiClient } from '../../api/client'
import { useApiChange } from '../../api/query'
import type { LiveApplied, PolicyProblem, PolicyView, PutPolicyBody } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { ALL_FIELDS, draftOf, type FieldDef, fieldId, read, SECTIONS, write } from './policy-fields'
import { PolicyHistory } from './PolicyHistory'
import { policyStrings } from './strings'

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'invalid'; problems: PolicyProblem[] }
  | { kind: 'stale'; currentVersion: number }
  | { kind: 'saved'; version: number; changed: boolean; live: LiveApplied }
  /** fewer reviewers or more exceptions: it waits for a second administrator (approvals tab) */
  | { kind: 'held'; summary: string }
  | { kind: 'failed'; message: string }

/** One policy's editor: a form of its common values or its YAML, the server's problems beside each, and its history. */
export function PolicyEditor({ api, name }: { api: ApiClient; name: string }) {
  const t = useStrings(policyStrings)
  const [view, setView] = useState<PolicyView | null>(null)
  const [mode, setMode] = useState<'form' | 'yaml'>('form')
  const [draft, setDraft] = useState<Record<string, string>>({})
  const [yaml, setYaml] = useState('')
  const [comment, setComment] = useState('')
  const [save, setSave] = useState<SaveState>({ kind: 'idle' })
  const change = useApiChange(api)
  const form = useRef<HTMLFormElement>(null)
  const textarea = useRef<HTMLTextAreaElement>(null)

  /** Puts the caret at the start of a line of the YAML, so a problem can be fixed where it is. */
  function goToLine(line: number) {
    const el = textarea.current
    if (el === null) return
    const lines = el.value.split('\n')
    const at = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0)
    el.focus()
    el.setSelectionRange(at, at + (lines[line - 1]?.length ?? 0))
  }

  const load = useCallback(async () => {
    // read here, not as a query: the form is seeded from it, and a stale save reloads the base without the edits
    const v = await api.request('GET /api/v1/admin/policies/:name', { params: { name } })
    setView(v)
    return v
  }, [api, name])

  const reset = useCallback(
    (v: PolicyView) => {
      setDraft(draftOf(v.policy))
      setYaml(v.yaml)
    },
    [setDraft, setYaml]
  )

  useEffect(() => {
    load()
      .then(reset)
      .catch((err: unknown) => setSave({ kind: 'failed', message: serverMessage(err) }))
  }, [load, reset])

  // after a refused save, the first field with a problem gets the focus
  useEffect(() => {
    if (save.kind !== 'invalid') return
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')
    first?.focus()
  }, [save])

  if (view === null) return <p>{t.loading}</p>

  const problems = save.kind === 'invalid' ? save.problems : []
  const problemsAt = (path: string) => problems.filter((p) => p.path === path)
  const shownInForm = new Set(mode === 'form' ? ALL_FIELDS.map((f) => f.path) : [])
  const elsewhere = problems.filter((p) => !shownInForm.has(p.path))

  async function submit() {
    if (view === null) return
    setSave({ kind: 'saving' })
    let body: PutPolicyBody
    if (mode === 'form') {
      const policy = structuredClone(view.policy)
      for (const f of ALL_FIELDS) {
        // untouched fields stay exactly as they were, absent ones absent
        if (draft[f.path] !== String(read(view.policy, f.path) ?? '')) write(policy, f, draft[f.path] ?? '')
      }
      body = { policy, baseVersion: view.version }
    } else {
      body = { yaml, baseVersion: view.version }
    }
    if (comment.trim() !== '') body.comment = comment.trim()
    try {
      // the list, the history and the assignments are read again with it (api/query.ts)
      const result = await change('PUT /api/v1/admin/policies/:name', { params: { name }, body })
      if ('pending' in result) {
        setSave({ kind: 'held', summary: result.pending.summary })
        setComment('')
        return
      }
      setSave({ kind: 'saved', version: result.policy.version, changed: result.changed, live: result.live })
      setComment('')
      reset(await load())
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && Array.isArray(err.details.problems)) {
        setSave({ kind: 'invalid', problems: err.details.problems as PolicyProblem[] })
      } else if (err instanceof ApiError && err.status === 409 && typeof err.details.currentVersion === 'number') {
        setSave({ kind: 'stale', currentVersion: err.details.currentVersion })
      } else {
        setSave({ kind: 'failed', message: serverMessage(err) })
      }
    }
  }

  async function reloadCurrent() {
    const v = await load()
    // the administrator's edits stay in the form; only the version they are based on moves on
    if (mode === 'yaml') setYaml(v.yaml)
    setSave({ kind: 'idle' })
  }

  const renderField = (f: FieldDef) => {
    const id = fieldId(f.path)
    const errs = problemsAt(f.path)
    const value = draft[f.path] ?? ''
    const describedBy = errs.length > 0 ? `${id}-error` : undefined
    const onChange = (v: string) => setDraft((d) => ({ ...d, [f.path]: v }))
    return (
      <div className="field" key={f.path}>
        <label htmlFor={id}>
          {t.fields[f.key]}
          {f.live && <span className="admin-policies__live"> · {t.live}</span>}
        </label>
        {f.kind === 'select' ? (
          <select
            id={id}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            aria-invalid={errs.length > 0}
            aria-describedby={describedBy}
            data-testid={`policy-field-${f.key}`}
          >
            {[...new Set([...(f.options ?? []), value])].map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            type="text"
            inputMode={f.kind === 'number' ? 'decimal' : undefined}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            aria-invalid={errs.length > 0}
            aria-describedby={describedBy}
            data-testid={`policy-field-${f.key}`}
          />
        )}
        {errs.length > 0 && (
          <span id={`${id}-error`} className="field__error" data-testid={`policy-error-${f.key}`}>
            {errs.map((e) => e.message).join('; ')}
          </span>
        )}
      </div>
    )
  }

  return (
    <>
      <section className="card" aria-labelledby="policy-editor-heading" data-testid="policy-editor">
        <h2 id="policy-editor-heading" className="card__heading">
          {t.editor.heading(view.name, view.version)}
        </h2>
        <div role="radiogroup" aria-label={t.editor.modeLabel} className="button-row">
          {(['form', 'yaml'] as const).map((m) => (
            <label key={m} className="admin-policies__mode">
              <input
                type="radio"
                name="policy-mode"
                checked={mode === m}
                onChange={() => {
                  setMode(m)
                  setSave({ kind: 'idle' })
                }}
                data-testid={`policy-mode-${m}`}
              />{' '}
              {t.editor[m]}
            </label>
          ))}
        </div>
        <form
          ref={form}
          noValidate
          onSubmit={(e) => {
            e.preventDefault()
            void submit()
          }}
        >
          {save.kind === 'invalid' && (
            <div role="alert" className="banner banner--blocked" data-testid="policy-invalid">
              <p className="banner__heading">{t.editor.invalid(problems.length)}</p>
              {elsewhere.length > 0 && (
                <>
                  <p>{t.editor.otherProblems}</p>
                  <ul className="admin-policies__problems">
                    {elsewhere.map((p, i) => (
                      <li key={i}>
                        <code>{p.path || '/'}</code>
                        {p.line !== undefined &&
                          (mode === 'yaml' ? (
                            <>
                              {' ('}
                              <button
                                type="button"
                                className="link-button admin-policies__line"
                                onClick={() => goToLine(p.line!)}
                              >
                                {t.editor.line(p.line)}
                              </button>
                              {')'}
                            </>
                          ) : (
                            ` (${t.editor.line(p.line)})`
                          ))}
                        : {p.message}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          )}
          {save.kind === 'stale' && (
            <div role="alert" className="banner banner--blocked" data-testid="policy-stale">
              <p>{t.editor.stale(save.currentVersion)}</p>
              <button type="button" className="button button--secondary" onClick={() => void reloadCurrent()}>
                {t.editor.reload}
              </button>
            </div>
          )}
          {save.kind === 'failed' && (
            <p role="alert" className="error-message">
              {save.message}
            </p>
          )}
          {save.kind === 'held' && (
            <div role="status" className="banner banner--info" data-testid="policy-held">
              <p>{t.editor.held}</p>
              <p>{save.summary}</p>
            </div>
          )}
          {save.kind === 'saved' && (
            <div role="status" className="banner banner--ok" data-testid="policy-saved">
              <p>{save.changed ? t.editor.saved(save.version) : t.editor.unchanged}</p>
              {save.changed && <p>{save.live.note}</p>}
            </div>
          )}
          {mode === 'form' ? (
            SECTIONS.map((s) => (
              <fieldset key={s.id} className="admin-policies__section">
                <legend>{t.editor[s.id]}</legend>
                {s.id === 'auth' && view.name !== 'default' && <p className="field__hint">{t.editor.authNote}</p>}
                <div className="admin-policies__fields">{s.fields.map(renderField)}</div>
              </fieldset>
            ))
          ) : (
            <div className="field">
              <label htmlFor="policy-yaml">{t.editor.yamlLabel}</label>
              <span className="field__hint" id="policy-yaml-hint">
                {t.editor.yamlHint}
              </span>
              <textarea
                id="policy-yaml"
                ref={textarea}
                className="admin-policies__yaml"
                value={yaml}
                rows={24}
                spellCheck={false}
                onChange={(e) => setYaml(e.target.value)}
                aria-invalid={problems.length > 0}
                aria-describedby="policy-yaml-hint"
                data-testid="policy-yaml"
              />
            </div>
          )}
          <div className="field">
            <label htmlFor="policy-comment">{t.editor.comment}</label>
            <input
              id="policy-comment"
              type="text"
              value={comment}
              maxLength={500}
              onChange={(e) => setComment(e.target.value)}
              data-testid="policy-comment"
            />
          </div>
          <div className="button-row">
            <button
              type="submit"
              className="button button--primary"
              disabled={save.kind === 'saving'}
              data-testid="policy-save"
            >
              {save.kind === 'saving' ? t.editor.saving : t.editor.save}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                reset(view)
                setSave({ kind: 'idle' })
              }}
            >
              {t.editor.reset}
            </button>
          </div>
        </form>
      </section>
      <PolicyHistory api={api} name={name} />
    </>
  )
}
