// Mirrors server/src/schemas (auth.ts, identity.ts, common.ts). The web build must not import
// server code, so a change to those schemas has to be copied here by hand.

/** 'YYYY-MM-DD' */
export type IsoDate = string
/** RFC 3339 date-time */
export type IsoDateTime = string

export type Role = 'researcher' | 'reviewer' | 'admin'
export type UserStatus = 'active' | 'suspended'
export type CertificationStatus = 'active' | 'suspended' | 'revoked'
/** What the certification means today: its recorded status combined with its validity dates. */
export type CertificationState = 'valid' | 'expired' | 'not_yet_valid' | 'suspended' | 'revoked'
export type ProjectState = 'upcoming' | 'active' | 'ended'

export interface Certification {
  number: string
  validFrom: IsoDate
  validTo: IsoDate
  status: CertificationStatus
  state: CertificationState
}

export interface OrganizationView {
  id: string
  name: string
  certification: Certification | null
}

export interface UserView {
  id: string
  username: string
  displayName: string
  roles: Role[]
  status: UserStatus
  organization: OrganizationView | null
}

export interface DatasetRef {
  id: string
  name: string
  description: string
}

export interface ProjectView {
  id: string
  title: string
  purpose: string
  approvalReference: string
  startDate: IsoDate
  endDate: IsoDate
  state: ProjectState
  datasets: DatasetRef[]
}

export interface Eligibility {
  canWork: boolean
  /** One sentence per reason, e.g. "certification T2-0042 expired on 2026-03-31". */
  reasons: string[]
}

export interface LoginBody {
  username: string
  password: string
  /** six digits */
  totp: string
}

export interface TokenResponse {
  accessToken: string
  expiresAt: IsoDateTime
  user: UserView
}

export interface MeResponse {
  user: UserView
  projects: ProjectView[]
  eligibility: Eligibility
}

export interface OkResponse {
  ok: true
}

export interface ErrorBody {
  error: { code: string; message: string }
}

export type SessionState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

/** An analysis session (GET /api/v1/sessions/:id). */
export interface SessionView {
  id: string
  projectId: string
  state: SessionState
  reason: string | null
  runtime: string
  createdAt: IsoDateTime
  startedAt: IsoDateTime | null
  endedAt: IsoDateTime | null
  expiresAt: IsoDateTime | null
  idleMinutes: number
}

/** A start step, from the session's event stream. */
export type StartStep =
  { step: 'sandbox' } | { step: 'data'; bytes: number; totalBytes: number } | { step: 'workspace' }

export type SessionEvent = { kind: 'session'; session: SessionView } | { kind: 'progress'; progress: StartStep }

export interface CatalogView {
  projectId: string
  query: string | null
  datasets: {
    id: string
    name: string
    description: string
    available: boolean
    tables: {
      name: string
      description: string
      rowCount: number
      columns: { name: string; type: string; description: string }[]
    }[]
  }[]
}

// Mirrors server/src/schemas/files.ts and the cell routes (server/src/schemas/sessions.ts).

/** A file or folder in the researcher's workspace folder (work/); `path` is relative to it. */
export interface FileEntry {
  path: string
  name: string
  type: 'file' | 'dir'
  /** bytes; 0 for folders */
  size: number
  modifiedAt: IsoDateTime
}

export interface FileList {
  /** depth-first, sorted by path */
  entries: FileEntry[]
  /** more entries exist than were listed */
  truncated: boolean
  /** entries were held back because the session's display budget allows no more now */
  displayCut: boolean
}

/**
 * Where the session's display budget held something back (a cell's outputs, a file's text): what
 * reaches the screen from a sandbox is bounded, as a way out.
 */
export interface DisplayCut {
  type: 'display-cut'
  heldBackBytes: number
  availableBytes: number
  bytesPerMinute: number
}

/** An editable text file (a notebook, a script, a note) as read for the browser. */
export interface FileContent {
  path: string
  /** as much as the display budget allowed; all of it unless `cut` says otherwise */
  content: string
  modifiedAt: IsoDateTime
  size: number
  /** set when part of the file was held back: it opens read-only, never to be saved over the whole */
  cut: DisplayCut | null
}

export type CellLanguage = 'sql' | 'python'

export interface TableColumn {
  name: string
  type: string
  /** a pandas index level, shown as a leading column */
  index?: boolean
}

/** At most the policy's row cap of rows; `rowCount` counts them all. */
export interface TableOutput {
  type: 'table'
  columns: TableColumn[]
  rows: unknown[][]
  rowCount: number
  truncated: boolean
}

