import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { AirlockTab } from '../airlock/AirlockTab'
import { NotificationList } from '../airlock/watch'
import { ApiError, type ApiClient } from '../api/client'
import type { ProjectView, SessionView, StartStep, UserView } from '../api/types'
import { appStrings } from '../app/strings'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'
import { CatalogPanel } from './Catalog'
import { FilesView, NewNotebookButton } from './Files'
import { NotebookView } from './Notebook'
import { TerminalView } from './Terminal'
import { TextEditor } from './TextEditor'
import { movedPath } from './workspace-files'

interface Props {
  api: ApiClient
  user: UserView
  project: ProjectView
  onBack(): void
}

type View =
  | { kind: 'starting'; session: SessionView | null; step: StartStep | null }
  | { kind: 'running'; session: SessionView }
  | { kind: 'ended'; session: SessionView | null; reason: string }

type Tab = 'terminal' | 'notebook' | 'files' | 'airlock'
const TABS: Tab[] = ['terminal', 'notebook', 'files', 'airlock']

/** A notebook or text file open in its view; `key` remounts the view when another file is opened. */
interface OpenFile {
  key: number
  path: string
}

type Editor = 'notebook' | 'text'

const STEPS: StartStep['step'][] = ['sandbox', 'data', 'workspace']
const MiB = 1024 * 1024
const WARN_MINUTES = 15

/**
 * A project's analysis session: start progress, then the terminal, a notebook, the workspace's
 * files and the airlock (export cart and requests) as tabs beside the data catalog, under the
 * Visiting controls.
 */
