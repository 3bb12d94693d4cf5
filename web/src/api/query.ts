import { keepPreviousData, QueryClient, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query'
import { useCallback } from 'react'
import type { ApiClient } from './client'
import type { Answer, ArgsOf, JsonKey } from './endpoints'

export function createQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } })
}

/**
 * A query's key is the endpoint's and its arguments: invalidating `[endpoint]` refreshes every
 * query of that endpoint, whatever its parameters.
 */
export const queryKey = <K extends JsonKey>(key: K, ...[args]: ArgsOf<K>) => [key, args ?? {}] as const

/** Reads an endpoint of the wire contract; the answer stays shown while a new one loads. */
export function useApiQuery<K extends JsonKey>(api: ApiClient, key: K, ...args: ArgsOf<K>): UseQueryResult<Answer<K>> {
  return useApiPolled(api, 0, key, ...args)
}

/** ...and reads it again every `everyMs` (0: never) while shown: live figures. */
export function useApiPolled<K extends JsonKey>(
  api: ApiClient,
  everyMs: number,
  key: K,
  ...args: ArgsOf<K>
): UseQueryResult<Answer<K>> {
  return useQuery({
    queryKey: queryKey(key, ...args),
    queryFn: () => api.request(key, ...args),
    placeholderData: keepPreviousData,
    refetchInterval: everyMs === 0 ? false : everyMs
  })
}

// What each change made in the console may alter, for the lists shown to be read again. An account
// or policy change may instead wait for a second administrator (approvals), whose decision changes
// the account or policy in turn.
const ADMIN_USERS: JsonKey[] = ['GET /api/v1/admin/users', 'GET /api/v1/admin/approvals']
const ADMIN_ORGANIZATIONS: JsonKey[] = ['GET /api/v1/admin/organizations', 'GET /api/v1/admin/users']
// a project's members decide whether its reviewers are independent of it
const ADMIN_PROJECTS: JsonKey[] = [
  'GET /api/v1/admin/projects',
  'GET /api/v1/admin/datasets',
  'GET /api/v1/admin/projects/:id/reviewers'
]
const ADMIN_POLICIES: JsonKey[] = [
  'GET /api/v1/admin/policies',
  'GET /api/v1/admin/policies/:name',
  'GET /api/v1/admin/policies/:name/versions',
  'GET /api/v1/admin/policy-assignments',
  'GET /api/v1/admin/approvals'
]

const REFRESHES: Partial<Record<JsonKey, readonly JsonKey[]>> = {
  'POST /api/v1/admin/organizations': ADMIN_ORGANIZATIONS,
  'PATCH /api/v1/admin/organizations/:id': ADMIN_ORGANIZATIONS,
  'POST /api/v1/admin/organizations/:id/suspend': ADMIN_ORGANIZATIONS,
  'POST /api/v1/admin/organizations/:id/reinstate': ADMIN_ORGANIZATIONS,
  'PUT /api/v1/admin/organizations/:id/certification': ADMIN_ORGANIZATIONS,
  'POST /api/v1/admin/users': ADMIN_USERS,
  'PATCH /api/v1/admin/users/:id': [...ADMIN_USERS, 'GET /api/v1/admin/projects'],
  'POST /api/v1/admin/users/:id/suspend': ADMIN_USERS,
  'POST /api/v1/admin/users/:id/reinstate': ADMIN_USERS,
  'POST /api/v1/admin/users/:id/credentials': ADMIN_USERS,
  'POST /api/v1/admin/projects': ADMIN_PROJECTS,
  'PATCH /api/v1/admin/projects/:id': ADMIN_PROJECTS,
  'PUT /api/v1/admin/projects/:id/members/:userId': ADMIN_PROJECTS,
  'DELETE /api/v1/admin/projects/:id/members/:userId': ADMIN_PROJECTS,
  'PUT /api/v1/admin/projects/:id/datasets/:datasetId': ADMIN_PROJECTS,
  'DELETE /api/v1/admin/projects/:id/datasets/:datasetId': ADMIN_PROJECTS,
  'PUT /api/v1/admin/projects/:id/reviewers/:userId': ['GET /api/v1/admin/projects/:id/reviewers'],
  'DELETE /api/v1/admin/projects/:id/reviewers/:userId': ['GET /api/v1/admin/projects/:id/reviewers'],
  'PUT /api/v1/admin/policies/:name': ADMIN_POLICIES,
  'PUT /api/v1/admin/policy-assignments/:projectId': ADMIN_POLICIES,
  'POST /api/v1/admin/approvals/:id/approve': [...ADMIN_USERS, ...ADMIN_POLICIES],
  'POST /api/v1/admin/approvals/:id/refuse': [...ADMIN_USERS, ...ADMIN_POLICIES],
  'POST /api/v1/admin/approvals/:id/withdraw': [...ADMIN_USERS, ...ADMIN_POLICIES],
  'POST /api/v1/admin/monitoring/sessions/:id/end': ['GET /api/v1/admin/monitoring/sessions', 'GET /api/v1/admin/users']
}

/** The endpoints whose queries a change through `key` makes stale. */
export const refreshedBy = (key: JsonKey): readonly JsonKey[] => REFRESHES[key] ?? []

/**
 * Makes a change through an endpoint, then reads again what it altered (waiting for it, so that a
 * form closes onto the new state). A refusal is thrown for the form to show.
 */
export function useApiChange(api: ApiClient) {
  const client = useQueryClient()
  return useCallback(
    async <K extends JsonKey>(key: K, ...args: ArgsOf<K>): Promise<Answer<K>> => {
      const answer = await api.request(key, ...args)
      await Promise.all(refreshedBy(key).map((stale) => client.invalidateQueries({ queryKey: [stale] })))
      return answer
    },
    [api, client]
  )
}
