import { useCallback, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import { places } from '../app/places'

/**
 * The record a console tab has open (an account, an organization, a change, a policy, an audit
 * record): it lives in the URL, `/admin/:tab/:recordId`, so a reload or a shared link opens it again.
 */
export function useRecord(tab: string) {
  const { recordId } = useParams<{ recordId?: string }>()
  const navigate = useNavigate()
  const open = useCallback((id: string) => navigate(places.admin(tab, id)), [navigate, tab])
  const close = useCallback(() => navigate(places.admin(tab)), [navigate, tab])
  return { recordId: recordId ?? null, open, close }
}

/**
 * A record open with a question on it (a form, a confirmation): which record is the URL's, which
 * question is this screen's, so a reload reopens the record with the first question.
 */
export function useRecordQuestion<Kind extends string>(tab: string, first: Kind) {
  const record = useRecord(tab)
  const [kind, setKind] = useState<Kind>(first)
  const open = record.recordId === null ? null : { kind, id: record.recordId }
  const setOpen = (next: { kind: Kind; id: string } | null) => {
    if (next === null) return void record.close()
    setKind(next.kind)
    void record.open(next.id)
  }
  return { open, setOpen }
}
