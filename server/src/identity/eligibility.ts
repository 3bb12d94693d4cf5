import type {
  Certification,
  CertificationState,
  Eligibility,
  OrganizationStatus,
  ProjectState
} from '../schemas/identity.js'
import type { CertificationRow, ProjectRow, UserRow } from '../store/types.js'

/** What a certification means on `today`: its recorded status first, then its validity dates. */
export function certificationState(cert: CertificationRow, today: string): CertificationState {
  if (cert.status === 'revoked') return 'revoked'
  if (cert.status === 'suspended') return 'suspended'
  if (today < cert.validFrom) return 'not_yet_valid'
  if (today > cert.validTo) return 'expired'
  return 'valid'
}

export function certificationView(cert: CertificationRow, today: string): Certification {
  return {
    number: cert.number,
    validFrom: cert.validFrom,
    validTo: cert.validTo,
    status: cert.status,
    state: certificationState(cert, today)
  }
}

export function projectState(p: Pick<ProjectRow, 'startDate' | 'endDate'>, today: string): ProjectState {
  if (today < p.startDate) return 'upcoming'
  if (today > p.endDate) return 'ended'
  return 'active'
}

/** The sentence a researcher reads when their organization's certification stops them working. */
export function certificationProblem(
  cert: CertificationRow | null,
  organizationName: string | null,
  today: string
): string | null {
  if (organizationName === null) return 'your account belongs to no organization holding a Type II certification'
  if (cert === null) return `${organizationName} holds no Type II certification`
  switch (certificationState(cert, today)) {
    case 'valid':
      return null
    case 'expired':
      return `certification ${cert.number} expired on ${cert.validTo}`
    case 'not_yet_valid':
      return `certification ${cert.number} is not valid until ${cert.validFrom}`
    case 'suspended':
      return `certification ${cert.number} is suspended`
    case 'revoked':
      return `certification ${cert.number} was revoked`
  }
}

/**
 * Whether a user may do analysis work today, with every reason they may not. Checked whenever
 * work starts, not only at sign-in, because certifications and projects change underneath a sign-in.
 */
export function eligibility(input: {
  user: Pick<UserRow, 'status' | 'roles'>
  organizationName: string | null
  /** an organization an administrator suspended stops its members whatever its certification says */
  organizationStatus?: OrganizationStatus
  certification: CertificationRow | null
  projects: Pick<ProjectRow, 'title' | 'startDate' | 'endDate'>[]
  today: string
}): Eligibility {
  const reasons: string[] = []
  if (input.user.status !== 'active') reasons.push(`your account is ${input.user.status}`)
  if (!input.user.roles.includes('researcher')) {
    reasons.push('your account does not have the researcher role')
    return { canWork: false, reasons }
  }
  if (input.organizationStatus === 'suspended') reasons.push(`${input.organizationName ?? 'your organization'} is suspended`)
  const cert = certificationProblem(input.certification, input.organizationName, input.today)
  if (cert !== null) reasons.push(cert)
  if (!input.projects.some((p) => projectState(p, input.today) === 'active')) {
    reasons.push(
      input.projects.length === 0
        ? 'you are not a member of any research project'
        : `none of your projects is running today (${input.projects
            .map((p) => `${p.title}: ${p.startDate} to ${p.endDate}`)
            .join('; ')})`
    )
  }
  return { canWork: reasons.length === 0, reasons }
}

/**
 * Whether a user may work in one project today: eligible in general (role, account, certification)
 * and a member of this project while it runs. Every reason, each a sentence.
 */
export function projectEligibility(input: {
  user: Pick<UserRow, 'status' | 'roles'>
  organizationName: string | null
  /** an organization an administrator suspended stops its members whatever its certification says */
  organizationStatus?: OrganizationStatus
  certification: CertificationRow | null
  project: Pick<ProjectRow, 'title' | 'startDate' | 'endDate'>
  isMember: boolean
  today: string
}): Eligibility {
  const reasons: string[] = []
  if (input.user.status !== 'active') reasons.push(`your account is ${input.user.status}`)
  if (!input.user.roles.includes('researcher')) reasons.push('your account does not have the researcher role')
  if (input.organizationStatus === 'suspended') reasons.push(`${input.organizationName ?? 'your organization'} is suspended`)
  const cert = certificationProblem(input.certification, input.organizationName, input.today)
  if (cert !== null) reasons.push(cert)
  if (!input.isMember) reasons.push(`you are not a member of the project "${input.project.title}"`)
  switch (projectState(input.project, input.today)) {
    case 'upcoming':
      reasons.push(`the project "${input.project.title}" starts on ${input.project.startDate}`)
      break
    case 'ended':
      reasons.push(`the project "${input.project.title}" ended on ${input.project.endDate}`)
      break
    case 'active':
      break
  }
  return { canWork: reasons.length === 0, reasons }
}
