import type {
  CatalogView,
  CellLanguage,
  CellResult,
  ErrorBody,
  ExceptionBody,
  ExportCellBody,
  ExportRequestSummary,
  ExportRequestView,
  ExportResult,
  FileContent,
  FileEntry,
  FileList,
  LoginBody,
  MeResponse,
  OkResponse,
  OpenedEnrolment,
  ReviewBody,
  ReviewExcerpt,
  ReviewQueueItem,
  SessionEvent,
  SessionView,
  SubmitExportBody,
  TokenResponse,
  VoteBody
} from './types'

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

export interface ApiClient {
  login(body: LoginBody): Promise<TokenResponse>
  /** Opens an enrolment link (its token from the URL's fragment): the authenticator secret to add, shown once. */
  openEnrolment(token: string): Promise<OpenedEnrolment>
  /** Sets the person's own password and confirms their authenticator with a code; the link is used up. */
  completeEnrolment(body: { token: string; password: string; totp: string }): Promise<{ username: string }>
  /** Silent sign-in from the httpOnly refresh cookie; null when there is no session to resume. */
  resumeSession(): Promise<TokenResponse | null>
  /** Ends the session on the server (which clears the cookie); the token is forgotten either way. */
  logout(): Promise<void>
  me(): Promise<MeResponse>
  /** The project's data catalog, filtered by `query` when given. */
  catalog(projectId: string, query?: string): Promise<CatalogView>
  startSession(projectId: string): Promise<SessionView>
  stopSession(id: string): Promise<SessionView>
  listSessions(): Promise<SessionView[]>
  /** Follows a session's events until it ends, `signal` aborts, or the stream closes. */
  followSession(id: string, onEvent: (event: SessionEvent) => void, signal: AbortSignal): Promise<void>
  /** The terminal WebSocket's URL, with a fresh single-use ticket. */
  terminalUrl(id: string, cols: number, rows: number): Promise<string>
  /** Called when an authenticated request was refused and the session could not be renewed. */
  onSessionEnded(listener: () => void): () => void

  // The session's workspace folder (work/); every path is relative to it.
  /** Every file and folder, depth-first and sorted by path. */
  listFiles(sessionId: string): Promise<FileList>
  makeFolder(sessionId: string, path: string): Promise<FileEntry>
  /** Renames or moves; refused when `to` exists. */
  moveFile(sessionId: string, from: string, to: string): Promise<FileEntry>
  /** Deletes a file, or a folder with everything in it. */
  deleteFile(sessionId: string, path: string): Promise<void>
  /** Moves a file or folder into outbox/, which the airlock reviews. */
  moveToOutbox(sessionId: string, path: string): Promise<FileEntry>
  /** An editable text file's content (notebooks, scripts, notes); data files are refused. */
  readFile(sessionId: string, path: string): Promise<FileContent>
  /**
   * Saves a text file. `baseModifiedAt` is the modifiedAt it was read with (null: the file must not
   * exist yet); the server refuses with 409 when the file changed since.
   */
  saveFile(sessionId: string, path: string, content: string, baseModifiedAt: string | null): Promise<FileEntry>

  // The session's kernel.
  runCell(sessionId: string, language: CellLanguage, source: string): Promise<CellResult>
  interruptKernel(sessionId: string): Promise<CellResult>
  /** Temporary tables and variables are lost. */
  restartKernel(sessionId: string): Promise<CellResult>
  /** Writes all rows of the cell's last result, and its source, into outbox/ for review. */
  exportCell(sessionId: string, body: ExportCellBody): Promise<ExportResult>

  // The airlock, the researcher's side: export requests.
  /** Submits outbox/ files of a running session; each is copied out, stored and checked. */
  submitExport(body: SubmitExportBody): Promise<ExportRequestView>
  /** The researcher's requests, most recently changed first. */
  listExports(): Promise<ExportRequestSummary[]>
  getExport(id: string): Promise<ExportRequestView>
  /** Sends a returned request again with a new round of files. */
  resubmitExport(id: string, body: SubmitExportBody): Promise<ExportRequestView>
  withdrawExport(id: string): Promise<ExportRequestView>
  /** A released file's bytes: only its requester, only once released. */
  downloadExportFile(id: string, fileId: string): Promise<Blob>
  /** The release package (.tar.gz: the files, manifest.json, controls.json): only its requester, once released. */
  downloadExportPackage(id: string): Promise<Blob>
  /** Asks an exception for one failing check of a file, with a reason, before reviewers begin on it. */
  askException(id: string, fileId: string, body: ExceptionBody): Promise<ExportRequestView>

  // The airlock, the researcher's side: imports.
  /**
   * Uploads `file` (its bytes as the body, under its own name) to bring it into the project: stored
   * in quarantine and checked, then delivered into work/inbox once a reviewer approves. The policy's
   * allowed kinds and size cap are the server's: a refusal says which.
   */
  submitImport(projectId: string, file: File, justification: string): Promise<ExportRequestView>
  /** The researcher's imports, most recently changed first. */
  listImports(): Promise<ExportRequestSummary[]>
  getImport(id: string): Promise<ExportRequestView>

