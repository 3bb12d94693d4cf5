import type { TSchema } from 'typebox'
import {
  AdminDatasetList,
  AdminOrganization,
  AdminOrganizationList,
  AdminProject,
  AdminProjectList,
  AdminUser,
  AdminUserList,
  CreateOrganizationBody,
  CreateProjectBody,
  CreateUserBody,
  DatasetParams,
  EditOrganizationBody,
  EditProjectBody,
  EditUserBody,
  IdParams,
  IssuedEnrolmentFor,
  MemberParams,
  ProjectReviewerList,
  ReasonBody,
  ResetBody,
  SetCertificationBody
} from '../schemas/admin-identity.js'
import {
  ExceptionBody,
  ExportRequestList,
  ExportRequestView,
  FileParams,
  ImportQuery,
  RequestParams,
  ResubmitExportBody,
  ReviewBody,
  ReviewExcerpt,
  SubmitExportBody,
  VoteBody
} from '../schemas/airlock.js'
import {
  ApprovalsQuery,
  ApprovedChange,
  HeldForApproval,
  PendingChangeList,
  PendingChangeView,
  RefuseBody
} from '../schemas/approvals.js'
import {
  AuditPage,
  AuditQuery,
  ChainStatus,
  DataOperationParams,
  ExportQuery,
  RecordingParams,
  RecordingPartList
} from '../schemas/audit.js'
import {
  ChangedOwnCredentials,
  ChangeOwnCredentialsBody,
  LoginBody,
  MeResponse,
  NewOwnSecret,
  OkResponse,
  SignInDelayedBody,
  TokenResponse
} from '../schemas/auth.js'
import { CatalogQuery, CatalogView, ProjectParams } from '../schemas/catalog.js'
import { Bytes, ErrorBody, errorResponses, NoContent } from '../schemas/common.js'
import { CompletedEnrolment, CompleteEnrolmentBody, OpenedEnrolment, OpenEnrolmentBody } from '../schemas/enrolment.js'
import {
  ExportCellBody,
  ExportCellView,
  FileContentView,
  FileEntry,
  FileListView,
  MoveBody,
  PathBody,
  PathQuery,
  SaveFileBody
} from '../schemas/files.js'
import {
  AlertList,
  CapacityView,
  EndedSession,
  EndSessionBody,
  EndSessionParams,
  LiveSessionList
} from '../schemas/monitoring.js'
import {
  AssignmentList,
  AssignmentParams,
  PolicyInvalidBody,
  PolicyParams,
  PolicyStaleBody,
  PolicySummaryList,
  PolicyVersionList,
  PolicyView,
  PutAssignmentBody,
  PutAssignmentResult,
  PutPolicyBody,
  PutPolicyResult
} from '../schemas/policies.js'
import {
  CellResult,
  RunCellBody,
  SessionList,
  SessionParams,
  SessionView,
  StartSessionBody,
  TerminalTicketView
} from '../schemas/sessions.js'

/**
 * One HTTP endpoint as the gateway registers it: the schemas of its path parameters, query string,
 * body, and of its answer by status. The routes use these very objects (contract/api.test.ts proves
 * it), and the web app derives its client and types from this table by `import type` alone.
 */
export interface Endpoint {
  readonly params?: TSchema
  readonly query?: TSchema
  readonly body?: TSchema
  readonly response: Readonly<Record<number, TSchema>>
  /** the answer is bytes (a file, an archive) or an event stream, not JSON */
  readonly answer?: 'bytes' | 'stream'
  /** the request body is a file's bytes, sent as they are */
  readonly upload?: true
}

/** The answers of a route: its own by status, then the standard errors, then any error of its own shape. */
const answers = <S extends Record<number, TSchema>, E extends Record<number, TSchema> = Record<never, TSchema>>(
  success: S,
  errors?: E
) => ({ ...success, ...errorResponses, ...(errors ?? ({} as E)) })

const session = { params: SessionParams } as const
const request = { params: RequestParams } as const
const file = { params: FileParams } as const
const byId = { params: IdParams } as const

