import { useEffect, useState } from 'react'
import type { ApiClient } from '../../api/client'
import { useRecord } from '../record'
import { AuditSearch } from './AuditSearch'
import { ChainCard } from './ChainCard'
import { ExportCard } from './ExportCard'
import { OperationsCard, useOperations } from './OperationsCard'
import { RecordingsCard, useRecordings } from './RecordingsCard'

/**
 * The audit console: chain status, search, signed export, terminal playback and data-operation
 * logs. The session whose recording is open is the tab's record, in the URL.
 */
export function AuditTab({ api }: { api: ApiClient }) {
  const [error, setError] = useState<string | null>(null)
  const recordings = useRecordings(api, setError)
  const operations = useOperations(api, setError)
  const record = useRecord('audit')

  // a recording asked for (or linked to) loads from the URL, so a reload plays it again
  const { recordId } = record
  const loadRecording = recordings.load
  useEffect(() => {
    if (recordId !== null) void loadRecording(recordId)
    // once per session asked, not on every render (load is a new function each time)
  }, [recordId])
  const play = (session: string) => (session === recordId ? void loadRecording(session) : void record.open(session))

  return (
    <div className="admin-audit">
      {error !== null && (
        <p role="alert" className="error-message" data-testid="audit-error">
          {error}
        </p>
      )}
      <ChainCard api={api} onError={setError} />
      <AuditSearch api={api} onError={setError} onPlay={play} onFullLog={(session) => void operations.load(session)} />
      <ExportCard api={api} onError={setError} />
      <RecordingsCard recordings={recordings} onAsk={play} />
      <OperationsCard operations={operations} />
    </div>
  )
}
