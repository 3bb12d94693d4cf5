import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import type { Answer } from '../../api/endpoints'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { auditStrings } from './strings'
import { ColumnHeads } from '../ColumnHeads'
import { AuditCard, AuditFilters } from './AuditCard'

type AuditPage = Answer<'GET /api/v1/admin/audit'>

const iso = (local: string) => (local === '' ? '' : new Date(local).toISOString())

/**
 * A record's details as the table shows them: a cell's source is in the data-operation log, and
 * the record keeps an excerpt of it, shown as code rather than inside the JSON.
 */
function Details({ details, onFullLog }: { details: Record<string, unknown>; onFullLog: (() => void) | null }) {
  const t = useStrings(auditStrings)
  const { sourceExcerpt, ...rest } = details
  return (
    <>
      <code className="admin-audit__details">{JSON.stringify(rest)}</code>
      {typeof sourceExcerpt === 'string' && (
        <>
          <pre className="admin-audit__excerpt" aria-label={t.dataOperations.excerpt} data-testid="audit-excerpt">
            {sourceExcerpt}
          </pre>
          {onFullLog !== null && (
            <button type="button" className="link-button" onClick={onFullLog} data-testid="audit-full-log">
              {t.dataOperations.fullLog}
            </button>
          )}
        </>
      )}
    </>
  )
}

/** Searches the audit log by person, action, outcome, project, session and time, a page at a time. */
export function AuditSearch(props: {
  api: ApiClient
  onError(message: string | null): void
  /** a session's terminal recording, to play */
  onPlay(session: string): void
  /** a session's full data-operation log */
  onFullLog(session: string): void
}) {
  const { api, onError } = props
  const t = useStrings(auditStrings)
  const { language } = useLanguage()
  const [filter, setFilter] = useState({
    actor: '',
    action: '',
    outcome: '',
    project: '',
    session: '',
    from: '',
    to: ''
  })
  const [page, setPage] = useState<AuditPage | null>(null)

  async function search(before?: string) {
    onError(null)
    const query: Record<string, string> = {}
    for (const [k, v] of Object.entries(filter)) {
      if (v.trim() === '') continue
      query[k] = k === 'from' || k === 'to' ? iso(v) : v.trim()
    }
    if (before !== undefined) query.before = before
    try {
      const next = await api.request('GET /api/v1/admin/audit', { query })
      setPage((prev) =>
        before !== undefined && prev !== null ? { records: [...prev.records, ...next.records], next: next.next } : next
      )
    } catch (err) {
      onError(serverMessage(err))
    }
  }

  const field = (key: keyof typeof filter, label: string, type = 'text', hint?: string) => (
    <label className="field">
      <span className="field__label">{label}</span>
      <input
        className="field__input"
        type={type}
        value={filter[key]}
        placeholder={hint}
        onChange={(e) => setFilter({ ...filter, [key]: e.target.value })}
        data-testid={`audit-${key}`}
      />
    </label>
  )

  return (
    <AuditCard name="search" heading={t.search.heading}>
      <AuditFilters onSubmit={() => void search()}>
        {field('actor', t.search.user, 'text', t.search.userHint)}
        {field('action', t.search.action, 'text', t.search.actionHint)}
        <label className="field">
          <span className="field__label">{t.search.outcome}</span>
          <select
            className="field__input"
            value={filter.outcome}
            onChange={(e) => setFilter({ ...filter, outcome: e.target.value })}
            data-testid="audit-outcome"
          >
            <option value="">{t.search.anyOutcome}</option>
            {(['success', 'failure', 'denied', 'error'] as const).map((o) => (
              <option key={o} value={o}>
                {t.outcomes[o]}
              </option>
            ))}
          </select>
        </label>
        {field('project', t.search.project)}
        {field('session', t.search.session)}
        {field('from', t.search.from, 'datetime-local')}
        {field('to', t.search.to, 'datetime-local')}
        <button type="submit" className="button" data-testid="audit-search">
          {t.search.submit}
        </button>
      </AuditFilters>
      {page !== null && page.records.length === 0 && <p>{t.search.none}</p>}
      {page !== null && page.records.length > 0 && (
        <table className="table" data-testid="audit-results">
          <ColumnHeads columns={t.search.columns} />
          <tbody>
            {page.records.map((r) => {
              const session =
                typeof r.details.session === 'string'
                  ? r.details.session
                  : r.action.startsWith('session.') || r.action.startsWith('terminal.')
                    ? r.target
                    : null
              return (
                <tr key={r.seq} data-testid="audit-row">
                  <td>{r.seq}</td>
                  <td>{formatDateTime(r.ts, language)}</td>
                  <td>{r.actorName ?? r.actor}</td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td>{t.outcomes[r.outcome]}</td>
                  <td>
                    {r.target}
                    {session !== null && (
                      <button type="button" className="link-button" onClick={() => props.onPlay(session)}>
                        {t.search.play}
                      </button>
                    )}
                  </td>
                  <td>
                    <Details
                      details={r.details}
                      onFullLog={r.target === null ? null : () => props.onFullLog(r.target!)}
                    />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {page?.next != null && (
        <button type="button" className="button button--secondary" onClick={() => void search(page.next!)}>
          {t.search.older}
        </button>
      )}
    </AuditCard>
  )
}
