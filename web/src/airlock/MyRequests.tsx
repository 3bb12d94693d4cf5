import { useCallback, useEffect, useId, useState, type RefObject } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { AirlockDirection, ExportRequestSummary } from '../api/types'
import { useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { RequestCard } from './RequestCard'
import { airlockStrings } from './strings'
import { useAirlockWatch } from './watch'
import { ListLoadState } from './ListLoadState'

/** Requests whose details are read at once; older ones when opened. */
const OPEN_AT_ONCE = 5

interface Props {
  api: ApiClient
  /** export requests (the default) or imports */
  direction?: AirlockDirection
  /** the running session of the workspace the list is shown in; null on the overview */
  sessionId: string | null
  /** only this project's requests (the workspace); all of them on the overview */
  projectId?: string
  /** project titles by id, where known */
  projectTitles?: ReadonlyMap<string, string>
  onOpenWorkspace?(projectId: string): void
  /** requests already shown above (the one just submitted) */
  exclude?: ReadonlySet<string>
  /** the list's heading, for a link that moves focus to it */
  headingRef?: RefObject<HTMLHeadingElement | null>
  /** the request the URL names (the workspace), opened and scrolled to */
  shownRequest?: string | null
  /** a request opened, or the one the URL names closed (null): the workspace puts it in the URL */
  onShowRequest?(requestId: string | null): void
}

/**
 * The researcher's export requests, or their imports, most recently changed first; read again when a
 * poll finds a change.
 */
export function MyRequests({
  api,
  direction = 'export',
  sessionId,
  projectId,
  projectTitles,
  onOpenWorkspace,
  exclude,
  headingRef,
  shownRequest,
  onShowRequest
}: Props) {
  const s = useStrings(airlockStrings)
  const t = direction === 'import' ? s.myImports : s.myRequests
  const testId = direction === 'import' ? 'my-imports' : 'my-requests'
  const { version } = useAirlockWatch()
  const [list, setList] = useState<ExportRequestSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const id = useId()

  const load = useCallback(async () => {
    setLoading(true)
    try {
      setList(await (direction === 'import' ? api.listImports() : api.listExports()))
      setError(null)
    } catch (err) {
      // a 401 has ended the session already
      if (!(err instanceof ApiError && err.status === 401)) setError(errorText(err))
    } finally {
      setLoading(false)
    }
  }, [api, direction])

  useEffect(() => {
    void load()
  }, [load, version])

  const shown = (list ?? []).filter(
    (r) => (projectId === undefined || r.projectId === projectId) && exclude?.has(r.id) !== true
  )

  return (
    <section className="my-requests" aria-labelledby={`${id}-heading`} data-testid={testId}>
      <div className="toolbar">
        <h2 id={`${id}-heading`} ref={headingRef} tabIndex={-1} className="my-requests__heading">
          {t.heading}
        </h2>
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load()}
          data-testid={`${testId}-refresh`}
        >
          {t.refresh}
        </button>
      </div>
      <p className="my-requests__intro">{t.intro}</p>
      <ListLoadState
        error={error}
        pending={list === null}
        loadingLabel={t.loading}
        retryLabel={t.retry}
        onRetry={() => void load()}
      />
      {list !== null && shown.length === 0 && (
        <p className="empty-state" data-testid={`${testId}-empty`}>
          {t.empty}
        </p>
      )}
      {shown.length > 0 && (
        <ul className="my-requests__list">
          {shown.map((r, i) => (
            <li key={r.id}>
              <RequestCard
                api={api}
                summary={r}
                projectTitle={projectTitles?.get(r.projectId)}
                sessionId={sessionId}
                initiallyOpen={i < OPEN_AT_ONCE}
                onOpenWorkspace={onOpenWorkspace}
                shown={r.id === shownRequest}
                onToggle={
                  onShowRequest &&
                  ((open) => {
                    if (open) onShowRequest(r.id)
                    else if (r.id === shownRequest) onShowRequest(null)
                  })
                }
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
