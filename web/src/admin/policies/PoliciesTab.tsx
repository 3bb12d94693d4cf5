import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, serverMessage, type ApiClient } from '../../api/client'
import type { HeldForApproval } from '../../api/types'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { type PolicyStrings, policyStrings } from './strings'

// The answers of /api/v1/admin/policies (server/src/schemas/policies.ts).
interface Author {
  id: string
  name: string
}
interface PolicySummary {
  name: string
  description: string | null
  version: number
  author: Author
  createdAt: string
  comment: string | null
  projects: number
}
type PolicyObject = Record<string, unknown>
interface PolicyView {
  name: string
  version: number
  yaml: string
  policy: PolicyObject
  author: Author
  createdAt: string
  comment: string | null
  projects: { id: string; title: string }[]
}
interface PolicyVersion {
  version: number
  author: Author
  createdAt: string
  comment: string | null
  diff: string
}
interface Problem {
  path: string
  message: string
  line?: number
}
interface LiveApplied {
  sessions: { sessionId: string; applied: { key: string }[]; notApplied: { key: string; reason?: string }[] }[]
  note: string
}
interface PutResult {
  policy: PolicyView
  changed: boolean
  live: LiveApplied
}
interface Assignment {
  projectId: string
  title: string
  policy: string
}

type FieldKey = keyof PolicyStrings['fields']
interface FieldDef {
  key: FieldKey
  /** the JSON pointer of the value, as the server's problems name it */
  path: string
  kind: 'number' | 'text' | 'select'
  options?: string[]
  /** changes reach running sessions (server/src/sessions/session-service.ts) */
  live?: boolean
}
const field = (key: FieldKey, path: string, kind: FieldDef['kind'] = 'number', extra: Partial<FieldDef> = {}) => ({
  key,
  path,
  kind,
  ...extra
})

/** The values an administrator changes most; the rest are edited as YAML. */
const SECTIONS: { id: 'sandbox' | 'airlock' | 'display' | 'auth'; fields: FieldDef[] }[] = [
  {
    id: 'sandbox',
    fields: [
      field('image', '/sandbox/image', 'text'),
      field('runtime', '/sandbox/runtime', 'select', { options: ['runsc', 'runc'] }),
      field('cpus', '/sandbox/cpus', 'number', { live: true }),
      field('memoryMiB', '/sandbox/memoryMiB', 'number', { live: true }),
      field('pids', '/sandbox/pids', 'number', { live: true }),
      field('maxDurationMinutes', '/sandbox/maxDurationMinutes', 'number', { live: true }),
      field('idleMinutes', '/sandbox/idleMinutes', 'number', { live: true }),
      field('rowCap', '/sandbox/rowCap', 'number', { live: true }),
      field('sessionsPerUser', '/sandbox/sessionsPerUser'),
      field('workAreaMiB', '/sandbox/workAreaMiB'),
      field('tmpMiB', '/sandbox/tmpMiB'),
      field('dataMiB', '/sandbox/dataMiB')
    ]
  },
  {
    id: 'airlock',
    fields: [
      field('preset', '/airlock/preset', 'select', { options: ['ndb-japan', 'acro-default'] }),
      field('threshold', '/airlock/threshold'),
      field('reviewers', '/airlock/reviewers'),
      field('maxExportFileMiB', '/airlock/maxExportFileMiB'),
      field('maxImportFileMiB', '/airlock/maxImportFileMiB'),
      field('submissionsPerMinute', '/airlock/submissionsPerMinute')
    ]
  },
  {
    // what may reach a researcher's screen: changes reach running sessions at their next byte
    id: 'display',
    fields: [
      field('bytesPerMinute', '/display/bytesPerMinute', 'number', { live: true }),
      field('burstBytes', '/display/burstBytes', 'number', { live: true }),
      field('bytesPerSession', '/display/bytesPerSession', 'number', { live: true })
    ]
  },
  {
    id: 'auth',
    fields: [
      field('accessTokenMinutes', '/auth/accessTokenMinutes'),
      field('refreshTokenHours', '/auth/refreshTokenHours'),
      field('accountFreeFailures', '/auth/signInDelays/accountFreeFailures'),
      field('maxDelaySeconds', '/auth/signInDelays/maxDelaySeconds'),
      field('requestsPerMinute', '/auth/requestsPerMinute')
    ]
  }
]
const ALL_FIELDS = SECTIONS.flatMap((s) => s.fields)

const keysOf = (path: string) => path.split('/').slice(1)

function read(policy: PolicyObject, path: string): unknown {
  let v: unknown = policy
  for (const k of keysOf(path)) v = v !== null && typeof v === 'object' ? (v as PolicyObject)[k] : undefined
  return v
}

