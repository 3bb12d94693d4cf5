import { useCallback, useEffect, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ProjectView, SessionView, StartStep, UserView } from '../api/types'
import { appStrings } from '../app/strings'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'
import { CatalogPanel } from './Catalog'
import { TerminalView } from './Terminal'

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

const STEPS: StartStep['step'][] = ['sandbox', 'data', 'workspace']
const MiB = 1024 * 1024
const WARN_MINUTES = 15

/** A project's analysis session: start progress, then the terminal, under the Visiting controls. */
export function WorkspacePage({ api, user, project, onBack }: Props) {
  const t = useStrings(workspaceStrings)
  const app = useStrings(appStrings)
  const [view, setView] = useState<View>({ kind: 'starting', session: null, step: null })
  const [ending, setEnding] = useState(false)
  const [copyNotice, setCopyNotice] = useState(false)
  const [now, setNow] = useState(() => Date.now())

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
    >
      <header className="topbar">
        <button type="button" className="button button--secondary" onClick={onBack}>
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
            onClick={() => void end(view.session)}
          >
            {ending ? t.ending : t.endSession}
          </button>
        )}
        <LanguageSwitch />
      </header>
      {minutesLeft !== null && minutesLeft <= WARN_MINUTES && (
        <p className="notice notice--warn" role="alert">
          {t.timeWarning(minutesLeft)}
        </p>
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
            <TerminalView api={api} sessionId={view.session.id} onCopyBlocked={onCopyBlocked} />
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
