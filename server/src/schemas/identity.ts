import { Type, type Static } from 'typebox'
import { Id, IsoDate } from './common.js'

export const Role = Type.Union([Type.Literal('researcher'), Type.Literal('reviewer'), Type.Literal('admin')])
export type Role = Static<typeof Role>
export const ROLES: readonly Role[] = ['researcher', 'reviewer', 'admin']

export const CertificationStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('revoked')
])
export type CertificationStatus = Static<typeof CertificationStatus>

/** What the certification means today: its recorded status combined with its validity dates. */
export const CertificationState = Type.Union([
  Type.Literal('valid'),
  Type.Literal('expired'),
  Type.Literal('not_yet_valid'),
  Type.Literal('suspended'),
  Type.Literal('revoked')
])
export type CertificationState = Static<typeof CertificationState>

export const Certification = Type.Object({
  number: Type.String(),
  validFrom: IsoDate,
  validTo: IsoDate,
  status: CertificationStatus,
  state: CertificationState
})
export type Certification = Static<typeof Certification>

/** An organization's own standing on the platform, apart from its certification: an administrator may suspend it. */
export const OrganizationStatus = Type.Union([Type.Literal('active'), Type.Literal('suspended')])
export type OrganizationStatus = Static<typeof OrganizationStatus>

export const OrganizationView = Type.Object({
  id: Id,
  name: Type.String(),
  certification: Type.Union([Certification, Type.Null()])
})
export type OrganizationView = Static<typeof OrganizationView>

export const UserStatus = Type.Union([Type.Literal('active'), Type.Literal('suspended')])
export type UserStatus = Static<typeof UserStatus>

export const UserView = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Role),
  status: UserStatus,
  organization: Type.Union([OrganizationView, Type.Null()]),
  /**
   * a reviewer or administrator whose credentials an administrator handed out (before enrolment
   * links): they may not review or administer until they set their own (POST /api/v1/me/credentials)
   */
  mustChangeCredentials: Type.Boolean()
})
export type UserView = Static<typeof UserView>

export const ProjectState = Type.Union([Type.Literal('upcoming'), Type.Literal('active'), Type.Literal('ended')])
export type ProjectState = Static<typeof ProjectState>

export const DatasetRef = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String()
})

export const ProjectView = Type.Object({
  id: Id,
  title: Type.String(),
  purpose: Type.String(),
  approvalReference: Type.String(),
  startDate: IsoDate,
  endDate: IsoDate,
  state: ProjectState,
  datasets: Type.Array(DatasetRef)
})
export type ProjectView = Static<typeof ProjectView>

/**
 * Whether the user may start analysis work now, and if not, each reason in a sentence
 * ("certification T2-0042 expired on 2026-03-31").
 */
export const Eligibility = Type.Object({
  canWork: Type.Boolean(),
  reasons: Type.Array(Type.String())
})
export type Eligibility = Static<typeof Eligibility>
