import { useCallback, useEffect, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ReviewQueueItem } from '../api/types'
import { formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { shortId } from './airlock-format'
import { DirectionBadge, StateBadge } from './Badges'
import { airlockStrings } from './strings'
import { useAirlockWatch } from './watch'
import { ListLoadState } from './ListLoadState'

const MY_REVIEW_BADGE = { none: 'neutral', draft: 'caution', submitted: 'ok' } as const

/**
 * The reviewer's queue on the overview: other people's requests waiting for a decision, the one
 * waiting longest first. Read again whenever a poll finds the queue changed.
 */
export function ReviewQueue({ api, onOpen }: { api: ApiClient; onOpen(id: string): void }) {
  const t = useStrings(airlockStrings).queue
  const { language } = useLanguage()
  const { version } = useAirlockWatch()
  const [list, setList] = useState<ReviewQueueItem[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)

  const load = useCallback(async () => {
    setLoading(true)
    try {
      const queue = await api.listReviews()
      setList([...queue].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt)))
      setError(null)
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(errorText(err))
    } finally {
      setLoading(false)
    }
  }, [api])

  useEffect(() => {
    void load()
  }, [load, version])

  return (
    <section className="review-queue" aria-labelledby="review-queue-heading" data-testid="review-queue">
      <div className="toolbar">
        <h2 id="review-queue-heading" className="review-queue__heading">
          {t.heading}
          {list !== null && <span className="review-queue__count"> ({list.length})</span>}
        </h2>
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load()}
          data-testid="review-queue-refresh"
        >
          {t.refresh}
        </button>
      </div>
      <p className="review-queue__intro">{t.intro}</p>
      <ListLoadState
        error={error}
        pending={list === null}
        loadingLabel={t.loading}
        retryLabel={t.retry}
        onRetry={() => void load()}
      />
      {list !== null && list.length === 0 && (
        <p className="empty-state" data-testid="review-queue-empty">
          {t.empty}
        </p>
      )}
      {list !== null && list.length > 0 && (
        <table className="review-queue__table">
          <thead>
            <tr>
              <th scope="col">{t.columns.request}</th>
              <th scope="col">{t.columns.kind}</th>
              <th scope="col">{t.columns.requester}</th>
              <th scope="col">{t.columns.state}</th>
              <th scope="col">{t.columns.round}</th>
              <th scope="col">{t.columns.reviews}</th>
              <th scope="col">{t.columns.conflicted}</th>
              <th scope="col">{t.columns.myReview}</th>
              <th scope="col">{t.columns.submitted}</th>
              <th scope="col">{t.columns.updated}</th>
              <th scope="col">
                <span className="visually-hidden">{t.columns.action}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr
                key={r.id}
                data-testid="review-item"
                data-request-id={r.id}
                data-state={r.state}
                data-direction={r.direction}
                data-my-review={r.myReview}
              >
                <td className="review-queue__id">{shortId(r.id)}</td>
                <td>
                  <DirectionBadge direction={r.direction} />
                </td>
                <td>{r.requester}</td>
                <td>
                  <StateBadge state={r.state} direction={r.direction} />
                </td>
                <td className="review-queue__round">{r.round}</td>
                <td className="review-queue__round" data-testid="review-item-reviews">
                  {t.reviewsValue(r.reviews ?? 0, r.reviewsNeeded ?? 0)}
                </td>
                <td data-testid="review-item-conflicted">
                  {r.conflicted !== undefined && r.conflicted > 0 ? (
                    <span className="badge badge--caution">{t.conflictedValue(r.conflicted)}</span>
                  ) : (
                    t.conflictedValue(0)
                  )}
                </td>
                <td data-testid="review-item-mine">
                  <span className={`badge badge--${MY_REVIEW_BADGE[r.myReview ?? 'none']}`}>
                    {t.myReview[r.myReview ?? 'none']}
                  </span>
                </td>
                <td>
                  <time dateTime={r.createdAt}>{formatDateTime(r.createdAt, language)}</time>
                </td>
                <td>
                  <time dateTime={r.updatedAt}>{formatDateTime(r.updatedAt, language)}</time>
                </td>
                <td>
                  <button
                    type="button"
                    className="button button--primary button--small"
                    aria-label={t.openLabel(shortId(r.id), r.requester)}
                    onClick={() => onOpen(r.id)}
                    data-testid="review-open"
                  >
                    {t.open}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
