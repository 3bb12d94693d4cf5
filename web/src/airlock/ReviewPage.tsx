import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ExportFileView, ExportRequestView, ReviewDecision, UserView } from '../api/types'
import { appStrings } from '../app/strings'
import { formatBytes, formatCount, formatDateTime } from '../i18n/format'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { filesOfRound, previewKind, requestLabel, shortId } from './airlock-format'
import { CheckResults, DirectionBadge, OutcomeBadge, StateBadge } from './Badges'
import { DecisionList } from './Decisions'
import { FilePreview, LineDiff, type ReadBytes } from './Preview'
import { airlockStrings, stateName } from './strings'
import { NotificationList, QueueBadge, useAirlockWatch } from './watch'

interface Props {
  api: ApiClient
  user: UserView
  requestId: string
  onBack(): void
}

type Load = { kind: 'loading' } | { kind: 'failed'; error: string } | { kind: 'loaded'; request: ExportRequestView }

/**
 * A request under review: who asks, which round, how many approvals it has; each file with its
 * justification, the query that made it, the checks' findings and a preview; earlier rounds with
 * the reviewers' comments and what changed since; and the reviewer's decision.
 */
export function ReviewPage({ api, user, requestId, onBack }: Props) {
  const s = useStrings(airlockStrings)
  const t = s.review
  const app = useStrings(appStrings)
  const { language } = useLanguage()
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  const heading = useRef<HTMLHeadingElement>(null)
  const cache = useRef(new Map<string, Promise<Uint8Array>>())

  useEffect(() => {
    document.title = `${t.documentTitle} – ${app.productName}`
  }, [t, app])

  useEffect(() => heading.current?.focus(), [])

  // the first look at a submitted request starts its review (the server moves it to in_review)
  const open = useCallback(() => {
    let current = true
    setLoad({ kind: 'loading' })
    api.getReview(requestId).then(
      (request) => current && setLoad({ kind: 'loaded', request }),
      (err: unknown) => {
        if (current && !(err instanceof ApiError && err.status === 401))
          setLoad({ kind: 'failed', error: errorText(err) })
      }
    )
    return () => {
      current = false
    }
  }, [api, requestId])

  useEffect(open, [open])

  /** A file's bytes for its preview, fetched once for this page (each fetch is audited). */
  const read = useCallback<ReadBytes>(
    (fileId) => {
      let bytes = cache.current.get(fileId)
      if (bytes === undefined) {
        bytes = api
          .reviewFileContent(requestId, fileId)
          .then((blob) => blob.arrayBuffer())
          .then((buffer) => new Uint8Array(buffer))
        bytes.catch(() => cache.current.delete(fileId))
        cache.current.set(fileId, bytes)
      }
      return bytes
    },
    [api, requestId]
  )

  const request = load.kind === 'loaded' ? load.request : null

  return (
    <div className="home-layout review-layout">
      <header className="topbar">
        <button type="button" className="button button--secondary" onClick={onBack} data-testid="review-back">
          {t.back}
        </button>
        <span className="topbar__product">{app.productName}</span>
        <div className="topbar__actions">
          <QueueBadge />
          <LanguageSwitch />
        </div>
      </header>
      <NotificationList />
      <main className="review" data-testid="review-page" data-request-id={requestId} data-state={request?.state}>
        <h1 ref={heading} tabIndex={-1} className="home__heading">
          {request === null
            ? t.heading
            : t.headingFor(s.directions[request.direction], requestLabel(request, s.moreFiles))}
        </h1>
        {load.kind === 'loading' && <p role="status">{t.loading}</p>}
        {load.kind === 'failed' && (
          <div role="alert" className="error-message" data-testid="review-load-error">
            <p>{load.error}</p>
            <button type="button" className="button button--secondary" onClick={open}>
              {t.retry}
            </button>
          </div>
        )}
        {request !== null && (
          <>
            <section className="card" aria-labelledby="review-summary-heading">
              <h2 id="review-summary-heading" className="card__heading">
                {t.summaryHeading}
              </h2>
              <dl className="review__facts">
                <div>
                  <dt>{t.state}</dt>
                  <dd>
                    <StateBadge state={request.state} direction={request.direction} />
                  </dd>
                </div>
                <div>
                  <dt>{t.kind}</dt>
                  <dd data-testid="review-direction">
                    <DirectionBadge direction={request.direction} />
                  </dd>
                </div>
                <div>
                  <dt>{t.requester}</dt>
                  <dd data-testid="review-requester">{request.requester}</dd>
                </div>
                <div>
                  <dt>{t.request}</dt>
                  <dd className="review__mono">{shortId(request.id)}</dd>
                </div>
                <div>
                  <dt>{t.round}</dt>
                  <dd data-testid="review-round">{request.round}</dd>
                </div>
                <div>
                  <dt>{t.approvals}</dt>
                  <dd data-testid="review-approvals">{t.approvalsValue(request.approvals, request.approvalsNeeded)}</dd>
                </div>
                <div>
                  <dt>{t.submitted}</dt>
                  <dd>
                    <time dateTime={request.createdAt}>{formatDateTime(request.createdAt, language)}</time>
                  </dd>
                </div>
                <div>
                  <dt>{t.updated}</dt>
                  <dd>
                    <time dateTime={request.updatedAt}>{formatDateTime(request.updatedAt, language)}</time>
                  </dd>
                </div>
              </dl>
            </section>

            {request.direction === 'import' && <p className="notice">{t.importNote}</p>}
            <section aria-labelledby="review-files-heading" className="review__section">
              <h2 id="review-files-heading" className="review__heading">
                {t.filesHeading(request.round)}
              </h2>
              {filesOfRound(request, request.round).map((file) => {
                const before =
                  previewKind(file.name) === 'table'
                    ? filesOfRound(request, request.round - 1).find((f) => f.name === file.name)
                    : undefined
                return <ReviewFile key={file.id} file={file} read={read} before={before} />
              })}
            </section>

            <EarlierRounds request={request} read={read} />

            <section aria-labelledby="review-decide-heading" className="card review__decide">
              <h2 id="review-decide-heading" className="card__heading">
                {t.decideHeading}
              </h2>
              <DecisionList
                decisions={request.decisions.filter((d) => d.round === request.round)}
                empty={t.noDecisionsYet}
              />
              <DecisionForm
                api={api}
                request={request}
                username={user.username}
                onDecided={(view) => setLoad({ kind: 'loaded', request: view })}
                onBack={onBack}
                onReload={open}
              />
            </section>
          </>
        )}
      </main>
    </div>
  )
}

