import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { useStrings } from '../../i18n/language'
import { auditStrings } from './strings'
import { AuditCard, AuditFilters } from './AuditCard'

/** Downloads the signed export of whole days of the log, as JSON lines. */
export function ExportCard({ api, onError }: { api: ApiClient; onError(message: string | null): void }) {
  const t = useStrings(auditStrings)
  const [day, setDay] = useState({ from: '', to: '' })
  const [exporting, setExporting] = useState(false)

  async function download() {
    onError(null)
    setExporting(true)
    try {
      const from = new Date(`${day.from}T00:00:00`)
      const to = new Date(`${day.to}T00:00:00`)
      to.setDate(to.getDate() + 1)
      const blob = await api.requestBlob('GET /api/v1/admin/audit/export', {
        query: { from: from.toISOString(), to: to.toISOString() }
      })
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = `vre-audit-${day.from}-${day.to}.jsonl`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      onError(serverMessage(err))
    } finally {
      setExporting(false)
    }
  }

  return (
    <AuditCard name="export" heading={t.export.heading}>
      <p>{t.export.intro}</p>
      <AuditFilters onSubmit={() => void download()}>
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
      </AuditFilters>
    </AuditCard>
  )
}
