import type { ErrorBody, LoginBody, MeResponse, OkResponse, TokenResponse } from './types'

/** The server answered with an error status. `serverMessage` is its sentence, when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string | null
  ) {
    super(serverMessage ?? `HTTP ${status}`)
  }
}

/** The request never got an HTTP answer: server down, connection refused or dropped. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError'
}

export interface ApiClient {
  login(body: LoginBody): Promise<TokenResponse>
  /** Silent sign-in from the httpOnly refresh cookie; null when there is no session to resume. */
  resumeSession(): Promise<TokenResponse | null>
  /** Ends the session on the server (which clears the cookie); the token is forgotten either way. */
  logout(): Promise<void>
  me(): Promise<MeResponse>
  /** Called when an authenticated request was refused and the session could not be renewed. */
  onSessionEnded(listener: () => void): () => void
}

interface Session {
  accessToken: string
  expiresAt: string
}

const REFRESH_PATH = '/api/v1/auth/refresh'

export function createApiClient(fetchImpl: typeof fetch = (...args) => fetch(...args)): ApiClient {
  // In memory only: a token in localStorage or a URL outlives the tab and leaks to anything
  // that can read them. A reload gets a new token through the refresh cookie instead.
  let session: Session | null = null
  let refreshing: Promise<TokenResponse | null> | null = null
  const sessionEndedListeners = new Set<() => void>()

  async function send(method: string, path: string, body?: unknown, bearer?: string): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
    try {
      return await fetchImpl(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store'
      })
    } catch (cause) {
      throw new NetworkError(`${method} ${path} failed`, { cause })
    }
  }

  async function readJson<T>(res: Response): Promise<T> {
    if (!res.ok) throw await toApiError(res)
    return (await res.json()) as T
  }

  function adopt(tokens: TokenResponse): TokenResponse {
    session = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt }
    return tokens
  }

  // Shared by every caller so that concurrent 401s, or React running a startup effect twice,
  // spend the refresh cookie once: a rotated refresh token presented twice may be treated as stolen.
  function refresh(): Promise<TokenResponse | null> {
    refreshing ??= (async () => {
      const res = await send('POST', REFRESH_PATH)
      if (res.status === 401) {
        session = null
        return null
      }
      return adopt(await readJson<TokenResponse>(res))
    })().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  function endSession(): void {
    session = null
    for (const listener of sessionEndedListeners) listener()
  }

  /** Sends with the access token; on 401 renews it through the refresh cookie once and retries. */
  async function authorized(method: string, path: string): Promise<Response> {
    const sentWith = session?.accessToken
    const first = await send(method, path, undefined, sentWith)
    if (first.status !== 401) return first

    // Another request may already have renewed the token while this one was in flight.
    const renewed = session !== null && session.accessToken !== sentWith ? session : await refresh()
    if (renewed === null) {
      endSession()
      return first
    }
    const second = await send(method, path, undefined, renewed.accessToken)
    if (second.status === 401) endSession()
    return second
  }

  return {
    async login(body) {
      return adopt(await readJson<TokenResponse>(await send('POST', '/api/v1/auth/login', body)))
    },

    resumeSession: refresh,

    async logout() {
      try {
        await readJson<OkResponse>(await authorized('POST', '/api/v1/auth/logout'))
      } finally {
        session = null
      }
    },

    async me() {
      return readJson<MeResponse>(await authorized('GET', '/api/v1/me'))
    },

    onSessionEnded(listener) {
      sessionEndedListeners.add(listener)
      return () => sessionEndedListeners.delete(listener)
    }
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): keep only the status.
  }
  if (isErrorBody(body)) return new ApiError(res.status, body.error.code, body.error.message)
  return new ApiError(res.status, 'VRE_ERR_UNEXPECTED_RESPONSE', null)
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const error: unknown = value.error
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  )
}
