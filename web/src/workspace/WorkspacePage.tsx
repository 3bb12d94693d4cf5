import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { Link, Navigate, useNavigate, useParams } from 'react-router'
import { AirlockTab } from '../airlock/AirlockTab'
import { NotificationList } from '../airlock/watch'
import type { ApiClient } from '../api/client'
import type { ProjectView, SessionView, UserView } from '../api/types'
import { LoadingScreen } from '../app/LoadingScreen'
import { NotFoundPage } from '../app/NotFoundPage'
import { isWorkspaceTab, places, WORKSPACE_TABS, type WorkspaceTab } from '../app/places'
import { appStrings } from '../app/strings'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'
import { CatalogPanel } from './Catalog'
import { FilesView, NewNotebookButton } from './Files'
import { NotebookView } from './Notebook'
import { TerminalView } from './Terminal'
import { TextEditor } from './TextEditor'
import { LeaveNotice } from './LeaveNotice'
import { SessionEnded, StartProgress } from './SessionProgress'
import { useSessionStart } from './use-session-start'
import { useUnsavedGuard, type Editor } from './use-unsaved-guard'
import { WorkspaceTabs } from './WorkspaceTabs'
import { errorText, movedPath } from './workspace-files'

type Tab = WorkspaceTab

/** A notebook or text file open in its view; `key` remounts the view when another file is opened. */
interface OpenFile {
  key: number
  path: string
}

const WARN_MINUTES = 15

/**
 * The workspace of the project in the URL (`/projects/:projectId`, then a tab or an airlock
 * request), looked up among the user's projects. A project that is not theirs gets the overview,
 * as the app never offered it; the server still decides whether a session may start.
 */
export function WorkspacePage({ api, user }: { api: ApiClient; user: UserView }) {
  const { projectId = '', tab, requestId } = useParams<{ projectId: string; tab?: string; requestId?: string }>()
  const me = useQuery({ queryKey: ['me'], queryFn: () => api.me() })
  const t = useStrings(workspaceStrings)
  if (tab !== undefined && !isWorkspaceTab(tab)) return <NotFoundPage />
  if (me.isPending) return <LoadingScreen />
  if (me.isError) {
    return (
      <main className="resuming">
        <div role="alert" className="error-message">
          <p>{errorText(me.error)}</p>
          <Link to={places.overview()} className="button button--secondary">
            {t.backToOverview}
          </Link>
        </div>
      </main>
    )
  }
  const project = me.data.projects.find((p) => p.id === projectId)
  if (project === undefined) return <Navigate to={places.overview()} replace />
  return (
    <Workspace
      key={project.id}
      api={api}
      user={user}
      project={project}
      tab={requestId !== undefined ? 'airlock' : (tab ?? WORKSPACE_TABS[0])}
      requestId={requestId ?? null}
    />
  )
}

interface Props {
  api: ApiClient
  user: UserView
  project: ProjectView
  /** the tab shown, from the URL */
  tab: Tab
  /** the airlock request shown, from the URL */
  requestId: string | null
}

/**
 * A project's analysis session: start progress, then the terminal, a notebook, the workspace's
 * files and the airlock (export cart and requests) as tabs beside the data catalog, under the
 * Visiting controls.
 */
function Workspace({ api, user, project, tab, requestId }: Props) {
  const t = useStrings(workspaceStrings)
  const app = useStrings(appStrings)
  const navigate = useNavigate()
  const view = useSessionStart(api, project.id)
  const [ending, setEnding] = useState(false)
  const [copyNotice, setCopyNotice] = useState(false)
  const [now, setNow] = useState(() => Date.now())
  // a chosen tab leaves a history entry, so back returns to the tab before; arrow keys step without one
  const setTab = (to: Tab, stepped = false) => {
    if (to !== tab) navigate(places.workspace(project.id, to), { replace: stepped })
  }
  const [notebook, setNotebook] = useState<OpenFile | null>(null)
  const [textFile, setTextFile] = useState<OpenFile | null>(null)
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set())
  const [notebookError, setNotebookError] = useState<string | null>(null)
  const opened = useRef(0)
  const tabId = useId()

  useEffect(() => {
    document.title = `${t.documentTitle} – ${project.title} – ${app.productName}`
  }, [t, app, project])

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000)
    return () => clearInterval(timer)
  }, [])

  const onCopyBlocked = useCallback(() => {
    setCopyNotice(true)
    setTimeout(() => setCopyNotice(false), 4000)
  }, [])

  const { dirty, onNotebookDirty, onTextDirty, guard, leave, answered } = useUnsavedGuard(project.id, {
    notebook: notebook?.path,
    text: textFile?.path
  })

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
        <Link to={places.overview()} className="button button--secondary" data-testid="workspace-back">
          {t.backToOverview}
        </Link>
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
      {leave !== null && <LeaveNotice leave={leave} onAnswered={answered} />}
      {copyNotice && (
        <p className="notice notice--warn" role="alert" data-testid="copy-blocked">
          {t.copyBlocked}
        </p>
      )}
      <main className="workspace__main">
        {view.kind === 'starting' && <StartProgress step={view.step} />}
        {view.kind === 'ended' && <SessionEnded ended={view} />}
        {view.kind === 'running' && (
          <div className="workspace__panes">
            <div className="workspace__tools">
              <WorkspaceTabs
                idPrefix={tabId}
                current={tab}
                unsaved={new Set([...(dirty.notebook ? ['notebook' as const] : []), ...(dirty.text ? ['files' as const] : [])])}
                onSelect={setTab}
              />
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
                <AirlockTab
                  api={api}
                  sessionId={view.session.id}
                  project={project}
                  active={tab === 'airlock'}
                  shownRequest={requestId}
                  onShowRequest={(id) =>
                    navigate(id === null ? places.workspace(project.id, 'airlock') : places.myRequest(project.id, id), {
                      replace: true
                    })
                  }
                />
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
