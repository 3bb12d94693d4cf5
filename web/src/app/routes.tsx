import { lazy, Suspense, type ReactNode } from 'react'
import { Navigate, Outlet, type RouteObject } from 'react-router'
import type { ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import { HomePage } from '../home/HomePage'
import { LoadingScreen } from './LoadingScreen'
import { NotFoundPage } from './NotFoundPage'
import { places } from './places'
import type { SignedOutNotice } from './strings'

// Each screen beyond sign-in and the overview is its own chunk, fetched when first opened: a
// researcher's first load carries neither the administration console nor the review screens,
// and a reviewer's carries no terminal.
const WorkspacePage = lazy(() => import('../workspace/WorkspacePage').then((m) => ({ default: m.WorkspacePage })))
const ReviewPage = lazy(() => import('../airlock/ReviewPage').then((m) => ({ default: m.ReviewPage })))
const AdminPage = lazy(() => import('../admin/AdminPage').then((m) => ({ default: m.AdminPage })))

export interface SignedInProps {
  api: ApiClient
  user: UserView
  onSignedOut(notice: SignedOutNotice): void
}

/**
 * The places of the signed-in app (see places.ts for their URLs). A workspace's tabs and requests,
 * and the console's tabs and records, are child routes without elements of their own: the page
 * stays mounted (a terminal keeps its shell) and reads where it is from the URL's params.
 */
export function placeRoutes({ api, user, onSignedOut }: SignedInProps): RouteObject[] {
  const within = (...paths: string[]): RouteObject[] => [
    { index: true, element: null },
    ...paths.map((path) => ({ path, element: null }))
  ]
  return [
    {
      element: (
        <Suspense fallback={<LoadingScreen />}>
          <Outlet />
        </Suspense>
      ),
      children: [
        { index: true, element: <HomePage api={api} user={user} onSignedOut={onSignedOut} /> },
        {
          path: 'projects/:projectId',
          element: <WorkspacePage api={api} user={user} />,
          children: within(':tab', 'airlock/:requestId')
        },
        { path: 'reviews/:requestId', element: <ReviewPage api={api} user={user} /> },
        {
          path: 'admin',
          element: (
            <AdminOnly user={user}>
              <AdminPage api={api} user={user} />
            </AdminOnly>
          ),
          children: within(':tab', ':tab/:recordId')
        },
        { path: '*', element: <NotFoundPage /> }
      ]
    }
  ]
}

/** The console is for administrators; anyone else asking for it gets the overview, as the app always gave them. */
function AdminOnly({ user, children }: { user: UserView; children: ReactNode }) {
  return user.roles.includes('admin') ? children : <Navigate to={places.overview()} replace />
}