/** Writes the field's text into a copy of the policy: a number where it reads as one, else the text for the server to refuse. */
function write(policy: PolicyObject, def: FieldDef, text: string): void {
  const keys = keysOf(def.path)
  let o = policy
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {}
    o = o[k] as PolicyObject
  }
  const last = keys.at(-1)!
  const trimmed = text.trim()
  if (trimmed === '') delete o[last]
  else if (def.kind === 'number' && /^-?\d+(\.\d+)?$/.test(trimmed)) o[last] = Number(trimmed)
  else o[last] = trimmed
}

const draftOf = (policy: PolicyObject): Record<string, string> =>
  Object.fromEntries(ALL_FIELDS.map((f) => [f.path, String(read(policy, f.path) ?? '')]))

const fieldId = (path: string) => `policy-field${path.replaceAll('/', '-')}`

/** Policies: the list, an editor with the server's validation next to each field, history with diffs, and project assignments. */
export function PoliciesTab({ api }: { api: ApiClient }) {
  const t = useStrings(policyStrings)
  const { language } = useLanguage()
  const [list, setList] = useState<PolicySummary[] | null>(null)
  const [assignments, setAssignments] = useState<Assignment[]>([])
  const [error, setError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string>('default')

  const refresh = useCallback(async () => {
    try {
      const [policies, assigned] = await Promise.all([
        api.call<PolicySummary[]>('GET', '/api/v1/admin/policies'),
        api.call<Assignment[]>('GET', '/api/v1/admin/policy-assignments')
      ])
      setList(policies)
      setAssignments(assigned)
    } catch (err) {
      setError(serverMessage(err))
    }
  }, [api])

  useEffect(() => {
    void refresh()
  }, [refresh])

  return (
    <div className="admin-policies">
      {error !== null && (
        <p role="alert" className="error-message">
          {error}
        </p>
      )}
      <section className="card" aria-labelledby="policies-heading">
        <h2 id="policies-heading" className="card__heading">
          {t.list.heading}
        </h2>
        <p className="field__hint">{t.list.intro}</p>
        {list === null ? (
          <p>{t.loading}</p>
        ) : (
          <table className="table" data-testid="policy-list">
            <thead>
              <tr>
                <th scope="col">{t.list.name}</th>
                <th scope="col">{t.list.version}</th>
                <th scope="col">{t.list.author}</th>
                <th scope="col">{t.list.time}</th>
                <th scope="col">{t.list.projects}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => (
                <tr key={p.name} data-testid={`policy-row-${p.name}`} aria-current={p.name === selected || undefined}>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => setSelected(p.name)}
                      aria-label={t.list.edit(p.name)}
                      data-testid={`policy-open-${p.name}`}
                    >
                      {p.name}
                    </button>
                    {p.description !== null && <span className="field__hint">{p.description}</span>}
                  </td>
                  <td data-testid={`policy-version-${p.name}`}>{p.version}</td>
                  <td>{p.author.name}</td>
                  <td>{formatDateTime(p.createdAt, language)}</td>
                  <td>{p.projects}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <PolicyEditor key={selected} api={api} name={selected} onSaved={refresh} />
      <AssignmentsCard
        api={api}
        assignments={assignments}
        policies={(list ?? []).map((p) => p.name)}
        onChanged={refresh}
      />
    </div>
  )
}

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'invalid'; problems: Problem[] }
  | { kind: 'stale'; currentVersion: number }
  | { kind: 'saved'; version: number; changed: boolean; live: LiveApplied }
  /** fewer reviewers or more exceptions: it waits for a second administrator (approvals tab) */
  | { kind: 'held'; summary: string }
  | { kind: 'failed'; message: string }

function PolicyEditor({ api, name, onSaved }: { api: ApiClient; name: string; onSaved(): Promise<void> }) {
  const t = useStrings(policyStrings)
  const { language } = useLanguage()
  const [view, setView] = useState<PolicyView | null>(null)
  const [mode, setMode] = useState<'form' | 'yaml'>('form')
  const [draft, setDraft] = useState<Record<string, string>>({})
  const [yaml, setYaml] = useState('')
  const [comment, setComment] = useState('')
  const [save, setSave] = useState<SaveState>({ kind: 'idle' })
  const [history, setHistory] = useState<PolicyVersion[]>([])
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
    const [v, versions] = await Promise.all([
      api.call<PolicyView>('GET', `/api/v1/admin/policies/${encodeURIComponent(name)}`),
      api.call<PolicyVersion[]>('GET', `/api/v1/admin/policies/${encodeURIComponent(name)}/versions`)
    ])
    setView(v)
    setHistory(versions)
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
    let body: Record<string, unknown>
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
      const result = await api.call<PutResult | HeldForApproval>(
        'PUT',
        `/api/v1/admin/policies/${encodeURIComponent(name)}`,
        body
      )
      if ('pending' in result) {
        setSave({ kind: 'held', summary: result.pending.summary })
        setComment('')
        return
      }
      setSave({ kind: 'saved', version: result.policy.version, changed: result.changed, live: result.live })
      setComment('')
      reset(await load())
      await onSaved()
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && Array.isArray(err.details.problems)) {
        setSave({ kind: 'invalid', problems: err.details.problems as Problem[] })
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
      <section className="card" aria-labelledby="policy-history-heading">
        <h2 id="policy-history-heading" className="card__heading">
          {t.history.heading}
        </h2>
        <ol className="admin-policies__history" data-testid="policy-history">
          {history.map((v) => (
            <li key={v.version} data-testid={`policy-history-${v.version}`}>
              <strong>{t.history.version(v.version)}</strong> —{' '}
              {t.history.by(v.author.name, formatDateTime(v.createdAt, language))}: {v.comment ?? t.history.noComment}
              {v.diff === '' ? (
                <span className="field__hint"> ({t.history.first})</span>
              ) : (
                <details>
                  <summary>{t.history.showDiff}</summary>
                  <ol className="diff__lines">
                    {v.diff
                      .split('\n')
                      .filter((l) => l !== '' && !l.startsWith('===') && !l.startsWith('---') && !l.startsWith('+++'))
                      .map((l, i) => (
                        <li
                          key={i}
                          className={`diff__line${l.startsWith('+') ? ' diff__line--added' : l.startsWith('-') ? ' diff__line--removed' : l.startsWith('@@') ? ' diff__line--skipped' : ''}`}
                        >
                          <span className="diff__text">{l}</span>
                        </li>
                      ))}
                  </ol>
                </details>
              )}
            </li>
          ))}
        </ol>
      </section>
    </>
  )
}

function AssignmentsCard({
  api,
  assignments,
  policies,
  onChanged
}: {
  api: ApiClient
  assignments: Assignment[]
  policies: string[]
  onChanged(): Promise<void>
}) {
  const t = useStrings(policyStrings)
  const [choice, setChoice] = useState<Record<string, string>>({})
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const [reason, setReason] = useState('')

  async function assign(a: Assignment) {
    const policy = choice[a.projectId] ?? a.policy
    try {
      const res = await api.call<{ assignment: Assignment; live: LiveApplied } | HeldForApproval>(
        'PUT',
        `/api/v1/admin/policy-assignments/${encodeURIComponent(a.projectId)}`,
        { policy: policy === 'default' ? null : policy, ...(reason.trim() !== '' ? { reason: reason.trim() } : {}) }
      )
      setReason('')
      if ('pending' in res) {
        setMessage({ ok: true, text: `${t.editor.held} ${res.pending.summary}` })
        return
      }
      setMessage({ ok: true, text: `${t.assignments.assigned(a.title, res.assignment.policy)} ${res.live.note}` })
      await onChanged()
    } catch (err) {
      setMessage({ ok: false, text: serverMessage(err) })
    }
  }

  return (
    <section className="card" aria-labelledby="policy-assignments-heading">
      <h2 id="policy-assignments-heading" className="card__heading">
        {t.assignments.heading}
      </h2>
      {message !== null && (
        <p role={message.ok ? 'status' : 'alert'} className={`banner ${message.ok ? 'banner--ok' : 'banner--blocked'}`}>
          {message.text}
        </p>
      )}
      <table className="table" data-testid="policy-assignments">
        <thead>
          <tr>
            <th scope="col">{t.assignments.project}</th>
            <th scope="col">{t.assignments.policy}</th>
            <th scope="col">
              <span className="visually-hidden">{t.assignments.assign}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {assignments.map((a) => (
            <tr key={a.projectId}>
              <td>{a.title}</td>
              <td>
                <select
                  aria-label={t.assignments.assignTo(a.title)}
                  value={choice[a.projectId] ?? a.policy}
                  onChange={(e) => setChoice({ ...choice, [a.projectId]: e.target.value })}
                >
                  {policies.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  disabled={(choice[a.projectId] ?? a.policy) === a.policy}
                  onClick={() => void assign(a)}
                >
                  {t.assignments.assign}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field">
        <label htmlFor="policy-assignment-reason">{t.assignments.reason}</label>
        <input
          id="policy-assignment-reason"
          type="text"
          value={reason}
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
    </section>
  )
}
