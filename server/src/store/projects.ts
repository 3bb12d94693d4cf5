import type { AuditEvent } from '../audit/record.js'

/** The projects-and-datasets aggregate: projects, their members, and the datasets granted to them. */

export interface DatasetRow {
  id: string
  name: string
  description: string
  /** the DuckDB file, relative to the data directory; null until one is attached */
  file: string | null
}

export interface ProjectRow {
  id: string
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
  createdAt: string
}

export interface ProjectWithDatasets extends ProjectRow {
  datasets: DatasetRow[]
}

export interface NewProject {
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
  memberIds: string[]
  datasetIds: string[]
}

export type ProjectChanges = Partial<
  Pick<ProjectRow, 'title' | 'purpose' | 'approvalReference' | 'startDate' | 'endDate'>
>

export interface ProjectStore {
  createDataset(name: string, description: string, audit: AuditEvent): Promise<DatasetRow>
  getDatasetByName(name: string): Promise<DatasetRow | null>
  setDatasetFile(datasetId: string, file: string, audit: AuditEvent): Promise<void>
  listDatasets(): Promise<DatasetRow[]>
  /** The project a dataset is granted to (at most one: its pseudonyms are that project's), or null. */
  getDatasetProject(datasetId: string): Promise<ProjectRow | null>

  createProject(project: NewProject, audit: AuditEvent): Promise<ProjectRow>
  getProjectByTitle(title: string): Promise<ProjectRow | null>
  listProjectsForUser(userId: string): Promise<ProjectWithDatasets[]>
  getProject(id: string): Promise<ProjectWithDatasets | null>
  listProjects(): Promise<ProjectRow[]>
  isProjectMember(projectId: string, userId: string): Promise<boolean>
  updateProject(projectId: string, changes: ProjectChanges, audit: AuditEvent): Promise<ProjectRow>
  /** Adds (`member`) or removes a member; false, with nothing written, when that was so already. */
  setProjectMember(projectId: string, userId: string, member: boolean, audit: AuditEvent): Promise<boolean>
  /** Grants or revokes a dataset; false, with nothing written, when that was so already. */
  setProjectDataset(projectId: string, datasetId: string, granted: boolean, audit: AuditEvent): Promise<boolean>
  listProjectMemberIds(projectId: string): Promise<string[]>
}
