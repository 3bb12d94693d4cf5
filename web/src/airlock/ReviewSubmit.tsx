import { useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ExportRequestView } from '../api/types'
import { useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { filesOfRound } from './airlock-format'
import { GatedButton, WhyNot } from './Gated'
import { airlockStrings, stateName } from './strings'
import { useAirlockWatch } from './watch'

interface Props {
  api: ApiClient
  request: ExportRequestView
  me: string
  /** names of files whose vote form holds changes not saved */
  unsaved: readonly string[]
  onSubmitted(view: ExportRequestView): void
  onReload(): void
  onBack(): void
}

/**
 * The reviewer's review of the round: how many files they voted on, and the button that submits
 * their votes (or, once the reviews are in, settles the conflicted files), held back with the
 * server's reason until it can be done.
 */
export function ReviewSubmit({ api, request, me, unsaved, onSubmitted, onReload, onBack }: Props) {
  const s = useStrings(airlockStrings)
  const t = s.review.submit
  const watch = useAirlockWatch()
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<{ text: string; stale: boolean } | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const settling = request.reviewKind === 'settle'
  const files = filesOfRound(request, request.round).filter((f) => !settling || f.state === 'conflicted')
  const voted = files.filter((f) => f.votes.some((v) => v.reviewer === me)).length
  const state = stateName(s, request.state, request.direction)

  async function submit() {
    setSending(true)
    setError(null)
    try {
      // bound to what this page shows: a round sent again meanwhile is refused, not decided blind
      const view = await api.submitReview(request.id, {
        round: request.round,
        sha256s: filesOfRound(request, request.round).map((f) => f.sha256)
      })
      setDone(t.done(stateName(s, view.state, view.direction)))
      watch.refresh()
      onSubmitted(view)
    } catch (err) {
      setError({ text: errorText(err), stale: err instanceof ApiError && err.status === 409 })
    } finally {
      setSending(false)
    }
  }

  const closed = request.state !== 'in_review'
  return (
    <section
      aria-labelledby="review-submit-heading"
      className="card review__decide"
      data-testid="review-submit"
      data-kind={request.reviewKind ?? 'none'}
    >
      <h2 id="review-submit-heading" className="card__heading">
        {settling ? t.settleHeading : t.heading}
      </h2>
      {done !== null && (
        <p className="notice notice--ok" role="status" data-testid="review-done">
          {done}
        </p>
      )}
      {closed ? (
        <div className="review__closed">
          <p data-testid="review-closed">{t.closed(state)}</p>
          <button type="button" className="button button--secondary" onClick={onBack}>
            {s.review.back}
          </button>
        </div>
      ) : request.reviewKind === null ? (
        done === null && (
          <p data-testid="review-not-open">
            <WhyNot can={request.can.submitReview} />
          </p>
        )
      ) : (
        <>
          {settling && <p>{t.settleIntro}</p>}
          {!settling && (
            <p className="notice" data-testid="votes-hidden" data-hidden={request.votesHidden}>
              {t.hiddenNote}
            </p>
          )}
          <p data-testid="review-progress">
            {settling ? t.settleProgress(voted, files.length) : t.progress(voted, files.length)}
          </p>
          <p className="field__hint">{t.hint}</p>
          {error !== null && (
            <div className="error-message" role="alert" data-testid="review-error">
              <p>{error.text}</p>
              {error.stale && (
                <button type="button" className="button button--secondary button--small" onClick={onReload}>
                  {t.reload}
                </button>
              )}
            </div>
          )}
          <div className="button-row">
            <GatedButton
              can={request.can.submitReview}
              held={unsaved.length > 0 ? t.unsaved(unsaved.join(', ')) : null}
              busy={sending}
              testId="review-submit-button"
              onClick={() => void submit()}
            >
              {sending ? t.submitting : settling ? t.settle : t.submit}
            </GatedButton>
          </div>
        </>
      )}
    </section>
  )
}
