import { lazy, Suspense, useEffect, useState } from 'react'
import { AirlockWatchProvider } from '../airlock/watch'
import { NetworkError, type ApiClient } from '../api/client'
import type { ProjectView, UserView } from '../api/types'
import { EnrolmentPage } from '../enrolment/EnrolmentPage'
import { leaveEnrolment, takeEnrolmentToken } from '../enrolment/link'
import { HomePage } from '../home/HomePage'
import { useStrings } from '../i18n/language'
import { LoginPage } from '../login/LoginPage'
import { appStrings, type SignedOutNotice } from './strings'

// Each screen beyond sign-in and the overview is its own chunk, fetched when first opened: a
// researcher's first load carries neither the administration console nor the review screens,
// and a reviewer's carries no terminal.
const WorkspacePage = lazy(() => import('../workspace/WorkspacePage').then((m) => ({ default: m.WorkspacePage })))
const ReviewPage = lazy(() => import('../airlock/ReviewPage').then((m) => ({ default: m.ReviewPage })))
const AdminPage = lazy(() => import('../admin/AdminPage').then((m) => ({ default: m.AdminPage })))

export type AuthState =
  { kind: 'resuming' } | { kind: 'signed-out'; notice: SignedOutNotice | null } | { kind: 'signed-in'; user: UserView }

export function App({ api }: { api: ApiClient }) {
  const [auth, setAuth] = useState<AuthState>({ kind: 'resuming' })
  const [workspace, setWorkspace] = useState<ProjectView | null>(null)
  const [review, setReview] = useState<string | null>(null)
  const [admin, setAdmin] = useState(false)
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
      return (
        <main className="resuming" aria-busy="true">
          <p role="status">{t.restoring}</p>
        </main>
      )
    case 'signed-out':
      return (
        <LoginPage
          api={api}
          notice={auth.notice === null ? null : t.notices[auth.notice]}
          onSignedIn={(user) => setAuth({ kind: 'signed-in', user })}
        />
      )
    case 'signed-in':
      return (
        // the airlock's notifications follow the user across pages, for as long as they are signed in
        <AirlockWatchProvider key={auth.user.id} api={api} user={auth.user}>
          <Suspense
            fallback={
              <main className="resuming" aria-busy="true">
                <p role="status">{t.loadingScreen}</p>
              </main>
            }
          >
            {workspace !== null ? (
              <WorkspacePage api={api} user={auth.user} project={workspace} onBack={() => setWorkspace(null)} />
            ) : review !== null ? (
              <ReviewPage api={api} user={auth.user} requestId={review} onBack={() => setReview(null)} />
            ) : admin && auth.user.roles.includes('admin') ? (
              <AdminPage api={api} user={auth.user} onBack={() => setAdmin(false)} />
            ) : (
              <HomePage
                api={api}
                user={auth.user}
                onSignedOut={(notice) => setAuth({ kind: 'signed-out', notice })}
                onOpenWorkspace={setWorkspace}
                onOpenReview={setReview}
                onOpenAdmin={() => setAdmin(true)}
              />
            )}
          </Suspense>
        </AirlockWatchProvider>
      )
  }
}
