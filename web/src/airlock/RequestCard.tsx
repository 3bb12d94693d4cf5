import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ExceptionBody, ExportFileView, ExportRequestSummary, ExportRequestView } from '../api/types'
import { formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { filesOfRound, requestLabel, saveBlob, shortId } from './airlock-format'
import { StateBadge, useRuleLabel } from './Badges'
import { DecisionList } from './Decisions'
import { GatedButton } from './Gated'
import { RequestActions } from './RequestActions'
import { RequestFile } from './RequestFile'
import { airlockStrings } from './strings'
import { useAirlockWatch } from './watch'

interface Props {
  api: ApiClient
  /** the request as listed (or its details, just submitted); its details are read when the card is open */
  summary: ExportRequestSummary | ExportRequestView
  /** the details when already known (the answer to a submit) */
  detail?: ExportRequestView
  projectTitle?: string
  /** the running session of the workspace this card is shown in; null on the overview */
  sessionId: string | null
  initiallyOpen: boolean
  /** the overview: starts analysis in the project, to send a returned request again */
  onOpenWorkspace?(projectId: string): void
  /** the request the URL names: opened, and scrolled to when it first shows */
  shown?: boolean
  /** the person opened or closed the card */
  onToggle?(open: boolean): void
}

type Status = { kind: 'ok' | 'error'; text: string } | null

/**
 * One of the researcher's export requests: its state, rounds, files with their state, checks,
 * exceptions and the reviewers' votes and comments, and what can be done with it now: ask an
 * exception before reviewers begin, withdraw it while nothing is decided, send it again once
 * returned, download its files or its release package once released.
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
  onOpenWorkspace,
  shown = false,
  onToggle
}: Props) {
  const s = useStrings(airlockStrings)
  const ruleName = useRuleLabel()
  const t = s.request
  const { language } = useLanguage()
  const watch = useAirlockWatch()
  const [open, setOpen] = useState(initiallyOpen || given !== undefined || shown)
  const [detail, setDetail] = useState<ExportRequestView | null>(given ?? null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [status, setStatus] = useState<Status>(null)
  /** the file (its id) or the package ('package') being downloaded */
  const [downloading, setDownloading] = useState<string | null>(null)
  const id = useId()
  const isImport = summary.direction === 'import'
  const article = useRef<HTMLElement>(null)

  // the request a link or a reload points at: opened and brought into view
  useEffect(() => {
    if (!shown) return
    setOpen(true)
    article.current?.scrollIntoView({ block: 'start' })
  }, [shown])

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

  async function downloadPackage() {
    setDownloading('package')
    setStatus(null)
    try {
      saveBlob(await api.downloadExportPackage(summary.id), `release-${summary.id}.tar.gz`)
      setStatus({ kind: 'ok', text: t.packageDownloaded })
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err) })
    } finally {
      setDownloading(null)
    }
  }

  async function askException(file: ExportFileView, body: ExceptionBody) {
    setStatus(null)
    // a refusal goes back to the form, which shows the server's sentence beside what was written
    const view = await api.askException(summary.id, file.id, body)
    changed(view, s.exception.asked(ruleName(body.rule), file.name))
  }

  const title = detail !== null ? requestLabel(detail, s.moreFiles) : t.untitled(shortId(summary.id))
  const files = detail === null ? [] : filesOfRound(detail, detail.round)
  const earlierRounds = detail === null ? [] : Array.from({ length: detail.round - 1 }, (_, i) => detail.round - 1 - i)

  return (
    <article
      ref={article}
      className="request"
      aria-current={shown ? 'location' : undefined}
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
        onClick={() => {
          setOpen(!open)
          onToggle?.(!open)
        }}
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
                {t.reviewsNeeded(detail.approvalsNeeded)}
              </p>
            )}
            <h4 className="request__subheading">{isImport ? t.fileHeading : t.filesOfRound(detail.round)}</h4>
            <ul className="request__files">
              {files.map((f) => (
                <RequestFile
                  key={f.id}
                  request={detail}
                  file={f}
                  downloading={downloading}
                  onDownload={(file) => void download(file)}
                  onAskException={askException}
                />
              ))}
            </ul>
            {state === 'released' && !isImport && (
              <div className="request__package">
                <GatedButton
                  can={detail.can.downloadPackage}
                  busy={downloading !== null}
                  testId="request-package"
                  onClick={() => void downloadPackage()}
                >
                  {downloading === 'package' ? t.downloadingPackage : t.downloadPackage}
                </GatedButton>
                <p className="field__hint">{t.packageHint}</p>
              </div>
            )}
            {earlierRounds.length > 0 && (
              <details className="request__earlier" data-testid="request-earlier">
                <summary>{t.earlierRounds(earlierRounds.length)}</summary>
                {earlierRounds.map((round) => (
                  <section key={round} className="request__round" aria-label={t.roundShort(round)}>
                    <h5 className="request__round-heading">{t.roundShort(round)}</h5>
                    <DecisionList decisions={detail.decisions.filter((d) => d.round === round)} />
                    <ul className="request__files">
                      {filesOfRound(detail, round).map((f) => (
                        <RequestFile
                          key={f.id}
                          request={detail}
                          file={f}
                          downloading={null}
                          onDownload={() => {}}
                          onAskException={askException}
                        />
                      ))}
                    </ul>
                  </section>
                ))}
              </details>
            )}

            {/* an import is neither withdrawn nor sent again here: a corrected file is a new import */}
            {!isImport && (
              <RequestActions
                api={api}
                detail={detail}
                sessionId={sessionId}
                onOpenWorkspace={onOpenWorkspace}
                onChanged={changed}
                onError={(text) => setStatus(text === null ? null : { kind: 'error', text })}
              />
            )}
          </>
        )}
      </div>
    </article>
  )
}
