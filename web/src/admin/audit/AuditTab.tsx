import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { formatBytes, formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { type Cast, parseCast } from './cast'
import { RecordingPlayer } from './RecordingPlayer'
import { auditStrings } from './strings'

interface AuditRecordView {
  seq: number
  ts: string
  actor: string
  actorName: string | null
  action: string
  sourceIp: string | null
  target: string | null
  outcome: 'success' | 'failure' | 'denied' | 'error'
  details: Record<string, unknown>
}
interface AuditPage {
  records: AuditRecordView[]
  next: string | null
}
/** One line of a session's data-operation log: a cell source run or exported, in full. */
interface DataOperation {
  at: string
  actor: string
  action: string
  language: string
  sha256: string
  source: string
  name?: string
}
interface ChainStatus {
  ok: boolean
  records: number
  firstBrokenSeq: number | null
  reason: string | null
  checkedAt: string
}

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

/** The audit console: chain status, search, signed export, terminal playback and data-operation logs. */
export function AuditTab({ api }: { api: ApiClient }) {
  const t = useStrings(auditStrings)
  const { language } = useLanguage()
  const [chain, setChain] = useState<ChainStatus | 'checking' | null>(null)
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
  const [error, setError] = useState<string | null>(null)
  const [day, setDay] = useState({ from: '', to: '' })
  const [exporting, setExporting] = useState(false)
  const [recSession, setRecSession] = useState('')
  const [parts, setParts] = useState<{ part: number; bytes: number }[] | null>(null)
  const [cast, setCast] = useState<Cast | null>(null)
  const [opsSession, setOpsSession] = useState('')
  const [ops, setOps] = useState<DataOperation[] | null>(null)

  async function checkChain() {
    setChain('checking')
    try {
      setChain(await api.call<ChainStatus>('GET', '/api/v1/admin/audit/verify'))
    } catch (err) {
      setChain(null)
      setError(serverMessage(err))
    }
  }

  async function search(before?: string) {
    setError(null)
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(filter)) {
      if (v.trim() === '') continue
      q.set(k, k === 'from' || k === 'to' ? iso(v) : v.trim())
    }
    if (before !== undefined) q.set('before', before)
    try {
      const next = await api.call<AuditPage>('GET', `/api/v1/admin/audit?${q}`)
      setPage((prev) =>
        before !== undefined && prev !== null ? { records: [...prev.records, ...next.records], next: next.next } : next
      )
    } catch (err) {
      setError(serverMessage(err))
    }
  }

  async function download() {
    setError(null)
    setExporting(true)
    try {
      const from = new Date(`${day.from}T00:00:00`)
      const to = new Date(`${day.to}T00:00:00`)
      to.setDate(to.getDate() + 1)
      const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })
      const blob = await api.fetchBlob(`/api/v1/admin/audit/export?${q}`)
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = `vre-audit-${day.from}-${day.to}.jsonl`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      setError(serverMessage(err))
    } finally {
      setExporting(false)
    }
  }

  async function loadRecordings(session: string) {
    setError(null)
    setCast(null)
    setRecSession(session)
    try {
      setParts(
        await api.call<{ part: number; bytes: number }[]>(
          'GET',
          `/api/v1/admin/audit/recordings/${encodeURIComponent(session)}`
        )
      )
    } catch (err) {
      setParts(null)
      setError(serverMessage(err))
    }
  }

  async function openPart(part: number) {
    setError(null)
    try {
      const text = await (
        await api.fetchBlob(`/api/v1/admin/audit/recordings/${encodeURIComponent(recSession)}/${part}`)
      ).text()
      setCast(parseCast(text))
    } catch (err) {
      setError(serverMessage(err))
    }
  }

  async function loadOperations(session: string) {
    setError(null)
    setOpsSession(session)
    try {
      const text = await (
        await api.fetchBlob(`/api/v1/admin/audit/data-operations/${encodeURIComponent(session)}`)
      ).text()
      setOps(
        text
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as DataOperation)
      )
    } catch (err) {
      setOps(null)
      setError(serverMessage(err))
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
    <div className="admin-audit">
      {error !== null && (
        <p role="alert" className="error-message" data-testid="audit-error">
          {error}
        </p>
      )}
      <section className="card" aria-labelledby="audit-chain-heading">
        <h2 id="audit-chain-heading" className="card__heading">
          {t.chain.heading}
        </h2>
        <button
          type="button"
          className="button"
          onClick={checkChain}
          disabled={chain === 'checking'}
          data-testid="audit-verify"
        >
          {chain === 'checking' ? t.chain.checking : t.chain.check}
        </button>
        {chain !== null && chain !== 'checking' && (
          <p
            className={`banner ${chain.ok ? 'banner--ok' : 'banner--blocked'}`}
            role="status"
            data-testid="audit-chain"
          >
            {chain.ok
              ? t.chain.intact(chain.records, formatDateTime(chain.checkedAt, language))
              : t.chain.broken(chain.firstBrokenSeq, chain.reason ?? '')}
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="audit-search-heading">
        <h2 id="audit-search-heading" className="card__heading">
          {t.search.heading}
        </h2>
        <form
          className="admin-audit__filters"
          onSubmit={(e) => {
            e.preventDefault()
            void search()
          }}
        >
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
        </form>
        {page !== null && page.records.length === 0 && <p>{t.search.none}</p>}
        {page !== null && page.records.length > 0 && (
          <table className="table" data-testid="audit-results">
            <thead>
              <tr>
                {Object.values(t.search.columns).map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
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
                        <button type="button" className="link-button" onClick={() => void loadRecordings(session)}>
                          {t.search.play}
                        </button>
                      )}
                    </td>
                    <td>
                      <Details
                        details={r.details}
                        onFullLog={r.target === null ? null : () => void loadOperations(r.target!)}
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
      </section>

      <section className="card" aria-labelledby="audit-export-heading">
        <h2 id="audit-export-heading" className="card__heading">
          {t.export.heading}
        </h2>
        <p>{t.export.intro}</p>
        <form
          className="admin-audit__filters"
          onSubmit={(e) => {
            e.preventDefault()
            void download()
          }}
        >
          <label className="field">
            <span className="field__label">{t.export.from}</span>
            <input
              className="field__input"
              type="date"
              required
              value={day.from}
              onChange={(e) => setDay({ ...day, from: e.target.value })}
            />
          </label>
          <label className="field">
            <span className="field__label">{t.export.to}</span>
            <input
              className="field__input"
              type="date"
              required
              value={day.to}
              onChange={(e) => setDay({ ...day, to: e.target.value })}
            />
          </label>
          <button type="submit" className="button" disabled={exporting} data-testid="audit-export">
            {exporting ? t.export.working : t.export.submit}
          </button>
        </form>
      </section>

      <section className="card" aria-labelledby="audit-recording-heading">
        <h2 id="audit-recording-heading" className="card__heading">
          {t.recording.heading}
        </h2>
        <form
          className="admin-audit__filters"
          onSubmit={(e) => {
            e.preventDefault()
            void loadRecordings(recSession.trim())
          }}
        >
          <label className="field">
            <span className="field__label">{t.recording.session}</span>
            <input
              className="field__input"
              value={recSession}
              onChange={(e) => setRecSession(e.target.value)}
              data-testid="recording-session"
            />
          </label>
          <button type="submit" className="button" data-testid="recording-load">
            {t.recording.load}
          </button>
        </form>
        {parts !== null && parts.length === 0 && <p>{t.recording.none}</p>}
        {parts !== null && parts.length > 0 && (
          <ul className="admin-audit__parts">
            {parts.map((p) => (
              <li key={p.part}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void openPart(p.part)}
                  data-testid={`recording-part-${p.part}`}
                >
                  {t.recording.part(p.part, formatBytes(p.bytes, language))}
                </button>
              </li>
            ))}
          </ul>
        )}
        {cast !== null && <RecordingPlayer cast={cast} />}
      </section>

      <section className="card" aria-labelledby="audit-operations-heading">
        <h2 id="audit-operations-heading" className="card__heading">
          {t.dataOperations.heading}
        </h2>
        <p>{t.dataOperations.intro}</p>
        <form
          className="admin-audit__filters"
          onSubmit={(e) => {
            e.preventDefault()
            void loadOperations(opsSession.trim())
          }}
        >
          <label className="field">
            <span className="field__label">{t.dataOperations.session}</span>
            <input
              className="field__input"
              value={opsSession}
              onChange={(e) => setOpsSession(e.target.value)}
              data-testid="operations-session"
            />
          </label>
          <button type="submit" className="button" data-testid="operations-load">
            {t.dataOperations.load}
          </button>
        </form>
        {ops !== null && ops.length === 0 && <p>{t.dataOperations.none}</p>}
        {ops !== null && ops.length > 0 && (
          <table className="table" data-testid="operations">
            <thead>
              <tr>
                {Object.values(t.dataOperations.columns).map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ops.map((op, i) => (
                <tr key={i} data-testid="operation-row">
                  <td>{formatDateTime(op.at, language)}</td>
                  <td>
                    <code>{op.action}</code>
                    {op.name !== undefined && <> → {op.name}</>}
                  </td>
                  <td>{op.language}</td>
                  <td>
                    <pre className="admin-audit__excerpt">{op.source}</pre>
                    <code className="admin-audit__details">{op.sha256}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}
