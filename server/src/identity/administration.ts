import type { CertificationStatus } from '../schemas/identity.js'
import type { CertificationRow, OrganizationRow, ProjectChanges, ProjectRow, Store, UserRow } from '../store/types.js'
import { heldElsewhere, projectHoldingDataset } from '../projects/dataset-owner.js'
import { memberProblem } from '../projects/new-project.js'
import { certificationHolder } from './accounts.js'
import {
  checkCertificationNumber,
  checkDates,
  checkName,
  ConflictingInput,
  InvalidInput,
  NotFoundInput
} from './input-checks.js'

/**
 * What administrators change after creation: organizations and their certification, projects with
 * their members and datasets (accounts: users.ts). Each function checks everything first and then makes
 * one store call, which writes the change and its audit record in one transaction; a refusal
 * throws InvalidInput (or NotFoundInput, ConflictingInput) and writes nothing.
 */

/** Who is acting, for the audit. `userId` is null for the CLI. */
export interface Actor {
  actor: string
  sourceIp: string | null
  userId: string | null
}

const MAX_REASON = 500

/** An optional reason for the audit, trimmed; null when none is given. */
export function reasonOf(reason: string | undefined): string | null {
  const r = reason?.trim() ?? ''
  if (r.length > MAX_REASON) throw new InvalidInput(`a reason is at most ${MAX_REASON} characters`)
  return r === '' ? null : r
}

export async function existingOrganization(store: Store, id: string): Promise<OrganizationRow> {
  const org = await store.getOrganization(id)
  if (org === null) throw new NotFoundInput('there is no such organization')
  return org
}

export async function existingUser(store: Store, id: string): Promise<UserRow> {
  const u = await store.getUserById(id)
  if (u === null) throw new NotFoundInput('there is no such user')
  return u
}

async function project(store: Store, id: string): Promise<ProjectRow> {
  const p = await store.getProject(id)
  if (p === null) throw new NotFoundInput('there is no such project')
  return p
}

// organizations and certifications

export async function renameOrganization(store: Store, id: string, name: string, by: Actor): Promise<OrganizationRow> {
  const org = await existingOrganization(store, id)
  const next = checkName('an organization name', name)
  if (next === org.name) return org
  const other = await store.getOrganizationByName(next)
  if (other !== null) throw new ConflictingInput(`an organization named "${next}" exists`)
  await store.renameOrganization(id, next, {
    actor: by.actor,
    sourceIp: by.sourceIp,
    action: 'organization.rename',
    target: id,
    outcome: 'success',
    details: { from: org.name, to: next }
  })
  return { ...org, name: next }
}

/**
 * Suspends or reinstates an organization. Suspension revokes its members' sign-ins in the same
 * transaction; their running sessions are ended by the session service (see endLapsed).
 */
export async function setOrganizationSuspended(
  store: Store,
  id: string,
  suspended: boolean,
  reason: string | undefined,
  by: Actor
): Promise<OrganizationRow> {
  const org = await existingOrganization(store, id)
  const why = reasonOf(reason)
  const status = suspended ? 'suspended' : 'active'
  if (org.status === status) {
    throw new ConflictingInput(`${org.name} is ${suspended ? 'already suspended' : 'not suspended'}`)
  }
  if (suspended && by.userId !== null) {
    const self = await store.getUserById(by.userId)
    if (self?.organizationId === id) throw new ConflictingInput('you cannot suspend your own organization')
  }
  const members = await store.listOrganizationMembers(id)
  await store.setOrganizationStatus(id, status, {
    actor: by.actor,
    sourceIp: by.sourceIp,
    action: suspended ? 'organization.suspend' : 'organization.reinstate',
    target: id,
    outcome: 'success',
    details: {
      name: org.name,
      reason: why,
      ...(suspended ? { signInsRevokedFor: members.map((m) => m.username) } : {})
    }
  })
  return { ...org, status }
}

export interface CertificationInput {
  number: string
  validFrom: string
  validTo: string
  status: CertificationStatus
}

/**
 * Records an organization's certification as it now stands: renewed (a new number or dates),
 * suspended or revoked by the certifying authority, or active again.
 */
