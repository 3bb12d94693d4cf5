import type { ProjectWithDatasets, Store, UserRow } from '../store/types.js'
import { projectEligibility } from './eligibility.js'

/** Where a researcher stands in one project today. */
export interface ProjectStanding {
  /** null: there is no such project */
  project: ProjectWithDatasets | null
  isMember: boolean
  /** every reason they may not work in it today, each a sentence; empty when they may */
  reasons: string[]
}

/**
 * Reads what `projectEligibility` weighs (account, organization, certification, membership, the
 * project's dates) as the store holds it now. The one reading behind every researcher action
 * (plugins/app/eligibility.ts) and the session service's start and reaper, so that they cannot
 * disagree about who may work.
 */
export async function projectStanding(
  store: Store,
  user: UserRow,
  projectId: string,
  today: string
): Promise<ProjectStanding> {
  const project = await store.getProject(projectId)
  if (project === null) return { project, isMember: false, reasons: ['the project does not exist'] }
  const org = user.organizationId === null ? null : await store.getOrganization(user.organizationId)
  const cert = user.organizationId === null ? null : await store.getCertification(user.organizationId)
  const isMember = await store.isProjectMember(projectId, user.id)
  const { reasons } = projectEligibility({
    user,
    organizationName: org?.name ?? null,
    ...(org ? { organizationStatus: org.status } : {}),
    certification: cert,
    project,
    isMember,
    today
  })
  return { project, isMember, reasons }
}
