import { useEffect, useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { useApiChange, useApiPolled } from '../../api/query'
import { formatBytes, formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { LoadError } from '../Loaded'
import { useRecord } from '../record'
import { monitoringStrings } from './strings'
import { ColumnHeads } from '../ColumnHeads'

const REFRESH_MS = 5_000

/** A field of an alert's details, as the audit record holds it. */
const detail = (details: Readonly<Record<string, unknown>>, key: string): string | undefined => {
  const value = details[key]
  return typeof value === 'string' ? value : undefined
}

/** Running sessions with what they use, refreshed every few seconds; an end button; the alerts raised. */
export function MonitoringTab({ api }: { api: ApiClient }) {
  const t = useStrings(monitoringStrings)
  const { language } = useLanguage()
  const live = useApiPolled(api, REFRESH_MS, 'GET /api/v1/admin/monitoring/sessions')
  const raised = useApiPolled(api, REFRESH_MS, 'GET /api/v1/admin/monitoring/alerts')
  const room = useApiPolled(api, REFRESH_MS, 'GET /api/v1/admin/monitoring/capacity')
  const host = room.data ?? null
  const sessions = live.data ?? null
  const alerts = raised.data ?? []
  const updated = live.dataUpdatedAt === 0 ? null : new Date(live.dataUpdatedAt).toISOString()
  const change = useApiChange(api)
  const [refused, setRefused] = useState<string | null>(null)
  // as before the data layer: a refusal stands until the next refresh
  useEffect(() => setRefused(null), [live.dataUpdatedAt])
  // the session being ended is the URL's; the reason typed for it is this screen's
  const record = useRecord('monitoring')
  const [form, setForm] = useState({ reason: '', busy: false })
  const ending = record.recordId === null ? null : { id: record.recordId, ...form }
  const setEnding = (next: { id: string; reason: string; busy: boolean } | null) => {
    if (next === null) return void record.close()
    const { id, ...rest } = next
    setForm(rest)
    if (id !== record.recordId) void record.open(id)
  }

  async function end() {
    if (ending === null) return
    setEnding({ ...ending, busy: true })
    try {
      await change('POST /api/v1/admin/monitoring/sessions/:id/end', {
        params: { id: ending.id },
        body: { reason: ending.reason }
      })
      setEnding(null)
      setRefused(null)
    } catch (err) {
      setEnding({ ...ending, busy: false })
      setRefused(serverMessage(err))
    }
  }

  return (
    <div className="admin-audit">
      <LoadError queries={[live, raised, room]} refused={refused} className="error-message" testId="monitoring-error" />
      {host !== null && (
        <section className="card" aria-labelledby="capacity-heading" data-testid="monitoring-capacity">
          <h2 id="capacity-heading" className="card__heading">
            {t.capacity.heading}
          </h2>
          <dl className="summary">
            <dt>{t.capacity.memory}</dt>
            <dd data-testid="capacity-memory">
              {t.capacity.memoryFree(
                formatBytes(host.memory.availableBytes, language),
                formatBytes(host.memory.totalBytes, language),
                formatBytes(host.memory.reserveBytes, language)
              )}
            </dd>
            <dt>{t.capacity.tasks}</dt>
            <dd>{t.capacity.tasksRunning(host.threads.running, host.threads.max, host.threads.reserve)}</dd>
            <dt>{t.capacity.more}</dt>
            <dd data-testid="capacity-more">
              {t.capacity.moreSandboxes(host.moreSandboxes, formatBytes(host.memory.perSandboxBytes, language))}
            </dd>
            <dt>{t.capacity.live}</dt>
            <dd>{host.liveSessions}</dd>
            <dt>{t.capacity.datasets}</dt>
            <dd data-testid="capacity-datasets">
              {t.capacity.datasetCopies(host.datasets.copies, formatBytes(host.datasets.bytes, language))}
            </dd>
          </dl>
        </section>
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
            <ColumnHeads columns={t.alertColumns} />
            <tbody>
              {alerts.map((a) => (
                <tr key={a.seq} data-testid="monitoring-alert" data-rule={detail(a.details, 'rule')}>
                  <td>{formatDateTime(a.ts, language)}</td>
                  <td>{t.rules[detail(a.details, 'rule') ?? ''] ?? detail(a.details, 'rule')}</td>
                  <td>{detail(a.details, 'message')}</td>
                  <td>{t.actions[detail(a.details, 'action') ?? ''] ?? detail(a.details, 'action')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}
