import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { auditStrings } from './strings'
import { ColumnHeads } from '../ColumnHeads'
import { AuditCard, SessionAsk } from './AuditCard'

/**
 * One line of a session's data-operation log (JSON lines, read as bytes): a cell source run or
 * exported, in full.
 */
interface DataOperation {
  at: string
  actor: string
  action: string
  language: string
  sha256: string
  source: string
  name?: string
}

/** A session's data-operation log, read in full. */
export function useOperations(api: ApiClient, onError: (message: string | null) => void) {
  const [session, setSession] = useState('')
  const [ops, setOps] = useState<DataOperation[] | null>(null)

  async function load(asked: string) {
    onError(null)
    setSession(asked)
    try {
      const blob = await api.requestBlob('GET /api/v1/admin/audit/data-operations/:session', {
        params: { session: asked }
      })
      setOps(
        (await blob.text())
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as DataOperation)
      )
    } catch (err) {
      setOps(null)
      onError(serverMessage(err))
    }
  }

  return { session, setSession, ops, load }
}

/** Shows a session's data-operation log, asked for by its id (or from a search result). */
export function OperationsCard({ operations }: { operations: ReturnType<typeof useOperations> }) {
  const t = useStrings(auditStrings)
  const { language } = useLanguage()
  const { session: opsSession, setSession: setOpsSession, ops, load } = operations
  return (
    <AuditCard name="operations" heading={t.dataOperations.heading}>
      <p>{t.dataOperations.intro}</p>
      <SessionAsk
        name="operations"
        label={t.dataOperations.session}
        submitLabel={t.dataOperations.load}
        value={opsSession}
        onChange={setOpsSession}
        onSubmit={(s) => void load(s)}
      />
      {ops !== null && ops.length === 0 && <p>{t.dataOperations.none}</p>}
      {ops !== null && ops.length > 0 && (
        <table className="table" data-testid="operations">
          <ColumnHeads columns={t.dataOperations.columns} />
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
    </AuditCard>
  )
}
