import { useCallback, useEffect, useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { formatBytes, formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { monitoringStrings } from './strings'

interface LiveSession {
  id: string
  state: string
  username: string | null
  userId: string
  projectTitle: string | null
  runtime: string
  startedAt: string | null
  stats: { memoryBytes: number; cpuPercent: number; pids: number; pidsLimit: number | null } | null
  outputBytesPerMinute: number
  /** what reached the researcher's screen; null before anything did */
  display: {
    shownLastMinute: number
    pacedSince: string | null
    encodedPerMinute: number
    datasetMatches: number
  } | null
}
interface Alert {
  seq: number
  ts: string
  details: { rule?: string; action?: string; message?: string; user?: string; session?: string }
}

const REFRESH_MS = 5_000

/** Running sessions with what they use, refreshed every few seconds; an end button; the alerts raised. */
export function MonitoringTab({ api }: { api: ApiClient }) {
  const t = useStrings(monitoringStrings)
  const { language } = useLanguage()
  const [sessions, setSessions] = useState<LiveSession[] | null>(null)
  const [alerts, setAlerts] = useState<Alert[]>([])
  const [updated, setUpdated] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [ending, setEnding] = useState<{ id: string; reason: string; busy: boolean } | null>(null)

  const load = useCallback(async () => {
    try {
      const [s, a] = await Promise.all([
        api.call<LiveSession[]>('GET', '/api/v1/admin/monitoring/sessions'),
        api.call<Alert[]>('GET', '/api/v1/admin/monitoring/alerts')
      ])
      setSessions(s)
      setAlerts(a)
      setUpdated(new Date().toISOString())
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }, [api])

  useEffect(() => {
    void load()
    const timer = setInterval(() => void load(), REFRESH_MS)
    return () => clearInterval(timer)
  }, [load])

  async function end() {
    if (ending === null) return
    setEnding({ ...ending, busy: true })
    try {
      await api.call('POST', `/api/v1/admin/monitoring/sessions/${encodeURIComponent(ending.id)}/end`, {
        reason: ending.reason
      })
      setEnding(null)
      await load()
    } catch (err) {
      setEnding({ ...ending, busy: false })
      setError(serverMessage(err))
    }
  }

  return (
    <div className="admin-audit">
      {error !== null && (
        <p role="alert" className="error-message" data-testid="monitoring-error">
          {error}
        </p>
      )}
      <section className="card" aria-labelledby="monitoring-heading">
        <h2 id="monitoring-heading" className="card__heading">
          {t.heading}
        </h2>
        {updated !== null && <p className="field__hint">{t.refreshed(formatDateTime(updated, language))}</p>}
        {sessions !== null && sessions.length === 0 && <p data-testid="monitoring-none">{t.none}</p>}
        {sessions !== null && sessions.length > 0 && (
          <table className="table" data-testid="monitoring-sessions">
            <thead>
              <tr>
                {Object.values(t.columns).map((c, i) => (
                  <th key={i} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id} data-testid="monitoring-session" data-session-id={s.id} data-state={s.state}>
                  <td>{s.username ?? s.userId}</td>
                  <td>{s.projectTitle}</td>
                  <td>{s.state}</td>
                  <td>{s.runtime}</td>
                  <td>{s.startedAt === null ? '' : formatDateTime(s.startedAt, language)}</td>
                  <td>{s.stats === null ? '–' : `${s.stats.cpuPercent.toFixed(1)}%`}</td>
                  <td>{s.stats === null ? '–' : formatBytes(s.stats.memoryBytes, language)}</td>
                  <td>
                    {s.stats === null ? '–' : `${s.stats.pids}${s.stats.pidsLimit ? ` / ${s.stats.pidsLimit}` : ''}`}
                  </td>
                  <td>{formatBytes(s.outputBytesPerMinute, language)}</td>
                  <td data-testid="monitoring-screen">
                    {s.display === null
                      ? '–'
                      : [
                          formatBytes(s.display.shownLastMinute, language),
                          ...(s.display.pacedSince !== null ? [t.screen.paced] : []),
                          ...(s.display.encodedPerMinute > 0
                            ? [t.screen.encoded(formatBytes(s.display.encodedPerMinute, language))]
                            : []),
                          ...(s.display.datasetMatches > 0 ? [t.screen.matches(s.display.datasetMatches)] : [])
                        ].join(' · ')}
                  </td>
                  <td>
                    {s.state === 'running' && ending?.id !== s.id && (
                      <button
                        type="button"
                        className="button button--secondary"
                        onClick={() => setEnding({ id: s.id, reason: '', busy: false })}
                        data-testid="monitoring-end"
                      >
                        {t.end}
                      </button>
                    )}
                    {ending?.id === s.id && (
                      <form
                        onSubmit={(e) => {
                          e.preventDefault()
                          void end()
                        }}
                      >
                        <label className="field">
                          <span className="field__label">{t.endReason}</span>
                          <input
                            className="field__input"
                            required
                            maxLength={500}
                            value={ending.reason}
                            onChange={(e) => setEnding({ ...ending, reason: e.target.value })}
                            data-testid="monitoring-end-reason"
                            autoFocus
                          />
                        </label>
                        <button
                          type="submit"
                          className="button"
                          disabled={ending.busy || ending.reason.trim() === ''}
                          data-testid="monitoring-end-confirm"
                        >
                          {ending.busy ? t.ending : t.endConfirm}
                        </button>
                        <button type="button" className="button button--secondary" onClick={() => setEnding(null)}>
                          {t.cancel}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading" className="card__heading">
          {t.alerts}
        </h2>
        {alerts.length === 0 ? (
          <p>{t.noAlerts}</p>
        ) : (
          <table className="table" data-testid="monitoring-alerts">
            <thead>
              <tr>
                {Object.values(t.alertColumns).map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.seq} data-testid="monitoring-alert" data-rule={a.details.rule}>
                  <td>{formatDateTime(a.ts, language)}</td>
                  <td>{t.rules[a.details.rule ?? ''] ?? a.details.rule}</td>
                  <td>{a.details.message}</td>
                  <td>{t.actions[a.details.action ?? ''] ?? a.details.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}
