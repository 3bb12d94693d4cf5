import { useCallback, useEffect, useRef, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiError, type ApiClient } from '../api/client'
import type { ExportRequestView, ReviewExcerpt, UserView } from '../api/types'
import { places } from '../app/places'
import { appStrings } from '../app/strings'
import { formatDateTime } from '../i18n/format'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { filesOfRound, previewKind, requestLabel, shortId } from './airlock-format'
import { DirectionBadge, StateBadge } from './Badges'
import { EarlierRounds } from './EarlierRounds'
import type { ReadExcerpt } from './Excerpt'
import type { ReadBytes } from './Preview'
import { ReviewFile } from './ReviewFile'
import { ReviewSubmit } from './ReviewSubmit'
import { airlockStrings } from './strings'
import { NotificationList, QueueBadge } from './watch'

interface Props {
  api: ApiClient
  user: UserView
}

type Load = { kind: 'loading' } | { kind: 'failed'; error: string } | { kind: 'loaded'; request: ExportRequestView }

/**
 * A request under review: who asks, which round, how many reviews it needs; each file with its
 * justification, the query that made it, the checks' findings, a preview and the reviewer's vote
 * on it; earlier rounds with the reviewers' comments and what changed since; and the review that
 * makes the votes count.
 */
export function ReviewPage({ api, user }: Props) {
  const { requestId = '' } = useParams<{ requestId: string }>()
  // another request's review starts afresh: its votes, previews and unsaved drafts are its own
  return <RequestReview key={requestId} api={api} user={user} requestId={requestId} />
}

function RequestReview({ api, user, requestId }: Props & { requestId: string }) {
  const navigate = useNavigate()
  const onBack = () => navigate(places.overview())
  const s = useStrings(airlockStrings)
  const t = s.review
  const app = useStrings(appStrings)
  const { language } = useLanguage()
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  const heading = useRef<HTMLHeadingElement>(null)
  const cache = useRef(new Map<string, Promise<Uint8Array>>())
  const excerpts = useRef(new Map<string, Promise<ReviewExcerpt>>())
  /** files whose vote form holds changes not saved yet */
  const [unsaved, setUnsaved] = useState<ReadonlySet<string>>(new Set())
  const onDirty = useCallback((fileId: string, dirty: boolean) => {
    setUnsaved((u) => {
      if (u.has(fileId) === dirty) return u
      const next = new Set(u)
      if (dirty) next.add(fileId)
      else next.delete(fileId)
      return next
    })
  }, [])
  const adopt = useCallback((request: ExportRequestView) => setLoad({ kind: 'loaded', request }), [])

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

  /** The excerpt of a file whose bytes may hold individual records, fetched once for this page (audited too). */
  const excerpt = useCallback<ReadExcerpt>(
    (fileId) => {
      let shown = excerpts.current.get(fileId)
      if (shown === undefined) {
        shown = api.reviewFileExcerpt(requestId, fileId)
        shown.catch(() => excerpts.current.delete(fileId))
        excerpts.current.set(fileId, shown)
      }
      return shown
    },
    [api, requestId]
  )

  const request = load.kind === 'loaded' ? load.request : null

  return (
    <div className="home-layout review-layout">
      <header className="topbar">
        <Link to={places.overview()} className="button button--secondary" data-testid="review-back">
          {t.back}
        </Link>
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
                  <dt>{t.reviewsNeeded}</dt>
                  <dd data-testid="review-needed">{request.approvalsNeeded}</dd>
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
                return (
                  <ReviewFile
                    key={file.id}
                    api={api}
                    request={request}
                    file={file}
                    read={read}
                    excerpt={excerpt}
                    before={before}
                    me={user.username}
                    onSaved={adopt}
                    onDirty={onDirty}
                    onReload={open}
                  />
                )
              })}
            </section>

            <EarlierRounds request={request} read={read} excerpt={excerpt} />

            <ReviewSubmit
              api={api}
              request={request}
              me={user.username}
              unsaved={filesOfRound(request, request.round)
                .filter((f) => unsaved.has(f.id))
                .map((f) => f.name)}
              onSubmitted={adopt}
              onReload={open}
              onBack={onBack}
            />
          </>
        )}
      </main>
    </div>
  )
}
