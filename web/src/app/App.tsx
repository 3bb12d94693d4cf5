import { useCallback, useEffect, useState } from 'react'
import { NetworkError, type ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import { EnrolmentPage } from '../enrolment/EnrolmentPage'
import { leaveEnrolment, takeEnrolmentToken } from '../enrolment/link'
import { useStrings } from '../i18n/language'
import { LoginPage } from '../login/LoginPage'
import { LoadingScreen } from './LoadingScreen'
import { SignedIn } from './SignedIn'
import { appStrings, type SignedOutNotice } from './strings'

export type AuthState =
  { kind: 'resuming' } | { kind: 'signed-out'; notice: SignedOutNotice | null } | { kind: 'signed-in'; user: UserView }

/**
 * Who is here: an enrolment link first, then the silent resume of a session, sign-in, and the
 * signed-in app with its places. Signing in leaves the address alone, so the place asked for is
 * where the app opens.
 */
export function App({ api }: { api: ApiClient }) {
  const [auth, setAuth] = useState<AuthState>({ kind: 'resuming' })
  // opened from an enrolment link (/enrol#token): that page first, whoever is signed in on this browser
  const [enrolment, setEnrolment] = useState(takeEnrolmentToken)
  const t = useStrings(appStrings)

  // A reload loses the in-memory token; the refresh cookie brings the session back silently.
  useEffect(() => {
    let current = true
    api.resumeSession().then(
      (tokens) => {
        if (current) setAuth(tokens ? { kind: 'signed-in', user: tokens.user } : { kind: 'signed-out', notice: null })
      },
      (error: unknown) => {
        if (current)
          setAuth({ kind: 'signed-out', notice: error instanceof NetworkError ? 'server-unreachable' : null })
      }
    )
    return () => {
      current = false
    }
  }, [api])

  useEffect(() => api.onSessionEnded(() => setAuth({ kind: 'signed-out', notice: 'session-ended' })), [api])

  const onSignedOut = useCallback((notice: SignedOutNotice) => setAuth({ kind: 'signed-out', notice }), [])

  if (enrolment !== undefined) {
    return (
      <EnrolmentPage
        api={api}
        token={enrolment}
        onDone={() => {
          leaveEnrolment()
          setEnrolment(undefined)
          setAuth({ kind: 'signed-out', notice: 'enrolled' })
        }}
      />
    )
  }

  switch (auth.kind) {
    case 'resuming':
      return <LoadingScreen restoring />
    case 'signed-out':
      return (
        <LoginPage
          api={api}
          notice={auth.notice === null ? null : t.notices[auth.notice]}
          onSignedIn={(user) => setAuth({ kind: 'signed-in', user })}
        />
      )
    case 'signed-in':
      return <SignedIn key={auth.user.id} api={api} user={auth.user} onSignedOut={onSignedOut} />
  }
}
