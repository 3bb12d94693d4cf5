import { useCallback, useEffect, useId, useState, type RefObject } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ExportRequestSummary } from '../api/types'
import { useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { RequestCard } from './RequestCard'
import { airlockStrings } from './strings'
import { useAirlockWatch } from './watch'

/** Requests whose details are read at once; older ones when opened. */
const OPEN_AT_ONCE = 5

interface Props {
  api: ApiClient
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
}

/** The researcher's export requests, most recently changed first; read again when a poll finds a change. */
export function MyRequests({ api, sessionId, projectId, projectTitles, onOpenWorkspace, exclude, headingRef }: Props) {
  const t = useStrings(airlockStrings).myRequests
  const { version } = useAirlockWatch()
  const [list, setList] = useState<ExportRequestSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const id = useId()

  const load = useCallback(async () => {
    setLoading(true)
    try {
      setList(await api.listExports())
      setError(null)
    } catch (err) {
      // a 401 has ended the session already
      if (!(err instanceof ApiError && err.status === 401)) setError(errorText(err))
    } finally {
      setLoading(false)
    }
  }, [api])

  useEffect(() => {
    void load()
  }, [load, version])

  const shown = (list ?? []).filter(
    (r) => (projectId === undefined || r.projectId === projectId) && exclude?.has(r.id) !== true
  )

  return (
    <section className="my-requests" aria-labelledby={`${id}-heading`} data-testid="my-requests">
      <div className="toolbar">
        <h2 id={`${id}-heading`} ref={headingRef} tabIndex={-1} className="my-requests__heading">
          {t.heading}
        </h2>
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load()}
          data-testid="my-requests-refresh"
        >
          {t.refresh}
        </button>
      </div>
      <p className="my-requests__intro">{t.intro}</p>
      {error !== null && (
        <div className="error-message" role="alert">
          <p>{error}</p>
          <button type="button" className="button button--secondary button--small" onClick={() => void load()}>
            {t.retry}
          </button>
        </div>
      )}
      {list === null && error === null && <p role="status">{t.loading}</p>}
      {list !== null && shown.length === 0 && (
        <p className="empty-state" data-testid="my-requests-empty">
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
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
