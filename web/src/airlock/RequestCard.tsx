import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ExportFileView, ExportRequestSummary, ExportRequestView, SubmitFile } from '../api/types'
import { formatBytes, formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { canWithdraw, filesOfRound, requestLabel, saveBlob, shortId } from './airlock-format'
import { CheckResults, OutcomeBadge, StateBadge } from './Badges'
import { DecisionList } from './Decisions'
import { OutboxPicker } from './OutboxPicker'
import { ArchiveListing } from './Preview'
import { airlockStrings } from './strings'
import { useAirlockWatch } from './watch'

interface Props {
  api: ApiClient
  /** the request as listed; its details are read when the card is open */
  summary: ExportRequestSummary
  /** the details when already known (the answer to a submit) */
  detail?: ExportRequestView
  projectTitle?: string
  /** the running session of the workspace this card is shown in; null on the overview */
  sessionId: string | null
  initiallyOpen: boolean
  /** the overview: starts analysis in the project, to send a returned request again */
  onOpenWorkspace?(projectId: string): void
}

type Resend =
  | { kind: 'closed' }
  | { kind: 'looking' }
  | { kind: 'no-session'; starting: boolean }
  | { kind: 'picking'; sessionId: string }

type Status = { kind: 'ok' | 'error'; text: string } | null

/** Outputs the checks read as text, numbering lines where a table numbers rows. */
const TEXT_OUTPUT = /\.(txt|md)$/i

/**
 * One of the researcher's export requests: its state, rounds, files with their checks, the
 * reviewers' decisions and comments, and what can be done with it now: withdraw it while nothing is
 * decided, send it again once returned, download its files once released.
 *
 * Or one of their imports: its state, the file with its checks and, for an archive, the entries the
 * gateway checked; nothing to do with it (it is delivered into work/inbox once approved).
 */
export function RequestCard({
  api,
  summary,
  detail: given,
  projectTitle,
  sessionId,
  initiallyOpen,
  onOpenWorkspace
}: Props) {
  const s = useStrings(airlockStrings)
  const t = s.request
  const { language } = useLanguage()
  const watch = useAirlockWatch()
  const [open, setOpen] = useState(initiallyOpen || given !== undefined)
  const [detail, setDetail] = useState<ExportRequestView | null>(given ?? null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [resend, setResend] = useState<Resend>({ kind: 'closed' })
  const [status, setStatus] = useState<Status>(null)
  const [downloading, setDownloading] = useState<string | null>(null)
  const id = useId()
  const isImport = summary.direction === 'import'

  const load = useCallback(async () => {
    try {
      setDetail(await (isImport ? api.getImport(summary.id) : api.getExport(summary.id)))
      setLoadError(null)
    } catch (err) {
      setLoadError(errorText(err))
    }
  }, [api, summary.id, isImport])

  // A listed request is read when opened, and again when the list shows it changed (a poll found a
  // new state); one shown on its own (just submitted) is read again on every change a poll finds.
  const listed = given === undefined ? summary : (detail ?? given)
  const known = detail !== null && detail.updatedAt === listed.updatedAt && detail.state === listed.state
  useEffect(() => {
    if (open && !known) void load()
  }, [open, known, load])
  const seenVersion = useRef(watch.version)
  useEffect(() => {
    if (given === undefined || seenVersion.current === watch.version) return
    seenVersion.current = watch.version
    void load()
  }, [given, watch.version, load])

  const current = detail ?? summary
  const state = current.state

  function changed(view: ExportRequestView, text: string) {
    setDetail(view)
    watch.remember(view.id, view.state, view.direction)
    watch.refresh()
    setStatus({ kind: 'ok', text })
  }

  async function withdraw() {
    setBusy(true)
    setStatus(null)
    try {
      const view = await api.withdrawExport(summary.id)
      setConfirming(false)
      changed(view, t.withdrawn)
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err) })
    } finally {
      setBusy(false)
    }
  }

  async function startResend() {
    setStatus(null)
    if (sessionId !== null) {
      setResend({ kind: 'picking', sessionId })
      return
    }
    setResend({ kind: 'looking' })
    try {
      const sessions = (await api.listSessions()).filter((x) => x.projectId === current.projectId)
      const running = sessions.find((x) => x.state === 'running')
      setResend(
        running !== undefined
          ? { kind: 'picking', sessionId: running.id }
          : { kind: 'no-session', starting: sessions.some((x) => x.state === 'starting') }
      )
    } catch (err) {
      setResend({ kind: 'closed' })
      setStatus({ kind: 'error', text: errorText(err) })
    }
  }

  async function sendAgain(session: string, files: SubmitFile[]) {
    const view = await api.resubmitExport(summary.id, { sessionId: session, files })
    setResend({ kind: 'closed' })
    changed(view, t.resent(view.round))
  }

  async function download(file: ExportFileView) {
    setDownloading(file.id)
    setStatus(null)
    try {
      saveBlob(await api.downloadExportFile(summary.id, file.id), file.name)
      setStatus({ kind: 'ok', text: t.downloaded(file.name) })
    } catch (err) {
      setStatus({
        kind: 'error',
        text: err instanceof ApiError ? errorText(err) : t.downloadFailed(file.name, errorText(err))
      })
    } finally {
      setDownloading(null)
    }
  }

  const title = detail !== null ? requestLabel(detail, s.moreFiles) : t.untitled(shortId(summary.id))
  const files = detail === null ? [] : filesOfRound(detail, detail.round)
  const earlierRounds = detail === null ? [] : Array.from({ length: detail.round - 1 }, (_, i) => detail.round - 1 - i)

  return (
    <article
      className="request"
      aria-labelledby={`${id}-title`}
      data-testid={isImport ? 'import-request' : 'export-request'}
      data-request-id={summary.id}
      data-direction={summary.direction}
      data-state={state}
      data-round={current.round}
    >
      <div className="request__head">
        <h3 id={`${id}-title`} className="request__title">
          {title}
        </h3>
        <StateBadge state={state} direction={summary.direction} />
      </div>
      <p className="request__meta">
        {projectTitle !== undefined && <span>{projectTitle}</span>}
        <span>{t.idLabel(shortId(summary.id))}</span>
        {/* an import is never sent again: it has one round */}
        {!isImport && <span>{t.roundShort(current.round)}</span>}
        <span>
          {t.created} <time dateTime={current.createdAt}>{formatDateTime(current.createdAt, language)}</time>
        </span>
        <span>
          {t.updated} <time dateTime={current.updatedAt}>{formatDateTime(current.updatedAt, language)}</time>
        </span>
        {detail !== null && detail.releasedAt !== null && (
          <span>
            {isImport ? t.releasedImport : t.released}{' '}
            <time dateTime={detail.releasedAt}>{formatDateTime(detail.releasedAt, language)}</time>
          </span>
        )}
      </p>
      <p className="request__explain">{isImport ? t.explainImport[state] : t.explain[state]}</p>

      <button
        type="button"
        className="button button--secondary button--small request__toggle"
        aria-expanded={open}
        aria-controls={`${id}-body`}
        onClick={() => setOpen((o) => !o)}
        data-testid="request-toggle"
      >
        {open ? t.hideDetails : t.showDetails}
      </button>

      {status !== null && (
        <p
          className={status.kind === 'ok' ? 'notice notice--ok' : 'error-message'}
          role={status.kind === 'ok' ? 'status' : 'alert'}
          data-testid="request-status"
        >
          {status.text}
        </p>
      )}

      <div id={`${id}-body`} className="request__body" hidden={!open}>
        {open && detail === null && loadError === null && <p role="status">{t.loading}</p>}
        {loadError !== null && (
          <div className="error-message" role="alert">
            <p>{loadError}</p>
            <button type="button" className="button button--secondary button--small" onClick={() => void load()}>
              {t.retry}
            </button>
          </div>
        )}
        {detail !== null && (
          <>
            {(state === 'submitted' || state === 'in_review') && (
              <p className="request__approvals" data-testid="request-approvals">
                {t.approvals(detail.approvals, detail.approvalsNeeded)}
              </p>
            )}
            <h4 className="request__subheading">{t.decisionsHeading}</h4>
            <DecisionList decisions={detail.decisions.filter((d) => d.round === detail.round)} empty={t.noDecisions} />
            <h4 className="request__subheading">{isImport ? t.fileHeading : t.filesOfRound(detail.round)}</h4>
            <ul className="request__files">
              {files.map((f) => (
                <li key={f.id} className="request-file" data-testid="request-file" data-file={f.name}>
                  <div className="request-file__head">
                    <span className="request-file__name">{f.name}</span>
                    <OutcomeBadge outcome={f.outcome} testId="file-outcome" />
                    <span className="request-file__size">{formatBytes(f.size, language)}</span>
                    {state === 'released' && !isImport && (
                      <button
                        type="button"
                        className="button button--primary button--small request-file__download"
                        aria-label={t.downloadLabel(f.name)}
                        disabled={downloading !== null}
                        onClick={() => void download(f)}
                        data-testid="request-download"
                        data-file={f.name}
                      >
                        {downloading === f.id ? t.downloading : t.download}
                      </button>
                    )}
                  </div>
                  <p className="request-file__why">
                    <span className="request-file__label">{t.justification}</span> {f.justification}
                  </p>
                  <CheckResults checks={f.checks} own={!isImport} lines={TEXT_OUTPUT.test(f.name)} />
                  {f.listing !== null && (
                    <div className="request-file__entries">
                      <h5 className="request-file__entries-heading">{t.entriesHeading}</h5>
                      <ArchiveListing file={f} testId="import-entries" />
                    </div>
                  )}
                </li>
              ))}
            </ul>
            {earlierRounds.length > 0 && (
              <details className="request__earlier" data-testid="request-earlier">
                <summary>{t.earlierRounds(earlierRounds.length)}</summary>
                {earlierRounds.map((round) => (
                  <section key={round} className="request__round" aria-label={t.roundShort(round)}>
                    <h5 className="request__round-heading">{t.roundShort(round)}</h5>
                    <ul className="request__files">
                      {filesOfRound(detail, round).map((f) => (
                        <li key={f.id} className="request-file">
                          <div className="request-file__head">
                            <span className="request-file__name">{f.name}</span>
                            <OutcomeBadge outcome={f.outcome} />
                          </div>
                          <p className="request-file__why">
                            <span className="request-file__label">{t.justification}</span> {f.justification}
                          </p>
                          <CheckResults checks={f.checks} own={!isImport} lines={TEXT_OUTPUT.test(f.name)} />
                        </li>
                      ))}
                    </ul>
                    <DecisionList decisions={detail.decisions.filter((d) => d.round === round)} />
                  </section>
                ))}
              </details>
            )}

            {/* an import is neither withdrawn nor sent again here: a corrected file is a new import */}
            {!isImport && (canWithdraw(state) || state === 'returned') && (
              <div className="button-row request__actions">
                {state === 'returned' && resend.kind === 'closed' && (
                  <button
                    type="button"
                    className="button button--primary button--small"
                    onClick={() => void startResend()}
                    data-testid="request-resend"
                  >
                    {t.resend}
                  </button>
                )}
                {canWithdraw(state) && !confirming && (
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    onClick={() => {
                      setConfirming(true)
                      setStatus(null)
                    }}
                    data-testid="request-withdraw"
                  >
                    {t.withdraw}
                  </button>
                )}
              </div>
            )}
            {confirming && (
              <div
                className="inline-confirm"
                role="group"
                aria-label={t.withdraw}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') setConfirming(false)
                }}
              >
                <p>{t.confirmWithdraw}</p>
                <button
                  type="button"
                  className="button button--danger button--small"
                  disabled={busy}
                  onClick={() => void withdraw()}
                  data-testid="request-withdraw-confirm"
                >
                  {t.withdrawConfirm}
                </button>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  onClick={() => setConfirming(false)}
                  autoFocus
                >
                  {t.cancel}
                </button>
              </div>
            )}
            {state === 'returned' && resend.kind === 'looking' && <p role="status">{t.lookingForSession}</p>}
            {state === 'returned' && resend.kind === 'no-session' && (
              <div className="notice notice--warn request__no-session" role="alert" data-testid="resend-no-session">
                <p>{resend.starting ? t.sessionStarting : t.noSession}</p>
                <div className="button-row">
                  {onOpenWorkspace !== undefined && !resend.starting && (
                    <button
                      type="button"
                      className="button button--primary button--small"
                      onClick={() => onOpenWorkspace(current.projectId)}
                      data-testid="resend-open-workspace"
                    >
                      {t.openWorkspace}
                    </button>
                  )}
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    onClick={() => void startResend()}
                  >
                    {t.lookAgain}
                  </button>
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    onClick={() => setResend({ kind: 'closed' })}
                  >
                    {t.cancel}
                  </button>
                </div>
              </div>
            )}
            {state === 'returned' && resend.kind === 'picking' && (
              <OutboxPicker
                api={api}
                sessionId={resend.sessionId}
                mode="resubmit"
                initial={files}
                onSubmit={(picked) => sendAgain(resend.sessionId, picked)}
                onCancel={() => setResend({ kind: 'closed' })}
              />
            )}
          </>
        )}
      </div>
    </article>
  )
}