function ReviewFile({ file, read, before }: { file: ExportFileView; read: ReadBytes; before?: ExportFileView }) {
  const t = useStrings(airlockStrings).review
  const { language } = useLanguage()
  const id = useId()
  return (
    <article
      className="card review-file"
      aria-labelledby={`${id}-name`}
      data-testid="review-file"
      data-file={file.name}
    >
      <div className="review-file__head">
        <h3 id={`${id}-name`} className="review-file__name">
          {file.name}
        </h3>
        <OutcomeBadge outcome={file.outcome} testId="file-outcome" />
        <span className="review-file__meta">
          {formatBytes(file.size, language)} · <span title={file.sha256}>SHA-256 {file.sha256.slice(0, 12)}…</span>
        </span>
      </div>
      <p className="review-file__path">{file.path}</p>
      <h4 className="review-file__subheading">{t.justification}</h4>
      <p className="review-file__why" data-testid="review-justification">
        {file.justification}
      </p>
      <Provenance file={file} />
      <h4 className="review-file__subheading">{t.checks}</h4>
      <CheckResults checks={file.checks} />
      <h4 className="review-file__subheading">{t.preview}</h4>
      <FilePreview file={file} read={read} />
      {before !== undefined && <LineDiff before={before} after={file} read={read} />}
    </article>
  )
}

