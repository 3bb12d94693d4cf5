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
  /**
   * a reviewer or administrator whose credentials an administrator handed out (before enrolment
   * links): they may not review or administer until they set their own
   */
  mustChangeCredentials: boolean
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
      columns: {
        name: string
        type: string
        description: string
        /** the dataset marks it: an identifier, or a quasi-identifier (singles people out in combination) */
        mark?: 'identifier' | 'quasi-identifier' | null
      }[]
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
  /** a model's residual df as its export reported it */
  residualDf?: number
  /** what the recount found: reviewers read counts and reasons, the requester only whether people were counted */
  recount?: {
    person?: string
    unavailable?: string
    counted?: boolean
    declaredRoles?: Record<string, string>
  } | null
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
  /** pending while votes gather; approved, returned, rejected or conflicted once the reviews are in; released */
  state: AirlockFileState
  exceptions: ExceptionView[]
  /** what an approval of the file must acknowledge */
  acknowledgementsNeeded: { rule: string; kind: AcknowledgementKind }[]
  /** the votes the caller may read: their own drafts, others' once their own review is in (or all are) */
  votes: VoteView[]
  /** requester: the rules an exception may be asked for now */
  exceptable: string[]
  /** reviewer: `readBytes` says whether the preview is of the whole file or of its excerpt only */
  can: { askException?: Can; download?: Can; preview?: Can; readBytes?: Can; vote?: Can; approve?: Can }
}

/**
 * What a reviewer reads of a table or text that may hold individual records, in place of its
 * bytes: its header and first rows (or first lines), each cut to a bound, and how many in all.
 */
export type ReviewExcerpt = { name: string; cut: boolean; whole: string | null } & (
  | { format: 'table'; header: string[]; rows: string[][]; totalRows: number }
  | { format: 'text'; lines: string[]; totalLines: number }
)

export type AirlockFileState = 'pending' | 'approved' | 'returned' | 'rejected' | 'conflicted' | 'released'
export type AcknowledgementKind = 'exception' | 'review'

/** Whether the caller may do something now, and if not, why (for a disabled button). */
export interface Can {
  ok: boolean
  why?: string
}

export interface ExceptionView {
  rule: string
  reason: string
  requestedBy: string
  requestedAt: IsoDateTime
}

export interface VoteView {
  reviewer: string
  vote: ReviewDecision
  /** null for the requester when meant for reviewers only */
  comment: string | null
  commentVisibility: 'researcher' | 'reviewers'
  acknowledgements: { rule: string; kind: AcknowledgementKind; comment: string | null }[]
  /** false: the caller's own draft */
  submitted: boolean
  createdAt: IsoDateTime
  updatedAt: IsoDateTime
}

/** A submitted review summed up over its votes, with the comments meant for the reader. */
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
  /** requester: the failing checks the project's policy lets an exception be asked for */
  exceptionRules: string[]
  files: ExportFileView[]
  reviews: { round: number; reviewer: string; kind: 'review' | 'settle'; submittedAt: IsoDateTime }[]
  decisions: DecisionView[]
  /** reviewer: others' votes of this round are hidden until the caller's own review is in */
  votesHidden: boolean
  /** reviewer: what submitting now would be */
  reviewKind: 'review' | 'settle' | null
  can: { withdraw?: Can; resubmit?: Can; downloadPackage?: Can; vote?: Can; submitReview?: Can }
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

/** A request in a reviewer's queue: where the round's reviews stand, and the caller's part in them. */
export interface ReviewQueueItem extends ExportRequestSummary {
  /** reviews of the round submitted, and how many the policy needs */
  reviews: number
  reviewsNeeded: number
  /** files the reviews disagree on, for a further reviewer to settle */
  conflicted: number
  myReview: MyReview
}

export type MyReview = 'none' | 'draft' | 'submitted'

/** An exception asked for one failing check of a file, with the researcher's reason. */
export interface ExceptionBody {
  rule: string
  reason: string
}

/** A file of the outbox to export, with why it is needed outside. */
export interface SubmitFile {
  /** under outbox/ */
  path: string
  justification: string
  /** exceptions asked with the file for checks expected to fail (each must fail once checked) */
  exceptions?: ExceptionBody[]
}

export interface SubmitExportBody {
  /** a running session of the project, whose outbox the files are copied from */
  sessionId: string
  files: SubmitFile[]
}

