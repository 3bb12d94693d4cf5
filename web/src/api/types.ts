// The wire types, derived from the gateway's TypeBox schemas (server/src/schemas). Type-only
// imports: the compiler reads the schemas, the bundle ships none of them (contract-imports.test.ts).
import type { Static } from 'typebox'
import type * as Admin from '../../../server/src/schemas/admin-identity'
import type * as Airlock from '../../../server/src/schemas/airlock'
import type * as Approvals from '../../../server/src/schemas/approvals'
import type * as Auth from '../../../server/src/schemas/auth'
import type * as Catalog from '../../../server/src/schemas/catalog'
import type * as Cells from '../../../server/src/schemas/cell-outputs'
import type * as Common from '../../../server/src/schemas/common'
import type * as Enrolment from '../../../server/src/schemas/enrolment'
import type * as Files from '../../../server/src/schemas/files'
import type * as Identity from '../../../server/src/schemas/identity'
import type * as Monitoring from '../../../server/src/schemas/monitoring'
import type * as Policies from '../../../server/src/schemas/policies'
import type * as Sessions from '../../../server/src/schemas/sessions'

/** 'YYYY-MM-DD' */
export type IsoDate = Static<typeof Common.IsoDate>
/** RFC 3339 date-time */
export type IsoDateTime = Static<typeof Common.IsoDateTime>
export type ErrorBody = Static<typeof Common.ErrorBody>

// People, organizations and projects.
export type Role = Static<typeof Identity.Role>
export type UserStatus = Static<typeof Identity.UserStatus>
export type CertificationStatus = Static<typeof Identity.CertificationStatus>
export type CertificationState = Static<typeof Identity.CertificationState>
export type ProjectState = Static<typeof Identity.ProjectState>
export type Certification = Static<typeof Identity.Certification>
export type OrganizationView = Static<typeof Identity.OrganizationView>
export type UserView = Static<typeof Identity.UserView>
export type DatasetRef = Static<typeof Identity.DatasetRef>
export type ProjectView = Static<typeof Identity.ProjectView>
export type Eligibility = Static<typeof Identity.Eligibility>

// Signing in, enrolling, one's own credentials.
export type LoginBody = Static<typeof Auth.LoginBody>
export type TokenResponse = Static<typeof Auth.TokenResponse>
export type MeResponse = Static<typeof Auth.MeResponse>
export type OkResponse = Static<typeof Auth.OkResponse>
export type NewOwnSecret = Static<typeof Auth.NewOwnSecret>
export type ChangeOwnCredentialsBody = Static<typeof Auth.ChangeOwnCredentialsBody>
export type OpenedEnrolment = Static<typeof Enrolment.OpenedEnrolment>
export type IssuedEnrolment = Static<typeof Enrolment.IssuedEnrolment>
export type EnrolmentHalf = Static<typeof Enrolment.EnrolmentHalf>

// Analysis sessions, the catalog, files and cells.
export type SessionState = Static<typeof Sessions.SessionState>
export type SessionView = Static<typeof Sessions.SessionView>
export type StartStep = Static<typeof Sessions.StartStep>
/** What the session's event stream says: its new state, or a start step. */
export type SessionEvent = { kind: 'session'; session: SessionView } | { kind: 'progress'; progress: StartStep }
export type CatalogView = Static<typeof Catalog.CatalogView>
export type FileEntry = Static<typeof Files.FileEntry>
export type FileList = Static<typeof Files.FileListView>
export type DisplayCut = Static<typeof Files.DisplayCut>
export type FileContent = Static<typeof Files.FileContentView>
export type CellLanguage = Static<typeof Sessions.RunCellBody>['language']
export type TableColumn = Static<typeof Cells.TableColumn>
export type TableOutput = Static<typeof Cells.TableOutput>
export type CellOutput = Static<typeof Cells.CellOutput>
/** A cell's run, or a kernel interrupt or restart (with no outputs); its outputs read by their type. */
export type CellResult = Omit<Static<typeof Sessions.CellResult>, 'outputs'> & { outputs: CellOutput[] }
export type ExportCellBody = Static<typeof Files.ExportCellBody>
export type ExportResult = Static<typeof Files.ExportCellView>