function Provenance({ file }: { file: ExportFileView }) {
  const t = useStrings(airlockStrings).review
  const { language } = useLanguage()
  const p = file.provenance
  if (p === null || typeof p.source !== 'string' || p.source === '') return null
  const language_ = typeof p.language === 'string' ? p.language : ''
  return (
    <div className="provenance" data-testid="review-provenance">
      <h4 className="review-file__subheading">{t.provenance(language_ === 'python' ? 'Python' : 'SQL')}</h4>
      <p className="provenance__meta">
        {typeof p.rows === 'number' && t.provenanceRows(formatCount(p.rows, language))}
        {typeof p.exportedAt === 'string' && (
          <>
            {' '}
            <time dateTime={p.exportedAt}>{formatDateTime(p.exportedAt, language)}</time>
          </>
        )}
      </p>
      <pre className="provenance__source">{p.source}</pre>
    </div>
  )
}

/** Rounds before the current one: their files, checks and the comments that sent them back. */
function EarlierRounds({ request, read }: { request: ExportRequestView; read: ReadBytes }) {
  const t = useStrings(airlockStrings).review
  if (request.round <= 1) return null
  const rounds = Array.from({ length: request.round - 1 }, (_, i) => request.round - 1 - i)
  return (
    <section aria-labelledby="review-earlier-heading" className="review__section" data-testid="review-earlier">
      <h2 id="review-earlier-heading" className="review__heading">
        {t.earlierHeading}
      </h2>
      {rounds.map((round) => (
        <section key={round} className="card review-round" aria-label={t.roundHeading(round)} data-round={round}>
          <h3 className="review-round__heading">{t.roundHeading(round)}</h3>
          <h4 className="review-file__subheading">{t.comments}</h4>
          <DecisionList decisions={request.decisions.filter((d) => d.round === round)} empty={t.noComments} />
          <ul className="review-round__files">
            {filesOfRound(request, round).map((f) => (
              <EarlierFile key={f.id} file={f} read={read} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  )
}

function EarlierFile({ file, read }: { file: ExportFileView; read: ReadBytes }) {
  const t = useStrings(airlockStrings).review
  const [shown, setShown] = useState(false)
  const id = useId()
  return (
    <li className="review-round__file" data-testid="earlier-file" data-file={file.name}>
      <div className="review-file__head">
        <span className="review-file__name">{file.name}</span>
        <OutcomeBadge outcome={file.outcome} />
      </div>
      <p className="review-file__why">{file.justification}</p>
      <details className="review-round__checks">
        <summary>{t.checks}</summary>
        <CheckResults checks={file.checks} />
      </details>
      <button
        type="button"
        className="button button--secondary button--small"
        aria-expanded={shown}
        aria-controls={`${id}-preview`}
        onClick={() => setShown((v) => !v)}
      >
        {shown ? t.hidePreview : t.showPreview}
      </button>
      <div id={`${id}-preview`} hidden={!shown}>
        {shown && <FilePreview file={file} read={read} />}
      </div>
    </li>
  )
}

const DECISIONS: ReviewDecision[] = ['approve', 'return', 'reject']

function DecisionForm({
  api,
  request,
  username,
  onDecided,
  onBack,
  onReload
}: {
  api: ApiClient
  request: ExportRequestView
  username: string
  onDecided(view: ExportRequestView): void
  onBack(): void
  onReload(): void
}) {
  const s = useStrings(airlockStrings)
  const t = s.review.form
  const watch = useAirlockWatch()
  const [decision, setDecision] = useState<ReviewDecision | null>(null)
  const [comment, setComment] = useState('')
  const [error, setError] = useState<string | null>(null)
  /** the server refused (the request changed, or was decided on): reading it again shows why */
  const [refused, setRefused] = useState(false)
  const [commentMissing, setCommentMissing] = useState(false)
  const [sending, setSending] = useState(false)
  const [done, setDone] = useState<string | null>(null)
  const commentField = useRef<HTMLTextAreaElement>(null)
  const id = useId()

  const mine = request.decisions.find((d) => d.round === request.round && d.reviewer === username)
  const needsComment = decision === 'return' || decision === 'reject'

  if (request.state !== 'in_review' && request.state !== 'submitted') {
    return (
      <div className="review__closed">
        {done !== null && (
          <p className="notice notice--ok" role="status" data-testid="decision-done">
            {done}
          </p>
        )}
        <p data-testid="decision-closed">{t.closed(stateName(s, request.state, request.direction))}</p>
        <button type="button" className="button button--secondary" onClick={onBack}>
          {s.review.back}
        </button>
      </div>
    )
  }

  async function submit(e: FormEvent) {
    e.preventDefault()
    setDone(null)
    setRefused(false)
    if (decision === null) {
      setError(t.pickDecision)
      return
    }
    const text = comment.trim()
    if (needsComment && text === '') {
      setCommentMissing(true)
      setError(t.commentRequired(s.decisions[decision]))
      commentField.current?.focus()
      return
    }
    setSending(true)
    setError(null)
    setCommentMissing(false)
    try {
      // bound to what this page shows: a round sent again meanwhile is refused, not decided blind
      const seen = { round: request.round, sha256s: filesOfRound(request, request.round).map((f) => f.sha256) }
      const view = await api.decideReview(
        request.id,
        text === '' ? { decision, ...seen } : { decision, comment: text, ...seen }
      )
      setDecision(null)
      setComment('')
      setDone(t.done(stateName(s, view.state, view.direction)))
      watch.refresh()
      onDecided(view)
    } catch (err) {
      setError(errorText(err))
      setRefused(err instanceof ApiError && err.status === 409)
    } finally {
      setSending(false)
    }
  }

  return (
    <form className="decision-form" onSubmit={(e) => void submit(e)} noValidate data-testid="decision-form">
      {done !== null && (
        <p className="notice notice--ok" role="status" data-testid="decision-done">
          {done}
        </p>
      )}
      {mine !== undefined && (
        <p className="notice notice--warn" data-testid="decision-already">
          {t.already(s.decisions[mine.decision])}
        </p>
      )}
      <fieldset className="decision-form__choices">
        <legend className="decision-form__legend">{t.legend}</legend>
        {DECISIONS.map((d) => (
          <div key={d} className={`decision-form__choice decision-form__choice--${d}`}>
            <input
              id={`${id}-${d}`}
              type="radio"
              name={`${id}-decision`}
              value={d}
              checked={decision === d}
              onChange={() => {
                setDecision(d)
                setError(null)
              }}
              aria-describedby={`${id}-${d}-hint`}
              data-testid={`decision-${d}`}
            />
            <label htmlFor={`${id}-${d}`}>{s.decisions[d]}</label>
            <p id={`${id}-${d}-hint`} className="field__hint decision-form__hint">
              {d === 'approve' ? t.hints.approve(request.approvals, request.approvalsNeeded) : t.hints[d]}
            </p>
          </div>
        ))}
      </fieldset>
      <div className="decision-form__comment">
        <label htmlFor={`${id}-comment`}>
          {t.comment}
          {needsComment ? ` ${t.required}` : ` ${t.optional}`}
        </label>
        <p id={`${id}-comment-hint`} className="field__hint">
          {t.commentHint}
        </p>
        <textarea
          id={`${id}-comment`}
          ref={commentField}
          className="decision-form__text"
          value={comment}
          onChange={(e) => {
            setComment(e.target.value)
            if (e.target.value.trim() !== '') setCommentMissing(false)
          }}
          rows={4}
          maxLength={4000}
          required={needsComment}
          aria-invalid={commentMissing}
          aria-describedby={`${id}-comment-hint`}
          data-testid="decision-comment"
        />
      </div>
      {error !== null && (
        <div className="error-message" role="alert" data-testid="decision-error">
          <p>{error}</p>
          {refused && (
            <button type="button" className="button button--secondary button--small" onClick={onReload}>
              {t.reload}
            </button>
          )}
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={sending} data-testid="decision-submit">
          {sending ? t.submitting : t.submit}
        </button>
      </div>
    </form>
  )
}
