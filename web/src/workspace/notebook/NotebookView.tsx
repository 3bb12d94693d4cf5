import { useEffect, useReducer, useRef } from 'react'
import type { ApiClient } from '../../api/client'
import type { CellLanguage } from '../../api/types'
import { formatBytes } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import {
  newCell,
  NotebookFormatError,
  parseNotebook,
  serializeNotebook,
  type CellKind,
  type NotebookDoc
} from '../notebook-format'
import { workspaceStrings } from '../strings'
import { SaveProblemNotice } from '../TextEditor'
import { useFileSave, useSaveShortcut } from '../use-file-save'
import { errorText } from '../workspace-files'
import { CellView } from './Cell'
import { NotebookHeader } from './Header'
import { KernelNotice, KernelToolbar, RestartConfirm } from './KernelToolbar'
import {
  initialNotebookState,
  isDirty,
  isReady,
  notebookDoc,
  notebookReducer,
  runningIndex,
  runStateOf,
  type RunJob
} from './state'

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

/**
 * A Jupyter notebook of SQL and Python cells run in the session's kernel. Cells run one at a time
 * in the order asked; the notebook is saved as nbformat 4 with the outputs, against the modifiedAt
 * it was read with (a change made meanwhile is reported, not overwritten).
 */
export function NotebookView({ api, sessionId, path, active, onClose, onDirtyChange }: Props) {
  const strings = useStrings(workspaceStrings)
  const t = strings.notebook
  const { language } = useLanguage()
  const [state, dispatch] = useReducer(notebookReducer, initialNotebookState)
  const { saving, problem, save, opened } = useFileSave(api, sessionId, path)
  const root = useRef<HTMLElement>(null)
  const currentPath = useRef(path)
  useEffect(() => {
    currentPath.current = path
  }, [path])

  const ready = isReady(state)
  const dirty = isDirty(state)
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange])
  // once closed (or gone with the session) its edits are gone: nothing is left to warn about
  useEffect(() => () => onDirtyChange(false), [onDirtyChange])

  useEffect(() => {
    let current = true
    dispatch({ type: 'loadStarted' })
    api.readFile(sessionId, currentPath.current).then(
      (file) => {
        if (!current) return
        if (file.cut !== null) {
          // a part of a notebook cannot be opened: say why, change nothing
          const message = strings.display.notebookCut(
            formatBytes(file.size, language),
            formatBytes(file.cut.availableBytes, language)
          )
          dispatch({ type: 'loadFailed', problem: null, message })
          return
        }
        let doc: NotebookDoc
        try {
          doc = parseNotebook(file.content)
        } catch (err) {
          const problem = err instanceof NotebookFormatError ? err.problem : null
          dispatch({ type: 'loadFailed', problem, message: errorText(err) })
          return
        }
        opened(file.modifiedAt)
        dispatch({ type: 'loaded', doc })
      },
      (err: unknown) => {
        if (current) dispatch({ type: 'loadFailed', problem: null, message: errorText(err) })
      }
    )
    return () => {
      current = false
    }
  }, [api, sessionId, state.generation, opened])

  // the kernel runs one job at a time: whichever the reducer made `running`
  const started = useRef<RunJob | null>(null)
  useEffect(() => {
    const job = state.running
    // a job is sent once, even when the effect runs again for it
    if (job === null || started.current === job) return
    started.current = job
    api.runCell(sessionId, job.language, job.source).then(
      (result) => dispatch({ type: 'runFinished', job, result }),
      (err: unknown) => dispatch({ type: 'runFailed', job, message: errorText(err) })
    )
  }, [api, sessionId, state.running])

  // focus asked for by the last change (a new cell, a moved one), once React has drawn it
  useEffect(() => {
    const focus = state.focus
    if (focus === null) return
    const cell = root.current?.querySelector(`[data-cell-id="${focus.id}"]`)
    const target =
      focus.on === 'source'
        ? cell?.querySelector('textarea')
        : (cell?.querySelector<HTMLButtonElement>(`[data-focus="${focus.on}"]:not(:disabled)`) ??
          cell?.querySelector<HTMLButtonElement>('[data-focus]:not(:disabled)'))
    target?.focus()
  }, [state.focus])

  async function saveNow(overwrite = false) {
    if (!ready) return
    const at = state.revision
    if (await save(serializeNotebook(notebookDoc(state)), overwrite)) dispatch({ type: 'saved', revision: at })
  }

  useSaveShortcut(active && ready, () => void saveNow())

  async function interrupt() {
    dispatch({ type: 'interruptStarted' })
    try {
      await api.interruptKernel(sessionId)
      dispatch({ type: 'interruptDone' })
    } catch (err) {
      dispatch({ type: 'interruptFailed', message: errorText(err) })
    }
  }

  async function restart() {
    dispatch({ type: 'restartStarted' })
    try {
      await api.restartKernel(sessionId)
      dispatch({ type: 'restartDone' })
    } catch (err) {
      dispatch({ type: 'restartFailed', message: errorText(err) })
    }
  }

  const addCell = (kind: CellKind, language?: CellLanguage) =>
    dispatch({ type: 'addCell', cell: newCell(kind, language) })

  const { load, cells } = state
  return (
    <section className="notebook" aria-label={t.label(path)} ref={root} data-testid="notebook" data-file={path}>
      <NotebookHeader
        path={path}
        ready={ready}
        dirty={dirty}
        saving={saving}
        onSave={() => void saveNow()}
        onClose={onClose}
      />
      {ready && (
        <KernelToolbar
          runningIndex={runningIndex(state)}
          kernelBusy={state.kernelBusy}
          dispatch={dispatch}
          onInterrupt={() => void interrupt()}
          onAddCell={addCell}
        />
      )}
      {ready && <p className="notebook__hint">{`${t.shortcuts}. ${t.addHint}`}</p>}
      {state.confirmRestart && (
        <RestartConfirm onConfirm={() => void restart()} onCancel={() => dispatch({ type: 'restartCancelled' })} />
      )}
      <KernelNotice notice={state.notice} />
      <SaveProblemNotice
        problem={problem}
        busy={saving}
        onReload={() => dispatch({ type: 'reload' })}
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
                selected={cell.id === state.activeId}
                run={runStateOf(state, cell.id)}
                runError={state.runErrors.get(cell.id) ?? null}
                dispatch={dispatch}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