  // The airlock, the reviewers' side.
  /** Other people's requests awaiting a decision. */
  listReviews(): Promise<ReviewQueueItem[]>
  /** A request for review; the first look moves a submitted request to in_review. */
  getReview(id: string): Promise<ExportRequestView>
  /** A file's bytes for an in-page preview (audited); never saved as a download. */
  reviewFileContent(id: string, fileId: string): Promise<Blob>
  /** A table's or text's excerpt (its header, first rows and row count), in place of bytes that may hold individual records. */
  reviewFileExcerpt(id: string, fileId: string): Promise<ReviewExcerpt>
  /** The reviewer's vote on one file of the round (a draft until their review is submitted). */
  voteOnFile(id: string, fileId: string, body: VoteBody): Promise<ExportRequestView>
  /** Submits the reviewer's review of the round: their votes count from then on. */
  submitReview(id: string, body: ReviewBody): Promise<ExportRequestView>
  /** For the administration console's parts, which type their own answers: a JSON call to `path`. */
  call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>
  /** ...and a file or text from `path` (an audit export, a recording). */
  fetchBlob(path: string): Promise<Blob>
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

  /** A JSON body, or a Blob (a File) sent as it is, as application/octet-stream. */
  async function send(
    method: string,
    path: string,
    body?: unknown,
    bearer?: string,
    accept = 'application/json'
  ): Promise<Response> {
    const headers: Record<string, string> = { accept }
    const raw = body instanceof Blob
    if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json'
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
    try {
      return await fetchImpl(path, {
        method,
        headers,
        // a Blob can be read again: a retry after a renewed token sends the same bytes
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
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

  /** For a file's bytes. */
  async function readBlob(res: Response): Promise<Blob> {
    if (!res.ok) throw await toApiError(res)
    return res.blob()
  }

  /** For answers without a body (204). */
  async function readNothing(res: Response): Promise<void> {
    if (!res.ok) throw await toApiError(res)
  }

  const sessionPath = (id: string, rest: string) => `/api/v1/sessions/${encodeURIComponent(id)}/${rest}`
  const exportPath = (id: string, rest = '') => `/api/v1/exports/${encodeURIComponent(id)}${rest}`
  const importPath = (id: string) => `/api/v1/imports/${encodeURIComponent(id)}`
  const reviewPath = (id: string, rest = '') => `/api/v1/reviews/${encodeURIComponent(id)}${rest}`
  const filePath = (fileId: string) => `/files/${encodeURIComponent(fileId)}/content`

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
  async function authorized(method: string, path: string, body?: unknown, accept?: string): Promise<Response> {
    const sentWith = session?.accessToken
    const first = await send(method, path, body, sentWith, accept)
    if (first.status !== 401) return first

    // Another request may already have renewed the token while this one was in flight.
    const renewed = session !== null && session.accessToken !== sentWith ? session : await refresh()
    if (renewed === null) {
      endSession()
      return first
    }
    const second = await send(method, path, body, renewed.accessToken, accept)
    if (second.status === 401) endSession()
    return second
  }

  return {
    async login(body) {
      return adopt(await readJson<TokenResponse>(await send('POST', '/api/v1/auth/login', body)))
    },

    async openEnrolment(token) {
      return readJson<OpenedEnrolment>(await send('POST', '/api/v1/enrolment/open', { token }))
    },

    async completeEnrolment(body) {
      return readJson<{ username: string }>(await send('POST', '/api/v1/enrolment/complete', body))
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

    async catalog(projectId, query) {
      const q = query === undefined || query === '' ? '' : `?q=${encodeURIComponent(query)}`
      return readJson<CatalogView>(
        await authorized('GET', `/api/v1/projects/${encodeURIComponent(projectId)}/catalog${q}`)
      )
    },

    async startSession(projectId) {
      return readJson<SessionView>(await authorized('POST', '/api/v1/sessions', { projectId }))
    },

    async stopSession(id) {
      return readJson<SessionView>(await authorized('DELETE', `/api/v1/sessions/${encodeURIComponent(id)}`))
    },

    async listSessions() {
      return readJson<SessionView[]>(await authorized('GET', '/api/v1/sessions'))
    },

    async followSession(id, onEvent, signal) {
      // fetch, not EventSource: the stream needs the Authorization header
      const res = await fetchImpl(`/api/v1/sessions/${encodeURIComponent(id)}/events`, {
        headers: { authorization: `Bearer ${session?.accessToken ?? ''}`, accept: 'text/event-stream' },
        credentials: 'same-origin',
        cache: 'no-store',
        signal
      })
      if (!res.ok || res.body === null) throw await toApiError(res)
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffered = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffered += value
        let end: number
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event === undefined || data === undefined) continue
          if (event === 'session') onEvent({ kind: 'session', session: JSON.parse(data) as SessionView })
          else if (event === 'progress') onEvent({ kind: 'progress', progress: JSON.parse(data) })
        }
      }
    },

    async terminalUrl(id, cols, rows) {
      const { ticket } = await readJson<{ ticket: string }>(
        await authorized('POST', `/api/v1/sessions/${encodeURIComponent(id)}/terminal-ticket`)
      )
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
      return `${scheme}://${location.host}/api/v1/sessions/${encodeURIComponent(id)}/terminal?ticket=${encodeURIComponent(ticket)}&cols=${cols}&rows=${rows}`
    },

    onSessionEnded(listener) {
      sessionEndedListeners.add(listener)
      return () => sessionEndedListeners.delete(listener)
    },

    async listFiles(sessionId) {
      return readJson<FileList>(await authorized('GET', sessionPath(sessionId, 'files')))
    },

    async makeFolder(sessionId, path) {
      return readJson<FileEntry>(await authorized('POST', sessionPath(sessionId, 'files/folder'), { path }))
    },

    async moveFile(sessionId, from, to) {
      return readJson<FileEntry>(await authorized('POST', sessionPath(sessionId, 'files/move'), { from, to }))
    },

    async deleteFile(sessionId, path) {
      return readNothing(await authorized('DELETE', sessionPath(sessionId, `files?path=${encodeURIComponent(path)}`)))
    },

    async moveToOutbox(sessionId, path) {
      return readJson<FileEntry>(await authorized('POST', sessionPath(sessionId, 'files/outbox'), { path }))
    },

    async readFile(sessionId, path) {
      return readJson<FileContent>(
        await authorized('GET', sessionPath(sessionId, `files/content?path=${encodeURIComponent(path)}`))
      )
    },

    async saveFile(sessionId, path, content, baseModifiedAt) {
      return readJson<FileEntry>(
        await authorized('PUT', sessionPath(sessionId, 'files/content'), { path, content, baseModifiedAt })
      )
    },

    async runCell(sessionId, language, source) {
      return readJson<CellResult>(await authorized('POST', sessionPath(sessionId, 'cells'), { language, source }))
    },

    async interruptKernel(sessionId) {
      return readJson<CellResult>(await authorized('POST', sessionPath(sessionId, 'kernel/interrupt')))
    },

    async restartKernel(sessionId) {
      return readJson<CellResult>(await authorized('POST', sessionPath(sessionId, 'kernel/restart')))
    },

    async exportCell(sessionId, body) {
      return readJson<ExportResult>(await authorized('POST', sessionPath(sessionId, 'cells/export'), body))
    },

    async submitExport(body) {
      return readJson<ExportRequestView>(await authorized('POST', '/api/v1/exports', body))
    },

    async listExports() {
      return readJson<ExportRequestSummary[]>(await authorized('GET', '/api/v1/exports'))
    },

    async getExport(id) {
      return readJson<ExportRequestView>(await authorized('GET', exportPath(id)))
    },

    async resubmitExport(id, body) {
      return readJson<ExportRequestView>(await authorized('POST', exportPath(id, '/resubmit'), body))
    },

    async withdrawExport(id) {
      return readJson<ExportRequestView>(await authorized('POST', exportPath(id, '/withdraw')))
    },

    async downloadExportFile(id, fileId) {
      return readBlob(await authorized('GET', exportPath(id, filePath(fileId)), undefined, '*/*'))
    },

    async downloadExportPackage(id) {
      return readBlob(await authorized('GET', exportPath(id, '/package'), undefined, '*/*'))
    },

    async askException(id, fileId, body) {
      return readJson<ExportRequestView>(
        await authorized('POST', exportPath(id, `/files/${encodeURIComponent(fileId)}/exceptions`), body)
      )
    },

    async submitImport(projectId, file, justification) {
      const query = new URLSearchParams({ projectId, name: file.name, justification })
      return readJson<ExportRequestView>(await authorized('POST', `/api/v1/imports?${query.toString()}`, file))
    },

    async listImports() {
      return readJson<ExportRequestSummary[]>(await authorized('GET', '/api/v1/imports'))
    },

    async getImport(id) {
      return readJson<ExportRequestView>(await authorized('GET', importPath(id)))
    },

    async listReviews() {
      return readJson<ReviewQueueItem[]>(await authorized('GET', '/api/v1/reviews'))
    },

    async getReview(id) {
      return readJson<ExportRequestView>(await authorized('GET', reviewPath(id)))
    },

    async reviewFileContent(id, fileId) {
      return readBlob(await authorized('GET', reviewPath(id, filePath(fileId)), undefined, '*/*'))
    },

    async reviewFileExcerpt(id, fileId) {
      return readJson<ReviewExcerpt>(
        await authorized('GET', reviewPath(id, `/files/${encodeURIComponent(fileId)}/excerpt`))
      )
    },

    async call<T>(method: string, path: string, body?: unknown) {
      return readJson<T>(await authorized(method, path, body))
    },
    async fetchBlob(path) {
      return readBlob(await authorized('GET', path))
    },
    async voteOnFile(id, fileId, body) {
      return readJson<ExportRequestView>(
        await authorized('PUT', reviewPath(id, `/files/${encodeURIComponent(fileId)}/vote`), body)
      )
    },
    async submitReview(id, body) {
      return readJson<ExportRequestView>(await authorized('POST', reviewPath(id, '/review'), body))
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
