import { QueryClientProvider } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { createBrowserRouter, RouterProvider } from 'react-router'
import { AirlockWatchProvider } from '../airlock/watch'
import { createQueryClient } from '../api/query'
import { LoadingScreen } from './LoadingScreen'
import { placeRoutes, type SignedInProps } from './routes'

type Router = ReturnType<typeof createBrowserRouter>

/**
 * The app once signed in: its data cache, the airlock's notifications (which follow the user
 * across places) and the router. The router is made here, not at start, so that it reads the
 * address as it is after sign-in: the place asked for before signing in, or again after a session
 * ended. Both it and the cache go with the session, so nothing of one user is shown to the next.
 */
export function SignedIn({ api, user, onSignedOut }: SignedInProps) {
  const [queryClient] = useState(createQueryClient)
  const [router, setRouter] = useState<Router | null>(null)

  useEffect(() => {
    const made = createBrowserRouter(placeRoutes({ api, user, onSignedOut }))
    setRouter(made)
    return () => made.dispose()
  }, [api, user, onSignedOut])

  return (
    <QueryClientProvider client={queryClient}>
      <AirlockWatchProvider api={api} user={user}>
        {router === null ? <LoadingScreen /> : <RouterProvider router={router} />}
      </AirlockWatchProvider>
    </QueryClientProvider>
  )
}