export const api = {
  // Signing in, enrolling, and the signed-in person.
  'POST /api/v1/auth/login': { body: LoginBody, response: answers({ 200: TokenResponse }, { 429: SignInDelayedBody }) },
  'POST /api/v1/auth/refresh': { response: answers({ 200: TokenResponse }) },
  'POST /api/v1/auth/logout': { response: answers({ 200: OkResponse }) },
  'POST /api/v1/enrolment/open': {
    body: OpenEnrolmentBody,
    response: answers({ 200: OpenedEnrolment }, { 410: ErrorBody })
  },
  'POST /api/v1/enrolment/complete': {
    body: CompleteEnrolmentBody,
    response: answers({ 200: CompletedEnrolment }, { 410: ErrorBody })
  },
  'GET /api/v1/me': { response: answers({ 200: MeResponse }) },
  'POST /api/v1/me/credentials/secret': { response: answers({ 200: NewOwnSecret }) },
  'POST /api/v1/me/credentials': {
    body: ChangeOwnCredentialsBody,
    response: answers({ 200: ChangedOwnCredentials }, { 429: SignInDelayedBody })
  },
  'GET /api/v1/projects/:id/catalog': {
    params: ProjectParams,
    query: CatalogQuery,
    response: answers({ 200: CatalogView })
  },

  // Analysis sessions, their files and kernel.
  'POST /api/v1/sessions': { body: StartSessionBody, response: answers({ 201: SessionView }) },
  'GET /api/v1/sessions': { response: answers({ 200: SessionList }) },
  'DELETE /api/v1/sessions/:id': { ...session, response: answers({ 200: SessionView }) },
  'GET /api/v1/sessions/:id/events': { ...session, response: answers({}), answer: 'stream' },
  'POST /api/v1/sessions/:id/terminal-ticket': { ...session, response: answers({ 201: TerminalTicketView }) },
  'GET /api/v1/sessions/:id/files': { ...session, response: answers({ 200: FileListView }) },
  'POST /api/v1/sessions/:id/files/folder': { ...session, body: PathBody, response: answers({ 201: FileEntry }) },
  'POST /api/v1/sessions/:id/files/move': { ...session, body: MoveBody, response: answers({ 200: FileEntry }) },
  'DELETE /api/v1/sessions/:id/files': { ...session, query: PathQuery, response: answers({ 204: NoContent }) },
  'POST /api/v1/sessions/:id/files/outbox': { ...session, body: PathBody, response: answers({ 200: FileEntry }) },
  'GET /api/v1/sessions/:id/files/content': {
    ...session,
    query: PathQuery,
    response: answers({ 200: FileContentView })
  },
  'PUT /api/v1/sessions/:id/files/content': { ...session, body: SaveFileBody, response: answers({ 200: FileEntry }) },
  'POST /api/v1/sessions/:id/cells': { ...session, body: RunCellBody, response: answers({ 200: CellResult }) },
  'POST /api/v1/sessions/:id/cells/export': {
    ...session,
    body: ExportCellBody,
    response: answers({ 201: ExportCellView })
  },
  'POST /api/v1/sessions/:id/kernel/interrupt': { ...session, response: answers({ 200: CellResult }) },
  'POST /api/v1/sessions/:id/kernel/restart': { ...session, response: answers({ 200: CellResult }) },

  // The airlock: the researcher's exports and imports.
  'POST /api/v1/exports': { body: SubmitExportBody, response: answers({ 201: ExportRequestView }) },
  'GET /api/v1/exports': { response: answers({ 200: ExportRequestList }) },
  'GET /api/v1/exports/:id': { ...request, response: answers({ 200: ExportRequestView }) },
  'POST /api/v1/exports/:id/resubmit': {
    ...request,
    body: ResubmitExportBody,
    response: answers({ 200: ExportRequestView })
  },
  'POST /api/v1/exports/:id/withdraw': { ...request, response: answers({ 200: ExportRequestView }) },
  'GET /api/v1/exports/:id/files/:fileId/content': { ...file, response: answers({ 200: Bytes }), answer: 'bytes' },
  'GET /api/v1/exports/:id/package': { ...request, response: answers({ 200: Bytes }), answer: 'bytes' },
  'POST /api/v1/exports/:id/files/:fileId/exceptions': {
    ...file,
    body: ExceptionBody,
    response: answers({ 201: ExportRequestView })
  },
  'POST /api/v1/imports': { query: ImportQuery, upload: true, response: answers({ 201: ExportRequestView }) },
  'GET /api/v1/imports': { response: answers({ 200: ExportRequestList }) },
  'GET /api/v1/imports/:id': { ...request, response: answers({ 200: ExportRequestView }) },

  // The airlock: reviewers.
  'GET /api/v1/reviews': { response: answers({ 200: ExportRequestList }) },
  'GET /api/v1/reviews/:id': { ...request, response: answers({ 200: ExportRequestView }) },
  'GET /api/v1/reviews/:id/files/:fileId/content': { ...file, response: answers({ 200: Bytes }), answer: 'bytes' },
  'GET /api/v1/reviews/:id/files/:fileId/excerpt': { ...file, response: answers({ 200: ReviewExcerpt }) },
  'PUT /api/v1/reviews/:id/files/:fileId/vote': {
    ...file,
    body: VoteBody,
    response: answers({ 200: ExportRequestView })
  },
  'POST /api/v1/reviews/:id/review': { ...request, body: ReviewBody, response: answers({ 200: ExportRequestView }) },

  // Administration: organizations and accounts.
  'GET /api/v1/admin/organizations': { response: answers({ 200: AdminOrganizationList }) },
  'POST /api/v1/admin/organizations': { body: CreateOrganizationBody, response: answers({ 201: AdminOrganization }) },
  'PATCH /api/v1/admin/organizations/:id': {
    ...byId,
    body: EditOrganizationBody,
    response: answers({ 200: AdminOrganization })
  },
  'POST /api/v1/admin/organizations/:id/suspend': {
    ...byId,
    body: ReasonBody,
    response: answers({ 200: AdminOrganization })
  },
  'POST /api/v1/admin/organizations/:id/reinstate': {
    ...byId,
    body: ReasonBody,
    response: answers({ 200: AdminOrganization })
  },
  'PUT /api/v1/admin/organizations/:id/certification': {
    ...byId,
    body: SetCertificationBody,
    response: answers({ 200: AdminOrganization })
  },
  'GET /api/v1/admin/users': { response: answers({ 200: AdminUserList }) },
  'POST /api/v1/admin/users': {
    body: CreateUserBody,
    response: answers({ 201: IssuedEnrolmentFor, 202: HeldForApproval })
  },
  'PATCH /api/v1/admin/users/:id': {
    ...byId,
    body: EditUserBody,
    response: answers({ 200: AdminUser, 202: HeldForApproval })
  },
  'POST /api/v1/admin/users/:id/suspend': { ...byId, body: ReasonBody, response: answers({ 200: AdminUser }) },
  'POST /api/v1/admin/users/:id/reinstate': { ...byId, body: ReasonBody, response: answers({ 200: AdminUser }) },
  'POST /api/v1/admin/users/:id/credentials': {
    ...byId,
    body: ResetBody,
    response: answers({ 200: IssuedEnrolmentFor, 202: HeldForApproval })
  },

  // Administration: projects, their members, datasets and reviewers.
  'GET /api/v1/admin/projects': { response: answers({ 200: AdminProjectList }) },
  'POST /api/v1/admin/projects': { body: CreateProjectBody, response: answers({ 201: AdminProject }) },
  'PATCH /api/v1/admin/projects/:id': { ...byId, body: EditProjectBody, response: answers({ 200: AdminProject }) },
  'PUT /api/v1/admin/projects/:id/members/:userId': { params: MemberParams, response: answers({ 200: AdminProject }) },
  'DELETE /api/v1/admin/projects/:id/members/:userId': {
    params: MemberParams,
    response: answers({ 200: AdminProject })
  },
  'PUT /api/v1/admin/projects/:id/datasets/:datasetId': {
    params: DatasetParams,
    response: answers({ 200: AdminProject })
  },
  'DELETE /api/v1/admin/projects/:id/datasets/:datasetId': {
    params: DatasetParams,
    response: answers({ 200: AdminProject })
  },
  'GET /api/v1/admin/datasets': { response: answers({ 200: AdminDatasetList }) },
  'GET /api/v1/admin/projects/:id/reviewers': { ...byId, response: answers({ 200: ProjectReviewerList }) },
  'PUT /api/v1/admin/projects/:id/reviewers/:userId': {
    params: MemberParams,
    response: answers({ 200: ProjectReviewerList })
  },
  'DELETE /api/v1/admin/projects/:id/reviewers/:userId': {
    params: MemberParams,
    response: answers({ 200: ProjectReviewerList })
  },

  // Administration: policies and which project works under which.
  'GET /api/v1/admin/policies': { response: answers({ 200: PolicySummaryList }) },
  'GET /api/v1/admin/policies/:name': { params: PolicyParams, response: answers({ 200: PolicyView }) },
  'GET /api/v1/admin/policies/:name/versions': { params: PolicyParams, response: answers({ 200: PolicyVersionList }) },
  'PUT /api/v1/admin/policies/:name': {
    params: PolicyParams,
    body: PutPolicyBody,
    response: answers({ 200: PutPolicyResult, 202: HeldForApproval }, { 400: PolicyInvalidBody, 409: PolicyStaleBody })
  },
  'GET /api/v1/admin/policy-assignments': { response: answers({ 200: AssignmentList }) },
  'PUT /api/v1/admin/policy-assignments/:projectId': {
    params: AssignmentParams,
    body: PutAssignmentBody,
    response: answers({ 200: PutAssignmentResult, 202: HeldForApproval })
  },

  // Administration: changes a second administrator approves.
  'GET /api/v1/admin/approvals': { query: ApprovalsQuery, response: answers({ 200: PendingChangeList }) },
  'POST /api/v1/admin/approvals/:id/approve': { ...byId, response: answers({ 200: ApprovedChange }) },
  'POST /api/v1/admin/approvals/:id/refuse': {
    ...byId,
    body: RefuseBody,
    response: answers({ 200: PendingChangeView })
  },
  'POST /api/v1/admin/approvals/:id/withdraw': { ...byId, response: answers({ 200: PendingChangeView }) },

  // Administration: the audit log, recordings and data operations.
  'GET /api/v1/admin/audit': { query: AuditQuery, response: answers({ 200: AuditPage }) },
  'GET /api/v1/admin/audit/verify': { response: answers({ 200: ChainStatus }) },
  'GET /api/v1/admin/audit/export': { query: ExportQuery, response: answers({ 200: Bytes }), answer: 'bytes' },
  'GET /api/v1/admin/audit/recordings/:session': {
    params: RecordingParams,
    response: answers({ 200: RecordingPartList })
  },
  'GET /api/v1/admin/audit/recordings/:session/:part': {
    params: RecordingParams,
    response: answers({ 200: Bytes }),
    answer: 'bytes'
  },
  'GET /api/v1/admin/audit/data-operations/:session': {
    params: DataOperationParams,
    response: answers({ 200: Bytes }),
    answer: 'bytes'
  },

  // Administration: live monitoring.
  'GET /api/v1/admin/monitoring/sessions': { response: answers({ 200: LiveSessionList }) },
  'GET /api/v1/admin/monitoring/alerts': { response: answers({ 200: AlertList }) },
  'GET /api/v1/admin/monitoring/capacity': { response: answers({ 200: CapacityView }) },
  'POST /api/v1/admin/monitoring/sessions/:id/end': {
    params: EndSessionParams,
    body: EndSessionBody,
    response: answers({ 200: EndedSession })
  }
} as const satisfies Record<string, Endpoint>

export type Api = typeof api

/**
 * Routes the table leaves out on purpose, each with why: the web app does not call them over HTTP
 * as JSON (a WebSocket), or not at all.
 */
export const outsideContract: Readonly<Record<string, string>> = {
  'GET /api/v1/sessions/:id/terminal': 'a WebSocket, opened with a ticket from the terminal-ticket endpoint',
  'GET /api/v1/sessions/:id': 'the web app follows a session through its event stream instead',
  'POST /api/v1/imports/:id/withdraw': 'no screen withdraws an import yet'
}
