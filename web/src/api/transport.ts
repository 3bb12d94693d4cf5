import { type Answer, type ArgsOf, type BytesKey, type EndpointKey, type JsonKey, urlOf } from './endpoints'
import { NetworkError, toApiError } from './errors'
import type { TokenResponse } from './types'

/** Typed calls over the wire contract: the one place that signs requests, renews the token and reads errors. */
export interface Transport {
  /** A JSON endpoint: its answer, or an ApiError (or NetworkError) when there is none. */
  request<K extends JsonKey>(key: K, ...args: ArgsOf<K>): Promise<Answer<K>>
  /** An endpoint answering with bytes. */
  requestBlob<K extends BytesKey>(key: K, ...args: ArgsOf<K>): Promise<Blob>
  /** A signed GET whose answer is read as it comes (an event stream); the caller reads the body. */
  stream(key: EndpointKey, params: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Response>
  /** Silent sign-in from the httpOnly refresh cookie; null when there is no session to resume. */
  refresh(): Promise<TokenResponse | null>
  /** Holds the tokens of a sign-in. */
  adopt(tokens: TokenResponse): TokenResponse
  /** Forgets the access token (after signing out). */
  forget(): void
  onSessionEnded(listener: () => void): () => void
}

interface Session {
  accessToken: string
  expiresAt: string
}

// Calls made before anyone is signed in: a 401 from them is an answer (a wrong password), never a
// reason to renew a token.
const UNSIGNED: ReadonlySet<EndpointKey> = new Set<EndpointKey>([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/enrolment/open',
  'POST /api/v1/enrolment/complete'
])

interface Call {
  params?: Readonly<Record<string, unknown>>
  query?: Readonly<Record<string, unknown>>
  body?: unknown
}

export function createTransport(fetchImpl: typeof fetch): Transport {
  // In memory only: a token in localStorage or a URL outlives the tab and leaks to anything
  // that can read them. A reload gets a new token through the refresh cookie instead.
  let session: Session | null = null
  let refreshing: Promise<TokenResponse | null> | null = null
  const sessionEndedListeners = new Set<() => void>()

  /** A JSON body, or a Blob (a File) sent as it is, as application/octet-stream. */
  async function send(method: string, url: string, body: unknown, bearer: string | undefined, accept: string) {
    const headers: Record<string, string> = { accept }
    const raw = body instanceof Blob
    if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json'
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
    try {
      return await fetchImpl(url, {
        method,
        headers,
        // a Blob can be read again: a retry after a renewed token sends the same bytes
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store'
      })
    } catch (cause) {
      throw new NetworkError(`${method} ${url} failed`, { cause })
    }
  }

  function adopt(tokens: TokenResponse): TokenResponse {
    session = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt }
    return tokens
  }

  // Shared by every caller so that concurrent 401s, or React running a startup effect twice,
  // spend the refresh cookie once: a rotated refresh token presented twice may be treated as stolen.
  function refresh(): Promise<TokenResponse | null> {
    refreshing ??= (async () => {
      const { method, url } = urlOf('POST /api/v1/auth/refresh')
      const res = await send(method, url, undefined, undefined, 'application/json')
      if (res.status === 401) {
        session = null
        return null
      }
      if (!res.ok) throw await toApiError(res)
      return adopt((await res.json()) as TokenResponse)
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
  async function authorized(method: string, url: string, body: unknown, accept: string): Promise<Response> {
    const sentWith = session?.accessToken
    const first = await send(method, url, body, sentWith, accept)
    if (first.status !== 401) return first

    // Another request may already have renewed the token while this one was in flight.
    const renewed = session !== null && session.accessToken !== sentWith ? session : await refresh()
    if (renewed === null) {
      endSession()
      return first
    }
    const second = await send(method, url, body, renewed.accessToken, accept)
    if (second.status === 401) endSession()
    return second
  }

  async function call(key: EndpointKey, args: Call | undefined, accept: string): Promise<Response> {
    const { method, url } = urlOf(key, args?.params, args?.query)
    const res = UNSIGNED.has(key)
      ? await send(method, url, args?.body, undefined, accept)
      : await authorized(method, url, args?.body, accept)
    if (!res.ok) throw await toApiError(res)
    return res
  }

  return {
    async request(key, ...[args]) {
      const res = await call(key, args as Call | undefined, 'application/json')
      // a 204 has no body to read
      return (res.status === 204 ? null : await res.json()) as Answer<typeof key>
    },

    async requestBlob(key, ...[args]) {
      return (await call(key, args as Call | undefined, '*/*')).blob()
    },

    async stream(key, params, signal) {
      // fetch, not EventSource: the stream needs the Authorization header
      const { url } = urlOf(key, params)
      const res = await fetchImpl(url, {
        headers: { authorization: `Bearer ${session?.accessToken ?? ''}`, accept: 'text/event-stream' },
        credentials: 'same-origin',
        cache: 'no-store',
        signal
      })
      if (!res.ok || res.body === null) throw await toApiError(res)
      return res
    },

    refresh,
    adopt,
    forget() {
      session = null
    },
    onSessionEnded(listener) {
      sessionEndedListeners.add(listener)
      return () => sessionEndedListeners.delete(listener)
    }
  }
}
