import type {
  CatalogView,
  CellLanguage,
  CellResult,
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
import { createTransport, type Transport } from './transport'

export { ApiError, NetworkError, serverMessage } from './errors'

/**
 * The gateway as the web app calls it: `request`/`requestBlob` reach any endpoint of the wire
 * contract by its key, typed by it; the named methods are the calls the researcher's and reviewer's
 * screens make, each a thin call over them.
 */
export interface ApiClient extends Pick<Transport, 'request' | 'requestBlob' | 'onSessionEnded'> {
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
}

export function createApiClient(fetchImpl: typeof fetch = (...args) => fetch(...args)): ApiClient {
  const t = createTransport(fetchImpl)
  const { request, requestBlob } = t
  const session = (id: string) => ({ id })
  const file = (id: string, fileId: string) => ({ id, fileId })
  // The contract leaves some records open (a cell's outputs, a file's checks): these calls read
  // them by the shapes server/src/schemas gives for what is inside.
  const view = (answer: Promise<unknown>) => answer as Promise<ExportRequestView>

  return {
    request,
    requestBlob,
    onSessionEnded: t.onSessionEnded,

    async login(body) {
      return t.adopt(await request('POST /api/v1/auth/login', { body }))
    },
    openEnrolment: (token) => request('POST /api/v1/enrolment/open', { body: { token } }),
    completeEnrolment: (body) => request('POST /api/v1/enrolment/complete', { body }),
    resumeSession: t.refresh,
    async logout() {
      try {
        await request('POST /api/v1/auth/logout')
      } finally {
        t.forget()
      }
    },
    me: () => request('GET /api/v1/me'),
    catalog: (projectId, query) =>
      request('GET /api/v1/projects/:id/catalog', {
        params: { id: projectId },
        query: query === undefined || query === '' ? {} : { q: query }
      }),

    startSession: (projectId) => request('POST /api/v1/sessions', { body: { projectId } }),
    stopSession: (id) => request('DELETE /api/v1/sessions/:id', { params: session(id) }),
    listSessions: () => request('GET /api/v1/sessions'),
    async followSession(id, onEvent, signal) {
      const res = await t.stream('GET /api/v1/sessions/:id/events', session(id), signal)
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
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
      const { ticket } = await request('POST /api/v1/sessions/:id/terminal-ticket', { params: session(id) })
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
      return `${scheme}://${location.host}/api/v1/sessions/${encodeURIComponent(id)}/terminal?ticket=${encodeURIComponent(ticket)}&cols=${cols}&rows=${rows}`
    },

    listFiles: (sessionId) => request('GET /api/v1/sessions/:id/files', { params: session(sessionId) }),
    makeFolder: (sessionId, path) =>
      request('POST /api/v1/sessions/:id/files/folder', { params: session(sessionId), body: { path } }),
    moveFile: (sessionId, from, to) =>
      request('POST /api/v1/sessions/:id/files/move', { params: session(sessionId), body: { from, to } }),
    async deleteFile(sessionId, path) {
      await request('DELETE /api/v1/sessions/:id/files', { params: session(sessionId), query: { path } })
    },
    moveToOutbox: (sessionId, path) =>
      request('POST /api/v1/sessions/:id/files/outbox', { params: session(sessionId), body: { path } }),
    readFile: (sessionId, path) =>
      request('GET /api/v1/sessions/:id/files/content', { params: session(sessionId), query: { path } }),
    saveFile: (sessionId, path, content, baseModifiedAt) =>
      request('PUT /api/v1/sessions/:id/files/content', {
        params: session(sessionId),
        body: { path, content, baseModifiedAt }
      }),

    runCell: (sessionId, language, source) =>
      request('POST /api/v1/sessions/:id/cells', {
        params: session(sessionId),
        body: { language, source }
      }) as Promise<CellResult>,
    interruptKernel: (sessionId) =>
      request('POST /api/v1/sessions/:id/kernel/interrupt', { params: session(sessionId) }) as Promise<CellResult>,
    restartKernel: (sessionId) =>
      request('POST /api/v1/sessions/:id/kernel/restart', { params: session(sessionId) }) as Promise<CellResult>,
    exportCell: (sessionId, body) =>
      request('POST /api/v1/sessions/:id/cells/export', { params: session(sessionId), body }),

    submitExport: (body) => view(request('POST /api/v1/exports', { body })),
    listExports: () => request('GET /api/v1/exports'),
    getExport: (id) => view(request('GET /api/v1/exports/:id', { params: { id } })),
    resubmitExport: (id, body) => view(request('POST /api/v1/exports/:id/resubmit', { params: { id }, body })),
    withdrawExport: (id) => view(request('POST /api/v1/exports/:id/withdraw', { params: { id } })),
    downloadExportFile: (id, fileId) =>
      requestBlob('GET /api/v1/exports/:id/files/:fileId/content', { params: file(id, fileId) }),
    downloadExportPackage: (id) => requestBlob('GET /api/v1/exports/:id/package', { params: { id } }),
    askException: (id, fileId, body) =>
      view(request('POST /api/v1/exports/:id/files/:fileId/exceptions', { params: file(id, fileId), body })),

    submitImport: (projectId, upload, justification) =>
      view(request('POST /api/v1/imports', { query: { projectId, name: upload.name, justification }, body: upload })),
    listImports: () => request('GET /api/v1/imports'),
    getImport: (id) => view(request('GET /api/v1/imports/:id', { params: { id } })),

    listReviews: () => request('GET /api/v1/reviews'),
    getReview: (id) => view(request('GET /api/v1/reviews/:id', { params: { id } })),
    reviewFileContent: (id, fileId) =>
      requestBlob('GET /api/v1/reviews/:id/files/:fileId/content', { params: file(id, fileId) }),
    reviewFileExcerpt: (id, fileId) =>
      request('GET /api/v1/reviews/:id/files/:fileId/excerpt', {
        params: file(id, fileId)
      }) as Promise<ReviewExcerpt>,
    voteOnFile: (id, fileId, body) =>
      view(request('PUT /api/v1/reviews/:id/files/:fileId/vote', { params: file(id, fileId), body })),
    submitReview: (id, body) => view(request('POST /api/v1/reviews/:id/review', { params: { id }, body }))
  }
}
