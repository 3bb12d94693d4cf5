import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import type { Answer } from '../../api/endpoints'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { auditStrings } from './strings'
import { AuditCard } from './AuditCard'

type ChainStatus = Answer<'GET /api/v1/admin/audit/verify'>

/** Checks the audit log's hash chain on demand: intact up to its head, or where it breaks. */
export function ChainCard({ api, onError }: { api: ApiClient; onError(message: string): void }) {
  const t = useStrings(auditStrings)
  const { language } = useLanguage()
  const [chain, setChain] = useState<ChainStatus | 'checking' | null>(null)

  async function checkChain() {
    setChain('checking')
    try {
      setChain(await api.request('GET /api/v1/admin/audit/verify'))
    } catch (err) {
      setChain(null)
      onError(serverMessage(err))
    }
  }

  return (
    <AuditCard name="chain" heading={t.chain.heading}>
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
        <p className={`banner ${chain.ok ? 'banner--ok' : 'banner--blocked'}`} role="status" data-testid="audit-chain">
          {chain.ok
            ? t.chain.intact(chain.records, formatDateTime(chain.checkedAt, language))
            : t.chain.broken(chain.firstBrokenSeq, chain.reason ?? '')}
        </p>
      )}
    </AuditCard>
  )
}