export function WorkspacePage({ api, user, project, onBack }: Props) {
  const t = useStrings(workspaceStrings)
  const app = useStrings(appStrings)
  const [view, setView] = useState<View>({ kind: 'starting', session: null, step: null })
  const [ending, setEnding] = useState(false)
  const [copyNotice, setCopyNotice] = useState(false)
  const [now, setNow] = useState(() => Date.now())
  const [tab, setTab] = useState<Tab>('terminal')
  const [notebook, setNotebook] = useState<OpenFile | null>(null)
  const [textFile, setTextFile] = useState<OpenFile | null>(null)
  const [dirty, setDirty] = useState<Record<Editor, boolean>>({ notebook: false, text: false })
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set())
  const [leave, setLeave] = useState<{ paths: string[]; proceed(): void } | null>(null)
  const [notebookError, setNotebookError] = useState<string | null>(null)
  const opened = useRef(0)
  const tabs = useRef(new Map<Tab, HTMLButtonElement>())
  const tabId = useId()

  useEffect(() => {
    document.title = `${t.documentTitle} – ${project.title} – ${app.productName}`
  }, [t, app, project])

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000)
    return () => clearInterval(timer)
  }, [])

  useEffect(() => {
    const abort = new AbortController()
    void (async () => {
      try {
        // a live session of this project is reopened, not started twice
        const liveOne = async () =>
          (await api.listSessions()).find(
            (s) => s.projectId === project.id && (s.state === 'starting' || s.state === 'running')
          )
        let session = await liveOne()
        if (session === undefined) {
          try {
            session = await api.startSession(project.id)
          } catch (err) {
            // another tab (or a second run of this effect) started it a moment ago
            const started = err instanceof ApiError && err.status === 409 ? await liveOne() : undefined
            if (started === undefined) throw err
            session = started
          }
        }
        if (abort.signal.aborted) return
        setView({ kind: 'starting', session, step: null })
        await api.followSession(
          session.id,
          (e) => {
            if (e.kind === 'progress') setView((v) => (v.kind === 'starting' ? { ...v, step: e.progress } : v))
            else if (e.session.state === 'running') setView({ kind: 'running', session: e.session })
            else if (e.session.state === 'starting')
              setView((v) => ({ kind: 'starting', session: e.session, step: v.kind === 'starting' ? v.step : null }))
            else setView({ kind: 'ended', session: e.session, reason: e.session.reason ?? '' })
          },
          abort.signal
        )
      } catch (err) {
        if (abort.signal.aborted) return
        setView({
          kind: 'ended',
          session: null,
          reason: err instanceof ApiError ? (err.serverMessage ?? err.message) : String(err)
        })
      }
    })()
    return () => abort.abort()
  }, [api, project])

  const onCopyBlocked = useCallback(() => {
    setCopyNotice(true)
    setTimeout(() => setCopyNotice(false), 4000)
  }, [])

  // the views report their unsaved state, and false once closed or replaced by another file
  const onNotebookDirty = useCallback((d: boolean) => setDirty((s) => ({ ...s, notebook: d })), [])
  const onTextDirty = useCallback((d: boolean) => setDirty((s) => ({ ...s, text: d })), [])

  // unsaved edits: the browser asks before the page is closed or reloaded
  const anyDirty = dirty.notebook || dirty.text
  useEffect(() => {
    if (!anyDirty) return
    const warn = (e: BeforeUnloadEvent) => e.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [anyDirty])

  /** Runs `proceed` at once, or after the researcher agrees to lose the unsaved edits of `editors`. */
  function guard(editors: Editor[], proceed: () => void) {
    const paths = editors
      .filter((e) => dirty[e])
      .map((e) => (e === 'notebook' ? notebook : textFile)?.path)
      .filter((p): p is string => p !== undefined)
    if (paths.length === 0) proceed()
    else setLeave({ paths, proceed })
  }

  function openNotebook(path: string) {
    if (notebook?.path === path) {
      setTab('notebook')
      return
    }
    guard(['notebook'], () => {
      setNotebook({ key: ++opened.current, path })
      setNotebookError(null)
      setTab('notebook')
    })
  }

  function openText(path: string) {
    if (textFile?.path === path) return
    guard(['text'], () => {
      setTextFile({ key: ++opened.current, path })
    })
  }

  function closeEditor(editor: Editor) {
    guard([editor], () => {
      if (editor === 'notebook') setNotebook(null)
      else setTextFile(null)
    })
  }

  /** Open files follow a rename or a move into the outbox, so that saving writes to where they are now. */
  function onMoved(from: string, to: string) {
    const follow = (f: OpenFile | null) => {
      const moved = f === null ? null : movedPath(f.path, from, to)
      return f === null || moved === null ? f : { ...f, path: moved }
    }
    setNotebook(follow)
    setTextFile(follow)
  }

  function onTabKey(e: KeyboardEvent) {
    const at = TABS.indexOf(tab)
    const to =
      e.key === 'ArrowRight'
        ? TABS[(at + 1) % TABS.length]
        : e.key === 'ArrowLeft'
          ? TABS[(at - 1 + TABS.length) % TABS.length]
          : e.key === 'Home'
            ? TABS[0]
            : e.key === 'End'
              ? TABS[TABS.length - 1]
              : undefined
    if (to === undefined) return
    e.preventDefault()
    setTab(to)
    tabs.current.get(to)?.focus()
  }

  async function end(session: SessionView) {
    setEnding(true)
    try {
      await api.stopSession(session.id)
    } finally {
      setEnding(false)
    }
  }

  const session = view.session
  const minutesLeft =
    view.kind === 'running' && session?.expiresAt
      ? Math.max(0, Math.floor((Date.parse(session.expiresAt) - now) / 60_000))
      : null

  return (
    <div
      className="workspace"
      onCopy={(e) => (e.preventDefault(), onCopyBlocked())}
      onCut={(e) => (e.preventDefault(), onCopyBlocked())}
      // nor by dragging a selection (or an image) out of an output into another window
      onDragStart={(e) => e.preventDefault()}
    >
      <header className="topbar">
        <button type="button" className="button button--secondary" onClick={() => guard(['notebook', 'text'], onBack)}>
          {t.backToOverview}
        </button>
        <h1 className="workspace__title">{project.title}</h1>
        {minutesLeft !== null && (
          <span
            className={`badge ${minutesLeft <= WARN_MINUTES ? 'badge--warn' : 'badge--info'}`}
            data-testid="time-left"
          >
            {t.timeLeft(minutesLeft)}
          </span>
        )}
        {view.kind === 'running' && (
          <button
            type="button"
            className="button button--secondary"
            disabled={ending}
            onClick={() => guard(['notebook', 'text'], () => void end(view.session))}
          >
            {ending ? t.ending : t.endSession}
          </button>
        )}
        <LanguageSwitch />
      </header>
      <NotificationList />
      {minutesLeft !== null && minutesLeft <= WARN_MINUTES && (
        <p className="notice notice--warn" role="alert">
          {t.timeWarning(minutesLeft)}
        </p>
      )}
      {leave !== null && (
        <div className="notice notice--warn leave-notice" role="alert" data-testid="unsaved-warning">
          <p>{t.leave.message(leave.paths.join(', '))}</p>
          <div className="button-row">
            <button
              type="button"
              className="button button--danger button--small"
              onClick={() => {
                setLeave(null)
                leave.proceed()
              }}
              data-testid="unsaved-discard"
            >
              {t.leave.discard}
            </button>
            <button type="button" className="button button--secondary button--small" onClick={() => setLeave(null)}>
              {t.leave.stay}
            </button>
          </div>
        </div>
      )}
      {copyNotice && (
        <p className="notice notice--warn" role="alert" data-testid="copy-blocked">
          {t.copyBlocked}
        </p>
      )}
      <main className="workspace__main">
        {view.kind === 'starting' && (
          <section className="card start-progress" aria-busy="true" data-testid="start-progress">
            <h2>{t.starting}</h2>
            <ol className="start-progress__steps">
              {STEPS.map((step) => {
                const at = view.step === null ? -1 : STEPS.indexOf(view.step.step)
                const mine = STEPS.indexOf(step)
                const state = mine < at ? 'done' : mine === at ? 'active' : 'todo'
                return (
                  <li key={step} data-state={state}>
                    {t.steps[step]}
                    {step === 'data' && view.step?.step === 'data' && (
                      <span className="start-progress__bytes">
                        {' '}
                        {t.dataProgress(
                          `${(view.step.bytes / MiB).toFixed(1)} MiB`,
                          `${(view.step.totalBytes / MiB).toFixed(1)} MiB`
                        )}
                      </span>
                    )}
                  </li>
                )
              })}
            </ol>
          </section>
        )}
        {view.kind === 'ended' && (
          <section className="card" role="alert" data-testid="session-ended">
            <h2>{view.session?.state === 'failed' || view.session === null ? t.failed : t.ended}</h2>
            {view.reason !== '' && (
              <p>
                {t.reason}: {view.reason}
              </p>
            )}
          </section>
        )}
        {view.kind === 'running' && (
          <div className="workspace__panes">
            <div className="workspace__tools">
              <div className="tabs" role="tablist" aria-label={t.tabs.label} onKeyDown={onTabKey}>
                {TABS.map((name) => (
                  <button
                    key={name}
                    ref={(el) => {
                      if (el === null) tabs.current.delete(name)
                      else tabs.current.set(name, el)
                    }}
                    type="button"
                    role="tab"
                    id={`${tabId}-tab-${name}`}
                    className="tabs__tab"
                    aria-selected={tab === name}
                    aria-controls={`${tabId}-panel-${name}`}
                    tabIndex={tab === name ? 0 : -1}
                    onClick={() => setTab(name)}
                    data-testid={`tab-${name}`}
                  >
                    {t.tabs[name]}
                    {((name === 'notebook' && dirty.notebook) || (name === 'files' && dirty.text)) && (
                      <span className="tabs__dirty" title={t.tabs.unsavedMark}>
                        <span aria-hidden="true"> ●</span>
                        <span className="visually-hidden"> ({t.tabs.unsavedMark})</span>
                      </span>
                    )}
                  </button>
                ))}
              </div>
              {/* The terminal stays mounted while hidden: its shell and WebSocket live on. */}
              <div
                role="tabpanel"
                id={`${tabId}-panel-terminal`}
                aria-labelledby={`${tabId}-tab-terminal`}
                className="workspace__panel workspace__panel--terminal"
                hidden={tab !== 'terminal'}
              >
                <TerminalView api={api} sessionId={view.session.id} onCopyBlocked={onCopyBlocked} />
              </div>
              {/* An open notebook stays mounted too (its edits, its running cells); the empty state only when shown. */}
              <div
                role="tabpanel"
                id={`${tabId}-panel-notebook`}
                aria-labelledby={`${tabId}-tab-notebook`}
                className="workspace__panel"
                hidden={tab !== 'notebook'}
              >
                {notebook !== null ? (
                  <NotebookView
                    key={notebook.key}
                    api={api}
                    sessionId={view.session.id}
                    path={notebook.path}
                    active={tab === 'notebook'}
                    onClose={() => closeEditor('notebook')}
                    onDirtyChange={onNotebookDirty}
                  />
                ) : (
                  tab === 'notebook' && (
                    <section className="empty-state notebook-empty" data-testid="notebook-empty">
                      <h2 className="notebook-empty__heading">{t.notebook.emptyHeading}</h2>
                      <p>{t.notebook.empty}</p>
                      <NewNotebookButton
                        api={api}
                        sessionId={view.session.id}
                        onCreated={openNotebook}
                        onError={setNotebookError}
                      />
                      {notebookError !== null && (
                        <p className="error-message" role="alert">
                          {notebookError}
                        </p>
                      )}
                    </section>
                  )
                )}
              </div>
              {/* Files is read afresh each time it is shown; an open text file stays mounted. */}
              <div
                role="tabpanel"
                id={`${tabId}-panel-files`}
                aria-labelledby={`${tabId}-tab-files`}
                className="workspace__panel"
                hidden={tab !== 'files'}
              >
                {textFile !== null ? (
                  <TextEditor
                    key={textFile.key}
                    api={api}
                    sessionId={view.session.id}
                    path={textFile.path}
                    active={tab === 'files'}
                    onClose={() => closeEditor('text')}
                    onDirtyChange={onTextDirty}
                  />
                ) : (
                  tab === 'files' && (
                    <FilesView
                      api={api}
                      sessionId={view.session.id}
                      expanded={expanded}
                      onExpandedChange={setExpanded}
                      onOpenNotebook={openNotebook}
                      onOpenText={openText}
                      onMoved={onMoved}
                    />
                  )
                )}
              </div>
              {/* The cart stays mounted, so that picks and justifications survive a look at another tab. */}
              <div
                role="tabpanel"
                id={`${tabId}-panel-airlock`}
                aria-labelledby={`${tabId}-tab-airlock`}
                className="workspace__panel"
                hidden={tab !== 'airlock'}
              >
                <AirlockTab api={api} sessionId={view.session.id} project={project} active={tab === 'airlock'} />
              </div>
            </div>
            <CatalogPanel api={api} projectId={project.id} />
          </div>
        )}
      </main>
      {session !== null && (
        <div className="watermark" aria-hidden="true" data-testid="watermark">
          {Array.from({ length: 24 }, (_, i) => (
            <span key={i}>
              {t.watermark(
                user.username,
                session.id.slice(0, 8),
                new Date(now).toISOString().slice(0, 16).replace('T', ' ')
              )}
            </span>
          ))}
        </div>
      )}
    </div>
  )
}
