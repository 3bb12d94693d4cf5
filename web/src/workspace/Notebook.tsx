import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { ApiClient } from '../api/client'
import type { CellLanguage, ExportResult } from '../api/types'
import { formatBytes, formatCount } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { CellOutputs } from './CellOutputs'
import {
  checkOutputs,
  newCell,
  NotebookFormatError,
  parseNotebook,
  serializeNotebook,
  type CellKind,
  type NotebookCell,
  type NotebookDoc,
  type NotebookProblem
} from './notebook-format'
import { workspaceStrings } from './strings'
import { SaveProblemNotice } from './TextEditor'
import { useFileSave, useSaveShortcut } from './use-file-save'
import { errorText, EXPORT_NAME } from './workspace-files'

interface Props {
  api: ApiClient
  sessionId: string
  /** the notebook's current path (it may be renamed in Files while open) */
  path: string
  /** its tab is shown (Ctrl+S saves only then) */
  active: boolean
  onClose(): void
  onDirtyChange(dirty: boolean): void
}

type Load =
  { kind: 'loading' } | { kind: 'failed'; problem: NotebookProblem | null; message: string } | { kind: 'ready' }

type RunState = 'queued' | 'running'
interface RunJob {
  id: string
  language: CellLanguage
  source: string
}
/** The select's options: a code cell's language, or a text cell. */
type CellType = CellLanguage | 'markdown' | 'raw'
type Notice = { kind: 'ok' | 'error'; text: string } | null
/** After a render: put the focus on this cell's source, or on one of its move buttons. */
type Focus = { id: string; on: 'source' | 'up' | 'down' } | null

/**
 * A Jupyter notebook of SQL and Python cells run in the session's kernel. Cells run one at a time
 * in the order asked; the notebook is saved as nbformat 4 with the outputs, against the modifiedAt
 * it was read with (a change made meanwhile is reported, not overwritten).
 */