export type CellOutput =
  | TableOutput
  | { type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { type: 'image'; mime: string; data: string }
  | { type: 'text'; text: string }
  | { type: 'error'; ename: string; evalue: string; traceback?: string[] }
  | DisplayCut

/** A cell's run, or a kernel interrupt or restart (with no outputs). */
export interface CellResult {
  status: 'ok' | 'error'
  outputs: CellOutput[]
  durationMs: number | null
  executionCount: number | null
}

export interface ExportCellBody {
  language: CellLanguage
  source: string
  /** [A-Za-z0-9][A-Za-z0-9._-]{0,99}, without extension */
  name: string
}

/** What a cell's export wrote into outbox/ for the airlock: all rows as CSV, and the cell source. */
export interface ExportResult {
  csv: FileEntry
  query: FileEntry
  rows: number
}

// Mirrors server/src/schemas/airlock.ts and server/src/airlock/disclosure/types.ts.

export type ExportState =
  'draft' | 'submitted' | 'in_review' | 'returned' | 'approved' | 'released' | 'rejected' | 'withdrawn'

/** `fail`: must not leave as it is; `review`: a person must look; `pass`: nothing found. */
export type CheckOutcome = 'pass' | 'review' | 'fail'

export type ReviewDecision = 'approve' | 'return' | 'reject'

/** Out of a sandbox (a result) or into one (a script, code list, reference table or archive). */
export type AirlockDirection = 'export' | 'import'

/** An entry of an imported archive, as checked. */
export interface ArchiveEntry {
  name: string
  type: 'file' | 'directory'
  size: number
  mode: number
}

/** A data cell: 0-based data row (the header is not a row) and 0-based column. */
export interface CellRef {
  row: number
  column: number
}

/** One disclosure rule's finding on one file. */
export interface RuleResult {
  /** threshold, zeros, dominance, p-percent, residual-df, row-level, differencing, repeats, file-type, images */
  rule: string
  outcome: CheckOutcome
  /**
   * for the reviewer, in English; rows in it are numbered from 1. The requester of an export gets a
   * fixed sentence per rule and outcome instead, quoting nothing of the file
   */
  message: string
  /** the cells at risk; empty when the finding is not about particular cells */
  cells: CellRef[]
  /** 0-based data rows at risk; for a text output, 0-based line numbers */
  rows?: number[]
  /** 0-based columns at risk as a whole */
  columns?: number[]
  /** in the requester's view: how many cells, rows and columns were flagged, of which the lists hold the first */
  flagged?: { cells: number; rows: number; columns: number }
}

/** The notebook cell that made a file (a cell export to the outbox). */
export interface Provenance {
  language?: string
  source?: string
  rows?: number
  exportedAt?: IsoDateTime
  sessionId?: string
}

export interface ExportFileView {
  id: string
  round: number
  path: string
  name: string
  sha256: string
  size: number
  justification: string
  outcome: CheckOutcome
  checks: RuleResult[]
  provenance: Provenance | null
  /** an imported archive's entries; null for anything else */
  listing: ArchiveEntry[] | null
}

export interface DecisionView {
  round: number
  /** the reviewer's username */
  reviewer: string
  decision: ReviewDecision
  comment: string | null
  createdAt: IsoDateTime
}

/** An airlock request (an export, or for reviewers also an import) with every round's files, checks and decisions. */
export interface ExportRequestView {
  id: string
  direction: AirlockDirection
  projectId: string
  /** the requester's username */
  requester: string
  state: ExportState
  round: number
  createdAt: IsoDateTime
  updatedAt: IsoDateTime
  releasedAt: IsoDateTime | null
  /** approvals of the current round, and how many the policy needs */
  approvals: number
  approvalsNeeded: number
  files: ExportFileView[]
  decisions: DecisionView[]
}

export interface ExportRequestSummary {
  id: string
  direction: AirlockDirection
  projectId: string
  requester: string
  state: ExportState
  round: number
  createdAt: IsoDateTime
  updatedAt: IsoDateTime
}

/** A file of the outbox to export, with why it is needed outside. */
export interface SubmitFile {
  /** under outbox/ */
  path: string
  justification: string
}

export interface SubmitExportBody {
  /** a running session of the project, whose outbox the files are copied from */
  sessionId: string
  files: SubmitFile[]
}

export interface DecisionBody {
  decision: ReviewDecision
  /** required to return or reject */
  comment?: string
  /** the round the reviewer looked at and its files' digests: the server refuses a decision on anything else */
  round: number
  sha256s: string[]
}

// The administration API's views of organizations, accounts and projects (server/src/schemas/admin-identity.ts).

export type OrganizationStatus = 'active' | 'suspended'

export interface AdminOrganization {
  id: string
  name: string
  status: OrganizationStatus
  certification: Certification | null
  /** accounts belonging to it */
  members: number
  createdAt: IsoDateTime
}

export interface AdminUser {
  id: string
  username: string
  displayName: string
  roles: Role[]
  status: UserStatus
  organization: { id: string; name: string; status: OrganizationStatus } | null
  lockedUntil: IsoDateTime | null
  /** analysis sessions starting or running now */
  liveSessions: number
  createdAt: IsoDateTime
}

/** A new or reset account's secrets: shown once, to be handed over on a separate channel. */
export interface IssuedCredentials {
  user: AdminUser
  password: string
  totpSecret: string
  totpUri: string
}

export interface AdminDataset {
  id: string
  name: string
  description: string
  available: boolean
  /** the project it is granted to, if any */
  projectId: string | null
}

export interface AdminProject {
  id: string
  title: string
  purpose: string
  approvalReference: string
  startDate: IsoDate
  endDate: IsoDate
  state: ProjectState
  members: { id: string; username: string; displayName: string; status: UserStatus }[]
  datasets: { id: string; name: string }[]
  /** the day its saved workspaces are deleted under the policy's retention */
  workspacesDeletedOn: IsoDate
  hasWorkspaces: boolean
  createdAt: IsoDateTime
}