/** A reviewer's vote on one file: a draft until their review is submitted. */
export interface VoteBody {
  /** the round the reviewer looked at and the file's digest: the server refuses a vote on anything else */
  round: number
  sha256: string
  vote: ReviewDecision
  /** required to return or reject */
  comment?: string
  commentVisibility?: 'researcher' | 'reviewers'
  /** with an approval: each excepted check (with a comment) and each check asking for review */
  acknowledgements?: { rule: string; kind: AcknowledgementKind; comment?: string }[]
}

/** Submits the reviewer's review of the round they looked at. */
export interface ReviewBody {
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
  /** when the person set their own credentials; null while a link is outstanding, or for credentials handed out before links */
  enrolledAt: IsoDateTime | null
  /** a change to this account waiting for a second administrator */
  pendingChange: { id: string; kind: string } | null
  /** analysis sessions starting or running now */
  liveSessions: number
  createdAt: IsoDateTime
}

/** A single-use link with which a person sets their own password and authenticator. */
export interface IssuedEnrolment {
  url: string
  expiresAt: IsoDateTime
}

/** A new or reset account with its enrolment link: never a password or an authenticator secret. */
export interface IssuedEnrolmentFor {
  user: AdminUser
  enrolment: IssuedEnrolment
}

// Changes a second administrator approves (server/src/schemas/approvals.ts).
export type PendingKind = 'user.create' | 'user.update' | 'user.credentials_reset' | 'policy.update' | 'project.policy'
export type PendingState = 'pending' | 'approved' | 'refused' | 'withdrawn'

export interface PersonRef {
  id: string
  username: string
  displayName: string
}

/** One airlock parameter a policy change relaxes (server/src/approvals/weakening.ts names them all). */
export interface Weakening {
  /** e.g. reviewers, exceptionRules, threshold, dominance.k, exportTypes, previewMiBPerReviewerPerDay */
  key: string
  from: unknown
  to: unknown
}

export interface PendingChangeView {
  id: string
  kind: PendingKind
  state: PendingState
  target: string | null
  /** what it would do, in an English sentence */
  summary: string
  /** what exactly, by kind (see the server's schema) */
  change: Record<string, unknown>
  reason: string
  requestedBy: PersonRef
  requestedAt: IsoDateTime
  decidedBy: PersonRef | null
  decidedAt: IsoDateTime | null
  decisionReason: string | null
  /** a change to an existing account: who issued the link it last enrolled with, and when it was used */
  enrolledThrough: { issuedBy: PersonRef; usedAt: IsoDateTime; byAsker: boolean } | null
  mayApprove: boolean
  mayWithdraw: boolean
  whyNot: string | null
}

/**
 * One part of a reviewer's or administrator's enrolment link: part 1 to the administrator who
 * asked, part 2 to the one who approved. The person enters both on the enrolment page.
 */
export interface EnrolmentHalf {
  username: string
  part: 1 | 2
  half: string
  /** the enrolment page */
  page: string
  /** null for part 1: the link is made when the change is approved */
  expiresAt: IsoDateTime | null
}

/** A change that now waits for a second administrator (HTTP 202). */
export interface HeldForApproval {
  pending: PendingChangeView
  message: string
  /** a reviewer or administrator created or reset: part 1 of their link, for the asker, shown once */
  enrolmentHalf?: EnrolmentHalf
}

export interface ApprovedChange {
  change: PendingChangeView
  /** an account the approval created or reset: part 2 of its link, for the approver to send the person */
  enrolment: EnrolmentHalf | null
}

/** A new authenticator secret for changing one's own credentials, shown once. */
export interface NewOwnSecret {
  totpSecret: string
  totpUri: string
  /** the secret sealed for the server, to send back with the change */
  ticket: string
  expiresAt: IsoDateTime
}

/** An enrolment link opened: the authenticator secret, shown to the person alone. */
export interface OpenedEnrolment {
  username: string
  displayName: string
  totpSecret: string
  totpUri: string
  expiresAt: IsoDateTime
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

/** A reviewer assigned to a project (server/src/routes/api/v1/admin/reviewers). */
export interface AdminProjectReviewer {
  id: string
  username: string
  displayName: string
  organization: string | null
  /** the administrator's username */
  assignedBy: string
  assignedAt: IsoDateTime
  /** false when the reviewer is no longer independent of the project: they then see none of its requests */
  independent: boolean
  /** why not, as the server words it */
  why: string | null
}