export function NotebookView({ api, sessionId, path, active, onClose, onDirtyChange }: Props) {
  const t = useStrings(workspaceStrings).notebook
  const displayText = useStrings(workspaceStrings).display
  const { language } = useLanguage()
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  const [generation, setGeneration] = useState(0)
  const [cells, setCells] = useState<NotebookCell[]>([])
  const [doc, setDoc] = useState<Omit<NotebookDoc, 'cells'>>({ metadata: {}, nbformatMinor: 5 })
  // every change counts up; the notebook is unsaved while the count differs from the saved one
  const [revision, setRevision] = useState(0)
  const [savedRevision, setSavedRevision] = useState(0)
  const [activeId, setActiveId] = useState<string | null>(null)
  const [runs, setRuns] = useState<ReadonlyMap<string, RunState>>(new Map())
  const [runErrors, setRunErrors] = useState<ReadonlyMap<string, string>>(new Map())
  const [confirmRestart, setConfirmRestart] = useState(false)
  const [kernelBusy, setKernelBusy] = useState(false)
  const [notice, setNotice] = useState<Notice>(null)
  const { saving, problem, save, opened } = useFileSave(api, sessionId, path)
  const queue = useRef<RunJob[]>([])
  const draining = useRef(false)
  const root = useRef<HTMLElement>(null)
  const pendingFocus = useRef<Focus>(null)
  const currentPath = useRef(path)
  useEffect(() => {
    currentPath.current = path
  }, [path])

  const ready = load.kind === 'ready'
  const dirty = ready && revision !== savedRevision
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange])
  // once closed (or gone with the session) its edits are gone: nothing is left to warn about
  useEffect(() => () => onDirtyChange(false), [onDirtyChange])

  useEffect(() => {
    let current = true
    setLoad({ kind: 'loading' })
    api.readFile(sessionId, currentPath.current).then(
      (file) => {
        if (!current) return
        if (file.cut !== null) {
          // a part of a notebook cannot be opened: say why, change nothing
          setLoad({
            kind: 'failed',
            problem: null,
            message: displayText.notebookCut(
              formatBytes(file.size, language),
              formatBytes(file.cut.availableBytes, language)
            )
          })
          return
        }
        let parsed: NotebookDoc
        try {
          parsed = parseNotebook(file.content)
        } catch (err) {
          const problem = err instanceof NotebookFormatError ? err.problem : null
          setLoad({ kind: 'failed', problem, message: errorText(err) })
          return
        }
        const { cells, ...rest } = parsed
        setCells(cells)
        setDoc(rest)
        setRevision(0)
        setSavedRevision(0)
        setActiveId(cells[0]?.id ?? null)
        setRunErrors(new Map())
        opened(file.modifiedAt)
        setLoad({ kind: 'ready' })
      },
      (err: unknown) => {
        if (current) setLoad({ kind: 'failed', problem: null, message: errorText(err) })
      }
    )
    return () => {
      current = false
    }
  }, [api, sessionId, generation, opened])

  // focus asked for by the last change (a new cell, a moved one), once React has drawn it
  useEffect(() => {
    const focus = pendingFocus.current
    if (focus === null) return
    pendingFocus.current = null
    const cell = root.current?.querySelector(`[data-cell-id="${focus.id}"]`)
    const target =
      focus.on === 'source'
        ? cell?.querySelector('textarea')
        : (cell?.querySelector<HTMLButtonElement>(`[data-focus="${focus.on}"]:not(:disabled)`) ??
          cell?.querySelector<HTMLButtonElement>('[data-focus]:not(:disabled)'))
    target?.focus()
  })

  const change = useCallback((update: (cells: NotebookCell[]) => NotebookCell[]) => {
    setCells(update)
    setRevision((r) => r + 1)
  }, [])

  const updateCell = (id: string, patch: Partial<NotebookCell>) =>
    change((cs) => cs.map((c) => (c.id === id ? { ...c, ...patch } : c)))

  const cancelQueue = useCallback(() => {
    const dropped = queue.current.splice(0)
    setRuns((runs) => {
      const next = new Map(runs)
      for (const job of dropped) next.delete(job.id)
      return next
    })
  }, [])

  const drain = useCallback(async () => {
    if (draining.current) return
    draining.current = true
    try {
      for (let job = queue.current.shift(); job !== undefined; job = queue.current.shift()) {
        const { id } = job
        setRuns((runs) => new Map(runs).set(id, 'running'))
        try {
          const result = await api.runCell(sessionId, job.language, job.source)
          change((cs) =>
            cs.map((c) =>
              c.id === id
                ? {
                    ...c,
                    outputs: checkOutputs(result.outputs),
                    executionCount: result.executionCount,
                    durationMs: result.durationMs
                  }
                : c
            )
          )
          // like Jupyter, "run all" stops at the first cell that fails
          if (result.status === 'error') cancelQueue()
        } catch (err) {
          // the request itself was refused (session ended, source too long): outputs stay as they were
          setRunErrors((errors) => new Map(errors).set(id, errorText(err)))
          cancelQueue()
        } finally {
          setRuns((runs) => {
            const next = new Map(runs)
            next.delete(id)
            return next
          })
        }
      }
    } finally {
      draining.current = false
    }
  }, [api, sessionId, change, cancelQueue])

  function enqueue(toRun: NotebookCell[]) {
    const jobs = toRun
      .filter((c) => c.kind === 'code' && c.source.trim() !== '' && !queue.current.some((j) => j.id === c.id))
      .map((c) => ({ id: c.id, language: c.language, source: c.source }))
    if (jobs.length === 0) return
    setRunErrors((errors) => {
      const next = new Map(errors)
      for (const job of jobs) next.delete(job.id)
      return next
    })
    setRuns((runs) => {
      const next = new Map(runs)
      for (const job of jobs) if (!next.has(job.id)) next.set(job.id, 'queued')
      return next
    })
    queue.current.push(...jobs)
    void drain()
  }

  function runAndNext(index: number) {
    const cell = cells[index]
    if (cell === undefined) return
    enqueue([cell])
    const next = cells[index + 1]
    if (next !== undefined) {
      setActiveId(next.id)
      root.current?.querySelector<HTMLTextAreaElement>(`[data-cell-id="${next.id}"] textarea`)?.focus()
    }
  }

  function addCell(kind: CellKind, language?: CellLanguage) {
    const cell = newCell(kind, language)
    change((cs) => {
      const at = cs.findIndex((c) => c.id === activeId)
      return at < 0 ? [...cs, cell] : [...cs.slice(0, at + 1), cell, ...cs.slice(at + 1)]
    })
    setActiveId(cell.id)
    pendingFocus.current = { id: cell.id, on: 'source' }
  }

  function moveCell(index: number, by: -1 | 1) {
    const cell = cells[index]
    const to = index + by
    if (cell === undefined || to < 0 || to >= cells.length) return
    change((cs) => {
      const next = [...cs]
      next.splice(index, 1)
      next.splice(to, 0, cell)
      return next
    })
    pendingFocus.current = { id: cell.id, on: by < 0 ? 'up' : 'down' }
  }

  function deleteCell(index: number) {
    const cell = cells[index]
    if (cell === undefined) return
    const neighbour = cells[index + 1] ?? cells[index - 1]
    change((cs) => cs.filter((c) => c.id !== cell.id))
    setActiveId(neighbour?.id ?? null)
    if (neighbour !== undefined) pendingFocus.current = { id: neighbour.id, on: 'source' }
  }

  function setType(cell: NotebookCell, type: CellType) {
    if (type === 'sql' || type === 'python') updateCell(cell.id, { kind: 'code', language: type })
    // a text cell has no outputs
    else updateCell(cell.id, { kind: type, outputs: [], executionCount: null, durationMs: null })
  }

  async function saveNow(overwrite = false) {
    if (!ready) return
    const at = revision
    if (await save(serializeNotebook({ ...doc, cells }), overwrite)) setSavedRevision(at)
  }

  useSaveShortcut(active && ready, () => void saveNow())

  async function interrupt() {
    cancelQueue()
    setNotice(null)
    try {
      await api.interruptKernel(sessionId)
      setNotice({ kind: 'ok', text: t.interrupted })
    } catch (err) {
      setNotice({ kind: 'error', text: errorText(err) })
    }
  }

  async function restart() {
    setConfirmRestart(false)
    cancelQueue()
    setNotice(null)
    setKernelBusy(true)
    try {
      await api.restartKernel(sessionId)
      setNotice({ kind: 'ok', text: t.restarted })
    } catch (err) {
      setNotice({ kind: 'error', text: errorText(err) })
    } finally {
      setKernelBusy(false)
    }
  }

  const runningIndex = cells.findIndex((c) => runs.get(c.id) === 'running')

  return (
    <section className="notebook" aria-label={t.label(path)} ref={root} data-testid="notebook" data-file={path}>
      <div className="toolbar toolbar--sticky">
        <h2 className="toolbar__title">{path}</h2>
        {ready && (
          <span className={`save-state${dirty ? ' save-state--dirty' : ''}`} data-testid="notebook-state">
            {dirty ? t.unsaved : t.saved}
          </span>
        )}
        <button
          type="button"
          className="button button--primary button--small"
          disabled={!ready || saving}
          onClick={() => void saveNow()}
          data-testid="notebook-save"
        >
          {saving ? t.saving : t.save}
        </button>
        <button type="button" className="button button--secondary button--small" onClick={onClose}>
          {t.close}
        </button>
      </div>
      {ready && (
        <div className="toolbar">
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => enqueue(cells)}
            data-testid="run-all"
          >
            {t.runAll}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => void interrupt()}
            data-testid="kernel-interrupt"
          >
            {t.interrupt}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            disabled={kernelBusy}
            onClick={() => setConfirmRestart(true)}
            data-testid="kernel-restart"
          >
            {t.restart}
          </button>
          <span className="toolbar__divider" aria-hidden="true" />
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => addCell('code', 'sql')}
            data-testid="add-sql-cell"
          >
            {t.addSql}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => addCell('code', 'python')}
            data-testid="add-python-cell"
          >
            {t.addPython}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => addCell('markdown')}
            data-testid="add-text-cell"
          >
            {t.addText}
          </button>
          <span className="kernel-state" role="status" data-testid="kernel-state">
            {runningIndex >= 0 ? t.kernelBusy(String(runningIndex + 1)) : t.kernelIdle}
          </span>
        </div>
      )}
      {ready && <p className="notebook__hint">{`${t.shortcuts}. ${t.addHint}`}</p>}
      {confirmRestart && (
        <div className="inline-confirm" role="group" aria-label={t.restart}>
          <p>{t.confirmRestart}</p>
          <button
            type="button"
            className="button button--danger button--small"
            onClick={() => void restart()}
            data-testid="kernel-restart-confirm"
          >
            {t.restartConfirm}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => setConfirmRestart(false)}
            autoFocus
          >
            {t.cancel}
          </button>
        </div>
      )}
      {notice !== null && (
        <p
          className={notice.kind === 'ok' ? 'notice notice--ok' : 'error-message'}
          role={notice.kind === 'ok' ? 'status' : 'alert'}
          data-testid="notebook-notice"
        >
          {notice.text}
        </p>
      )}
      <SaveProblemNotice
        problem={problem}
        busy={saving}
        onReload={() => setGeneration((n) => n + 1)}
        onOverwrite={() => void saveNow(true)}
      />
      {load.kind === 'loading' && <p role="status">{t.loading}</p>}
      {load.kind === 'failed' && (
        <p className="error-message" role="alert" data-testid="notebook-error">
          {load.problem !== null ? t.invalid[load.problem] : load.message}
        </p>
      )}
      {ready && cells.length === 0 && <p className="empty-state">{t.noCells}</p>}
      {ready && (
        <ol className="notebook__cells">
          {cells.map((cell, index) => (
            <li key={cell.id}>
              <CellView
                api={api}
                sessionId={sessionId}
                cell={cell}
                index={index}
                count={cells.length}
                selected={cell.id === activeId}
                run={runs.get(cell.id) ?? null}
                runError={runErrors.get(cell.id) ?? null}
                onSelect={() => setActiveId(cell.id)}
                onSource={(source) => updateCell(cell.id, { source })}
                onType={(type) => setType(cell, type)}
                onRun={() => enqueue([cell])}
                onRunAndNext={() => runAndNext(index)}
                onMove={(by) => moveCell(index, by)}
                onDelete={() => deleteCell(index)}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

interface CellProps {
  api: ApiClient
  sessionId: string
  cell: NotebookCell
  index: number
  count: number
  selected: boolean
  run: RunState | null
  runError: string | null
  onSelect(): void
  onSource(source: string): void
  onType(type: CellType): void
  onRun(): void
  onRunAndNext(): void
  onMove(by: -1 | 1): void
  onDelete(): void
}

function CellView(p: CellProps) {
  const t = useStrings(workspaceStrings).notebook
  const id = useId()
  const [confirmDelete, setConfirmDelete] = useState(false)
  const { cell } = p
  const code = cell.kind === 'code'
  const type: CellType = cell.kind === 'code' ? cell.language : cell.kind
  const n = String(p.index + 1)
  const hasTable = code && cell.outputs.some((o) => o.type === 'table')

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key !== 'Enter' || e.altKey) return
    if (e.shiftKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault()
      p.onRunAndNext()
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey) {
      e.preventDefault()
      p.onRun()
    }
  }

  const count =
    p.run === 'running' ? '*' : p.run === 'queued' ? '…' : cell.executionCount !== null ? cell.executionCount : ' '
  const status =
    p.run === 'running'
      ? t.running
      : p.run === 'queued'
        ? t.queued
        : cell.durationMs !== null
          ? t.duration(cell.durationMs)
          : code && cell.executionCount === null
            ? t.notRun
            : ''

  return (
    <section
      className={`cell cell--${cell.kind}${p.selected ? ' cell--selected' : ''}`}
      aria-label={t.cellLabel(n, t.kinds[type])}
      onFocus={p.onSelect}
      onClick={p.onSelect}
      data-testid="notebook-cell"
      data-cell-id={cell.id}
      data-kind={cell.kind}
      data-language={code ? cell.language : undefined}
      data-state={p.run ?? 'idle'}
    >
      <div className="cell__bar">
        {code && (
          <span className="cell__count" data-testid="cell-count">
            [{count}]
          </span>
        )}
        <label className="visually-hidden" htmlFor={`${id}-type`}>
          {t.cellKind}
        </label>
        <select
          id={`${id}-type`}
          className="cell__type"
          value={type}
          onChange={(e) => p.onType(e.target.value as CellType)}
          data-testid="cell-language"
        >
          <option value="sql">{t.kinds.sql}</option>
          <option value="python">{t.kinds.python}</option>
          <option value="markdown">{t.kinds.markdown}</option>
          {cell.kind === 'raw' && <option value="raw">{t.kinds.raw}</option>}
        </select>
        {code && (
          <button
            type="button"
            className="button button--primary button--small"
            aria-label={t.runLabel(n)}
            onClick={p.onRun}
            data-testid="cell-run"
          >
            {t.run}
          </button>
        )}
        <span className="cell__status" data-testid="cell-status">
          {status}
        </span>
        <span className="cell__tools">
          <button
            type="button"
            className="icon-button"
            aria-label={t.moveUp}
            title={t.moveUp}
            disabled={p.index === 0}
            onClick={() => p.onMove(-1)}
            data-focus="up"
          >
            ↑
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={t.moveDown}
            title={t.moveDown}
            disabled={p.index === p.count - 1}
            onClick={() => p.onMove(1)}
            data-focus="down"
          >
            ↓
          </button>
          <button
            type="button"
            className="icon-button icon-button--danger"
            aria-label={t.deleteCell}
            title={t.deleteCell}
            onClick={() => (cell.source.trim() === '' ? p.onDelete() : setConfirmDelete(true))}
            data-testid="cell-delete"
          >
            ✕
          </button>
        </span>
      </div>
      {confirmDelete && (
        <div className="inline-confirm" role="group" aria-label={t.deleteCell}>
          <p>{t.confirmDelete}</p>
          <button
            type="button"
            className="button button--danger button--small"
            onClick={p.onDelete}
            data-testid="cell-delete-confirm"
          >
            {t.deleteConfirm}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => setConfirmDelete(false)}
            autoFocus
          >
            {t.cancel}
          </button>
        </div>
      )}
      <textarea
        className={`cell__source${code ? ' cell__source--code' : ''}`}
        value={cell.source}
        onChange={(e) => p.onSource(e.target.value)}
        onKeyDown={onKeyDown}
        rows={Math.max(2, cell.source.split('\n').length)}
        wrap={code ? 'off' : 'soft'}
        spellCheck={!code}
        aria-label={t.source(n)}
        data-testid="cell-source"
      />
      {p.runError !== null && (
        <p className="error-message" role="alert" data-testid="cell-error">
          {p.runError}
        </p>
      )}
      {code && cell.outputs.length > 0 && <CellOutputs outputs={cell.outputs} cellNumber={n} />}
      {hasTable && p.run === null && <ExportCsv api={p.api} sessionId={p.sessionId} cell={cell} />}
    </section>
  )
}

/** "Send to outbox as CSV": all rows of the cell's last result, with its source beside, for the airlock. */
function ExportCsv({ api, sessionId, cell }: { api: ApiClient; sessionId: string; cell: NotebookCell }) {
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
