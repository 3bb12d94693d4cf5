import { existsSync, readdirSync } from 'node:fs'
import { projectState } from '../identity/eligibility.js'
import type { AdminProject } from '../schemas/admin-identity.js'
import { projectWorkspaces } from '../sessions/workspace.js'
import type { Store } from '../store/types.js'

const addDays = (day: string, days: number) => {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** What a project's view reads besides the store: today, the workspace retention in force, where workspaces are kept. */
export interface ProjectViewContext {
  today: string
  retentionDays: number
  dataDir: string
}

/** A project as the console shows it: its state today, members, datasets and when its saved workspaces go. */
export async function projectView(store: Store, at: ProjectViewContext, projectId: string): Promise<AdminProject> {
  const project = (await store.getProject(projectId))!
  const members = []
  for (const id of await store.listProjectMemberIds(projectId)) {
    const u = await store.getUserById(id)
    if (u !== null) members.push({ id: u.id, username: u.username, displayName: u.displayName, status: u.status })
  }
  const dir = projectWorkspaces(at.dataDir, projectId)
  return {
    id: project.id,
    title: project.title,
    purpose: project.purpose,
    approvalReference: project.approvalReference,
    startDate: project.startDate,
    endDate: project.endDate,
    state: projectState(project, at.today),
    members: members.sort((a, b) => a.username.localeCompare(b.username)),
    datasets: project.datasets.map((d) => ({ id: d.id, name: d.name })),
    workspacesDeletedOn: addDays(project.endDate, at.retentionDays + 1),
    hasWorkspaces: existsSync(dir) && readdirSync(dir).length > 0,
    createdAt: project.createdAt
  }
}
