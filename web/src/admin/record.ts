import { useCallback } from 'react'
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
