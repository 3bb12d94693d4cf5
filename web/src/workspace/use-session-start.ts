import { useEffect, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { SessionView, StartStep } from '../api/types'

export type SessionState =
  | { kind: 'starting'; session: SessionView | null; step: StartStep | null }
  | { kind: 'running'; session: SessionView }
  | { kind: 'ended'; session: SessionView | null; reason: string }

/**
 * The project's analysis session as the workspace shows it: a live one is reopened, otherwise one
 * is started; then its progress, running and end are followed until the workspace closes.
 */
export function useSessionStart(api: ApiClient, projectId: string): SessionState {
  const [state, setState] = useState<SessionState>({ kind: 'starting', session: null, step: null })

  useEffect(() => {
    const abort = new AbortController()
    void (async () => {
      try {
        // a live session of this project is reopened, not started twice
        const liveOne = async () =>
          (await api.listSessions()).find(
            (s) => s.projectId === projectId && (s.state === 'starting' || s.state === 'running')
          )
        let session = await liveOne()
        if (session === undefined) {
          try {
            session = await api.startSession(projectId)
          } catch (err) {
            // another tab (or a second run of this effect) started it a moment ago
            const started = err instanceof ApiError && err.status === 409 ? await liveOne() : undefined
            if (started === undefined) throw err
            session = started
          }
        }
        if (abort.signal.aborted) return
        setState({ kind: 'starting', session, step: null })
        await api.followSession(
          session.id,
          (e) => {
            if (e.kind === 'progress') setState((v) => (v.kind === 'starting' ? { ...v, step: e.progress } : v))
            else if (e.session.state === 'running') setState({ kind: 'running', session: e.session })
            else if (e.session.state === 'starting')
              setState((v) => ({ kind: 'starting', session: e.session, step: v.kind === 'starting' ? v.step : null }))
            else setState({ kind: 'ended', session: e.session, reason: e.session.reason ?? '' })
          },
          abort.signal
        )
      } catch (err) {
        if (abort.signal.aborted) return
        setState({
          kind: 'ended',
          session: null,
          reason: err instanceof ApiError ? (err.serverMessage ?? err.message) : String(err)
        })
      }
    })()
    return () => abort.abort()
  }, [api, projectId])

  return state
}
