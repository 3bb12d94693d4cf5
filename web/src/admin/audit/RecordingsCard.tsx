import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import type { Answer } from '../../api/endpoints'
import { formatBytes } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { type Cast, parseCast } from './cast'
import { RecordingPlayer } from './RecordingPlayer'
import { auditStrings } from './strings'
import { AuditCard, SessionAsk } from './AuditCard'

/** A session's terminal recording: its parts, and the one being played. */
export function useRecordings(api: ApiClient, onError: (message: string | null) => void) {
  const [session, setSession] = useState('')
  const [parts, setParts] = useState<Answer<'GET /api/v1/admin/audit/recordings/:session'> | null>(null)
  const [cast, setCast] = useState<Cast | null>(null)

  async function load(asked: string) {
    onError(null)
    setCast(null)
    setSession(asked)
    try {
      setParts(await api.request('GET /api/v1/admin/audit/recordings/:session', { params: { session: asked } }))
    } catch (err) {
      setParts(null)
      onError(serverMessage(err))
    }
  }

  async function openPart(part: number) {
    onError(null)
    try {
      const blob = await api.requestBlob('GET /api/v1/admin/audit/recordings/:session/:part', {
        params: { session, part: String(part) }
      })
      setCast(parseCast(await blob.text()))
    } catch (err) {
      onError(serverMessage(err))
    }
  }

  return { session, setSession, parts, cast, load, openPart }
}

/** Plays back a session's terminal, asked for by its id (or from a search result). */
export function RecordingsCard(props: {
  recordings: ReturnType<typeof useRecordings>
  /** asks for a session's recording: it becomes the tab's record (its URL) */
  onAsk(session: string): void
}) {
  const t = useStrings(auditStrings)
  const { language } = useLanguage()
  const { session: recSession, setSession: setRecSession, parts, cast, openPart } = props.recordings
  return (
    <AuditCard name="recording" heading={t.recording.heading}>
      <SessionAsk
        name="recording"
        label={t.recording.session}
        submitLabel={t.recording.load}
        value={recSession}
        onChange={setRecSession}
        onSubmit={props.onAsk}
      />
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
    </AuditCard>
  )
}