// The airlock.
export type ExportState = Static<typeof Airlock.ExportStateSchema>
export type ExportRequestSummary = Static<typeof Airlock.ExportRequestSummary>
export type ExportRequestView = Omit<Static<typeof Airlock.ExportRequestView>, 'files'> & { files: ExportFileView[] }
/** A file of a request, its open records (checks, provenance, listing) read by their fields. */
export type ExportFileView = Omit<Static<typeof Airlock.ExportFileView>, 'checks' | 'provenance' | 'listing'> & {
  checks: RuleResult[]
  provenance: Provenance | null
  listing: ArchiveEntry[] | null
}
export type RuleResult = Static<typeof Airlock.RuleResultView>
export type CellRef = RuleResult['cells'][number]
export type Provenance = Static<typeof Airlock.ProvenanceView>
export type ArchiveEntry = Static<typeof Airlock.ArchiveEntryView>
export type CheckOutcome = ExportFileView['outcome']
export type AirlockFileState = ExportFileView['state']
export type AirlockDirection = ExportRequestView['direction']
export type Can = Static<typeof Airlock.Can>
export type ExceptionView = Static<typeof Airlock.ExceptionView>
export type VoteView = Static<typeof Airlock.VoteView>
export type ReviewDecision = VoteView['vote']
export type AcknowledgementKind = VoteView['acknowledgements'][number]['kind']
export type DecisionView = Static<typeof Airlock.DecisionView>
/** A request in a reviewer's queue: the summary with where the round's reviews stand. */
export type ReviewQueueItem = ExportRequestSummary
export type MyReview = NonNullable<ExportRequestSummary['myReview']>
export type ReviewExcerpt = Static<typeof Airlock.ReviewExcerpt> & Static<typeof Airlock.ReviewExcerptForm>
export type ExceptionBody = Static<typeof Airlock.ExceptionBody>
export type SubmitExportBody = Static<typeof Airlock.SubmitExportBody>
export type SubmitFile = SubmitExportBody['files'][number]
export type VoteBody = Static<typeof Airlock.VoteBody>
export type ReviewBody = Static<typeof Airlock.ReviewBody>

// Administration.
export type OrganizationStatus = Static<typeof Identity.OrganizationStatus>
export type AdminOrganization = Static<typeof Admin.AdminOrganization>
export type AdminUser = Static<typeof Admin.AdminUser>
export type IssuedEnrolmentFor = Static<typeof Admin.IssuedEnrolmentFor>
export type AdminDataset = Static<typeof Admin.AdminDataset>
export type AdminProject = Static<typeof Admin.AdminProject>
export type AdminProjectReviewer = Static<typeof Admin.ProjectReviewer>
export type PendingKind = Static<typeof Approvals.PendingKind>
export type PendingState = Static<typeof Approvals.PendingState>
export type PendingChangeView = Static<typeof Approvals.PendingChangeView>
export type PersonRef = PendingChangeView['requestedBy']
export type Weakening = Static<typeof Approvals.WeakeningView>
export type HeldForApproval = Static<typeof Approvals.HeldForApproval>
export type ApprovedChange = Static<typeof Approvals.ApprovedChange>

// Administration: policies, monitoring and the audit log.
export type PolicySummary = Static<typeof Policies.PolicySummary>
export type PolicyView = Static<typeof Policies.PolicyView>
export type PolicyVersion = Static<typeof Policies.PolicyVersionView>
export type PutPolicyBody = Static<typeof Policies.PutPolicyBody>
export type PutPolicyResult = Static<typeof Policies.PutPolicyResult>
export type LiveApplied = Static<typeof Policies.LiveApplied>
export type Assignment = Static<typeof Policies.Assignment>
/** One problem of a refused policy, where it is (400 VRE_ERR_POLICY_INVALID, in the error's `problems`). */
export type PolicyProblem = NonNullable<Static<typeof Policies.PolicyInvalidBody>['error']['problems']>[number]
export type LiveSession = Static<typeof Monitoring.LiveSessionView>
