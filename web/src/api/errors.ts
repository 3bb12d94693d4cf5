import type { ErrorBody } from './types'

/** The server answered with an error status. `serverMessage` is its sentence, when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string | null,
    /** the error object as the server sent it, with any particulars beyond code and message */
    readonly details: Readonly<Record<string, unknown>> = {}
  ) {
    super(serverMessage ?? `HTTP ${status}`)
  }
}

/** The server's sentence for a refusal, or the error's own words: what a view shows when a call fails. */
export const serverMessage = (err: unknown): string =>
  (err instanceof ApiError ? err.serverMessage : null) ?? (err instanceof Error ? err.message : String(err))

/** The request never got an HTTP answer: server down, connection refused or dropped. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError'
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): keep only the status.
  }
  if (isErrorBody(body)) {
    return new ApiError(res.status, body.error.code, body.error.message, body.error as Record<string, unknown>)
  }
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
