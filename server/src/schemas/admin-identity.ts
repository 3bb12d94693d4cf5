import { Type, type Static } from 'typebox'
import { Id, IsoDate, IsoDateTime } from './common.js'
import { IssuedEnrolment } from './enrolment.js'
import { Certification, CertificationStatus, OrganizationStatus, ProjectState, Role, UserStatus } from './identity.js'

/** The administration API's views of organizations, accounts and projects, and what it accepts. */

const Name = Type.String({ minLength: 1, maxLength: 200 })
const Reason = Type.String({ maxLength: 500, description: 'why, for the audit' })

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const AdminOrganization = Type.Object({
  id: Id,
  name: Type.String(),
  status: OrganizationStatus,
  certification: Type.Union([Certification, Type.Null()]),
  members: Type.Integer({ description: 'accounts belonging to it' }),
  createdAt: IsoDateTime
})
export type AdminOrganization = Static<typeof AdminOrganization>

export const CertificationBody = Type.Object(
  {
    number: Type.String({ minLength: 1, maxLength: 32 }),
    validFrom: IsoDate,
    validTo: IsoDate
  },
  { additionalProperties: false }
)

export const CreateOrganizationBody = Type.Object(
  { name: Name, certification: CertificationBody },
  { additionalProperties: false }
)

export const EditOrganizationBody = Type.Object({ name: Name }, { additionalProperties: false })

export const SetCertificationBody = Type.Object(
  {
    number: Type.String({ minLength: 1, maxLength: 32 }),
    validFrom: IsoDate,
    validTo: IsoDate,
    status: CertificationStatus,
    reason: Type.Optional(Reason)
  },
  { additionalProperties: false }
)

export const ReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false })

export const AdminUser = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Role),
  status: UserStatus,
  organization: Type.Union([Type.Object({ id: Id, name: Type.String(), status: OrganizationStatus }), Type.Null()]),
  /**
   * when the person set their own credentials; null while their enrolment link is outstanding (no
   * sign-in), or for credentials handed out before enrolment links (no privileged role until they change them)
   */
  enrolledAt: Type.Union([IsoDateTime, Type.Null()]),
  /** a change to this account waiting for a second administrator */
  pendingChange: Type.Union([Type.Object({ id: Id, kind: Type.String() }), Type.Null()]),
  /** analysis sessions starting or running now */
  liveSessions: Type.Integer(),
  createdAt: IsoDateTime
})
export type AdminUser = Static<typeof AdminUser>

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ minLength: 2, maxLength: 32 }),
    displayName: Name,
    roles: Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true }),
    organizationId: Type.Union([Id, Type.Null()]),
    /** required when a reviewer or administrator is created: a second administrator weighs it */
    reason: Type.Optional(Reason)
  },
  { additionalProperties: false }
)

export const EditUserBody = Type.Object(
  {
    displayName: Type.Optional(Name),
    roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true })),
    organizationId: Type.Optional(Type.Union([Id, Type.Null()])),
    /** required when the edit grants or removes the reviewer or administrator role */
    reason: Type.Optional(Reason)
  },
  { additionalProperties: false, minProperties: 1 }
)

/** A credentials reset; the reason is required for a reviewer's or administrator's. */
export const ResetBody = Type.Union([
  Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
  Type.Null()
])

/**
 * A new account, or a reset one, with the single-use link the person enrols with: never a password
 * or an authenticator secret, which only the person sets and sees.
 */
export const IssuedEnrolmentFor = Type.Object({
  user: AdminUser,
  enrolment: IssuedEnrolment
})
export type IssuedEnrolmentFor = Static<typeof IssuedEnrolmentFor>

export const AdminDataset = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  available: Type.Boolean({ description: 'a file is attached' }),
  /** the project it is granted to, if any (a dataset's pseudonyms belong to one project) */
  projectId: Type.Union([Id, Type.Null()])
})

export const AdminProject = Type.Object({
  id: Id,
  title: Type.String(),
  purpose: Type.String(),
  approvalReference: Type.String(),
  startDate: IsoDate,
  endDate: IsoDate,
  state: ProjectState,
  members: Type.Array(Type.Object({ id: Id, username: Type.String(), displayName: Type.String(), status: UserStatus })),
  datasets: Type.Array(Type.Object({ id: Id, name: Type.String() })),
  /** the day its saved workspaces are deleted, under the policy's retention */
  workspacesDeletedOn: IsoDate,
  /** whether saved workspaces of it are on the gateway now */
  hasWorkspaces: Type.Boolean(),
  createdAt: IsoDateTime
})
export type AdminProject = Static<typeof AdminProject>

export const CreateProjectBody = Type.Object(
  {
    title: Name,
    purpose: Type.String({ maxLength: 2000 }),
    approvalReference: Type.String({ minLength: 1, maxLength: 200 }),
    startDate: IsoDate,
    endDate: IsoDate,
    /** usernames */
    members: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 200, uniqueItems: true })),
    /** dataset names */
    datasets: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, uniqueItems: true }))
  },
  { additionalProperties: false }
)

export const EditProjectBody = Type.Object(
  {
    title: Type.Optional(Name),
    purpose: Type.Optional(Type.String({ maxLength: 2000 })),
    approvalReference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    startDate: Type.Optional(IsoDate),
    endDate: Type.Optional(IsoDate)
  },
  { additionalProperties: false, minProperties: 1 }
)

export const MemberParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), userId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false }
)
export const DatasetParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), datasetId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false }
)

export const AdminOrganizationList = Type.Array(AdminOrganization)
export const AdminUserList = Type.Array(AdminUser)
export const AdminProjectList = Type.Array(AdminProject)
export const AdminDatasetList = Type.Array(AdminDataset)

/** A reviewer assigned to a project. */
export const ProjectReviewer = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  organization: Type.Union([Type.String(), Type.Null()]),
  assignedBy: Type.String(),
  assignedAt: IsoDateTime,
  /** false when the reviewer is no longer independent of the project (then they see none of its requests) */
  independent: Type.Boolean(),
  why: Type.Union([Type.String(), Type.Null()])
})
export const ProjectReviewerList = Type.Array(ProjectReviewer)
