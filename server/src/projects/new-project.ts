import type { AuditEvent } from '../audit/record.js'
import { checkDates, checkName, ConflictingInput, InvalidInput } from '../identity/input-checks.js'
import type { ProjectRow, Store, UserRow } from '../store/types.js'
import { heldElsewhere, projectHoldingDataset } from './dataset-owner.js'

export interface NewProjectInput {
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
  members: string[]
  datasets: string[]
}

export async function createProject(
  store: Store,
  input: NewProjectInput,
  audit: Omit<AuditEvent, 'action' | 'target' | 'outcome'>
): Promise<ProjectRow> {
  if (input.title.trim() === '') throw new InvalidInput('a project title is required')
  checkName('a project title', input.title)
  if (input.approvalReference.trim() === '') throw new InvalidInput('the ethics/approval reference is required')
  checkDates(['the start date', 'the end date'], input.startDate, input.endDate)
  if ((await store.getProjectByTitle(input.title)) !== null)
    throw new InvalidInput(`a project titled "${input.title}" exists`)
  const memberIds: string[] = []
  for (const name of input.members) {
    const u = await store.getUserByUsername(name)
    if (u === null) throw new InvalidInput(`there is no user ${name}`)
    const problem = memberProblem(u)
    if (problem !== null) throw u.roles.includes('admin') ? new ConflictingInput(problem) : new InvalidInput(problem)
    memberIds.push(u.id)
  }
  const datasetIds: string[] = []
  for (const name of input.datasets) {
    const d = await store.getDatasetByName(name)
    if (d === null) throw new InvalidInput(`there is no dataset ${name}`)
    const other = await projectHoldingDataset(store, d.id, null)
    if (other !== null) throw new InvalidInput(heldElsewhere(name, other))
    datasetIds.push(d.id)
  }
  return store.createProject(
    { ...input, memberIds, datasetIds },
    {
      ...audit,
      action: 'project.create',
      target: null,
      outcome: 'success',
      details: { title: input.title, members: input.members, datasets: input.datasets }
    }
  )
}

/** Why `user` cannot be a project member, or null: only researchers work in projects, and never an administrator. */
export function memberProblem(user: Pick<UserRow, 'username' | 'roles'>): string | null {
  if (user.roles.includes('admin')) {
    return `${user.username} is an administrator: an administrator is never a project member, or they could admit themselves to its data`
  }
  return user.roles.includes('researcher')
    ? null
    : `${user.username} does not have the researcher role; only researchers are project members`
}