export async function setCertification(
  store: Store,
  organizationId: string,
  input: CertificationInput,
  reason: string | undefined,
  by: Actor
): Promise<CertificationRow> {
  const org = await existingOrganization(store, organizationId)
  checkCertificationNumber(input.number)
  checkDates(['valid-from', 'valid-to'], input.validFrom, input.validTo)
  const why = reasonOf(reason)
  const holder = await certificationHolder(store, input.number)
  if (holder !== null && holder.id !== organizationId) {
    throw new ConflictingInput(`the certification ${input.number} is held by ${holder.name}`)
  }
  const before = await store.getCertification(organizationId)
  return store.setCertification(
    { organizationId, ...input },
    {
      actor: by.actor,
      sourceIp: by.sourceIp,
      action: 'certification.set',
      target: organizationId,
      outcome: 'success',
      details: {
        organization: org.name,
        before:
          before === null
            ? null
            : { number: before.number, validFrom: before.validFrom, validTo: before.validTo, status: before.status },
        after: input,
        reason: why
      }
    }
  )
}

// projects

export interface ProjectEdit {
  title?: string
  purpose?: string
  approvalReference?: string
  startDate?: string
  endDate?: string
}

export async function editProject(store: Store, id: string, edit: ProjectEdit, by: Actor): Promise<ProjectRow> {
  const p = await project(store, id)
  const changes: ProjectChanges = {}
  if (edit.title !== undefined) {
    const title = checkName('a project title', edit.title)
    if (title !== p.title) {
      if ((await store.getProjectByTitle(title)) !== null)
        throw new ConflictingInput(`a project titled "${title}" exists`)
      changes.title = title
    }
  }
  if (edit.purpose !== undefined && edit.purpose.trim() !== p.purpose) changes.purpose = edit.purpose.trim()
  if (edit.approvalReference !== undefined) {
    const ref = edit.approvalReference.trim()
    if (ref === '') throw new InvalidInput('the ethics/approval reference is required')
    if (ref !== p.approvalReference) changes.approvalReference = ref
  }
  const startDate = edit.startDate ?? p.startDate
  const endDate = edit.endDate ?? p.endDate
  checkDates(['the start date', 'the end date'], startDate, endDate)
  if (startDate !== p.startDate) changes.startDate = startDate
  if (endDate !== p.endDate) changes.endDate = endDate
  if (Object.keys(changes).length === 0) return p
  return store.updateProject(id, changes, {
    actor: by.actor,
    sourceIp: by.sourceIp,
    action: 'project.update',
    target: id,
    outcome: 'success',
    details: Object.fromEntries(
      Object.entries(changes).map(([k, v]) => [k, { from: p[k as keyof ProjectChanges], to: v }])
    )
  })
}

export async function setProjectMember(
  store: Store,
  projectId: string,
  userId: string,
  member: boolean,
  by: Actor
): Promise<void> {
  const p = await project(store, projectId)
  const u = await existingUser(store, userId)
  if (member) {
    const problem = memberProblem(u)
    // an administrator is refused as a clash of roles (one never both administers and works in the data)
    if (problem !== null) throw u.roles.includes('admin') ? new ConflictingInput(problem) : new InvalidInput(problem)
  }
  const changed = await store.setProjectMember(projectId, userId, member, {
    actor: by.actor,
    sourceIp: by.sourceIp,
    action: member ? 'project.member_add' : 'project.member_remove',
    target: projectId,
    outcome: 'success',
    details: { project: p.title, user: userId, username: u.username }
  })
  if (!changed) {
    throw new ConflictingInput(
      member ? `${u.username} is already a member of "${p.title}"` : `${u.username} is not a member of "${p.title}"`
    )
  }
}

export async function setProjectDataset(
  store: Store,
  projectId: string,
  datasetId: string,
  granted: boolean,
  by: Actor
): Promise<void> {
  const p = await project(store, projectId)
  const dataset = (await store.listDatasets()).find((d) => d.id === datasetId)
  if (dataset === undefined) throw new NotFoundInput('there is no such dataset')
  if (granted) {
    const other = await projectHoldingDataset(store, datasetId, projectId)
    if (other !== null) throw new ConflictingInput(heldElsewhere(dataset.name, other))
  }
  const changed = await store.setProjectDataset(projectId, datasetId, granted, {
    actor: by.actor,
    sourceIp: by.sourceIp,
    action: granted ? 'project.dataset_grant' : 'project.dataset_revoke',
    target: projectId,
    outcome: 'success',
    details: { project: p.title, dataset: datasetId, name: dataset.name }
  })
  if (!changed) {
    throw new ConflictingInput(
      granted ? `${dataset.name} is already granted to "${p.title}"` : `${dataset.name} is not granted to "${p.title}"`
    )
  }
}
