import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '../../audit/record.js'
import type {
  DatasetRow,
  NewProject,
  ProjectChanges,
  ProjectRow,
  ProjectStore,
  ProjectWithDatasets
} from '../projects.js'
import type { SqliteCore } from './core.js'
import { type Row, str, strOrNull } from './row.js'

function toProject(r: Row): ProjectRow {
  return {
    id: str(r.id),
    title: str(r.title),
    purpose: str(r.purpose),
    approvalReference: str(r.approval_reference),
    startDate: str(r.start_date),
    endDate: str(r.end_date),
    createdAt: str(r.created_at)
  }
}

function toDataset(r: Row): DatasetRow {
  return { id: str(r.id), name: str(r.name), description: str(r.description), file: strOrNull(r.file) }
}

/** Thrown inside a transaction to undo it: the link was already as asked. */
class AlreadySo extends Error {}

/** Projects, their members and their datasets on SQLite; every write goes through `audited`. */
export class SqliteProjectStore implements ProjectStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  async createDataset(name: string, description: string, audit: AuditEvent): Promise<DatasetRow> {
    const row = { id: randomUUID(), name, description, file: null }
    this.core.audited(audit, () =>
      this.q('INSERT INTO datasets (id, name, description, created_at) VALUES (?, ?, ?, ?)').run(
        row.id,
        name,
        description,
        this.core.now().toISOString()
      )
    )
    return row
  }

  async getDatasetByName(name: string): Promise<DatasetRow | null> {
    const r = this.q('SELECT id, name, description, file FROM datasets WHERE name = ?').get(name) as Row | undefined
    return r ? toDataset(r) : null
  }

  async setDatasetFile(datasetId: string, file: string, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () => {
      const changed = this.q('UPDATE datasets SET file = ? WHERE id = ?').run(file, datasetId)
      if (changed.changes !== 1) throw new Error(`no dataset ${datasetId}`)
    })
  }

  async listDatasets(): Promise<DatasetRow[]> {
    return (this.q('SELECT id, name, description, file FROM datasets ORDER BY name').all() as Row[]).map(toDataset)
  }

  async getDatasetProject(datasetId: string): Promise<ProjectRow | null> {
    const r = this.q(
      'SELECT p.* FROM projects p JOIN project_datasets pd ON pd.project_id = p.id WHERE pd.dataset_id = ?'
    ).get(datasetId) as Row | undefined
    return r ? toProject(r) : null
  }

  async createProject(project: NewProject, audit: AuditEvent): Promise<ProjectRow> {
    const row: ProjectRow = {
      id: randomUUID(),
      title: project.title,
      purpose: project.purpose,
      approvalReference: project.approvalReference,
      startDate: project.startDate,
      endDate: project.endDate,
      createdAt: this.core.now().toISOString()
    }
    this.core.audited({ ...audit, target: audit.target ?? row.id }, () => {
      this.q(
        `INSERT INTO projects (id, title, purpose, approval_reference, start_date, end_date, created_at)
           VALUES (@id, @title, @purpose, @approvalReference, @startDate, @endDate, @createdAt)`
      ).run(row)
      const member = this.q('INSERT INTO project_members (project_id, user_id) VALUES (?, ?)')
      for (const id of project.memberIds) member.run(row.id, id)
      const dataset = this.q('INSERT INTO project_datasets (project_id, dataset_id) VALUES (?, ?)')
      for (const id of project.datasetIds) dataset.run(row.id, id)
    })
    return row
  }

  async getProjectByTitle(title: string): Promise<ProjectRow | null> {
    const r = this.q('SELECT * FROM projects WHERE title = ?').get(title) as Row | undefined
    return r ? toProject(r) : null
  }

  async listProjectsForUser(userId: string): Promise<ProjectWithDatasets[]> {
    const projects = (
      this.q(
        `SELECT p.* FROM projects p JOIN project_members m ON m.project_id = p.id
           WHERE m.user_id = ? ORDER BY p.start_date, p.title`
      ).all(userId) as Row[]
    ).map(toProject)
    return projects.map((p) => ({ ...p, datasets: this.projectDatasets(p.id) }))
  }

  private projectDatasets(projectId: string): DatasetRow[] {
    return (
      this.q(
        `SELECT d.id, d.name, d.description, d.file FROM datasets d JOIN project_datasets pd ON pd.dataset_id = d.id
         WHERE pd.project_id = ? ORDER BY d.name`
      ).all(projectId) as Row[]
    ).map(toDataset)
  }

  async getProject(id: string): Promise<ProjectWithDatasets | null> {
    const r = this.q('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined
    return r ? { ...toProject(r), datasets: this.projectDatasets(id) } : null
  }

  async listProjects(): Promise<ProjectRow[]> {
    return (this.q('SELECT * FROM projects ORDER BY start_date, title').all() as Row[]).map(toProject)
  }

  async isProjectMember(projectId: string, userId: string): Promise<boolean> {
    return (
      this.q('SELECT 1 FROM project_members WHERE project_id = ? AND user_id = ?').get(projectId, userId) !== undefined
    )
  }

  async updateProject(projectId: string, changes: ProjectChanges, audit: AuditEvent): Promise<ProjectRow> {
    this.core.audited(audit, () => {
      const changed = this.q(
        `UPDATE projects SET title = coalesce(@title, title), purpose = coalesce(@purpose, purpose),
           approval_reference = coalesce(@approvalReference, approval_reference),
           start_date = coalesce(@startDate, start_date), end_date = coalesce(@endDate, end_date)
         WHERE id = @id`
      ).run({
        id: projectId,
        title: changes.title ?? null,
        purpose: changes.purpose ?? null,
        approvalReference: changes.approvalReference ?? null,
        startDate: changes.startDate ?? null,
        endDate: changes.endDate ?? null
      })
      if (changed.changes !== 1) throw new Error(`no project ${projectId}`)
    })
    return toProject(this.q('SELECT * FROM projects WHERE id = ?').get(projectId) as Row)
  }

  async setProjectMember(projectId: string, userId: string, member: boolean, audit: AuditEvent): Promise<boolean> {
    return this.setLink('project_members', 'user_id', projectId, userId, member, audit)
  }

  async setProjectDataset(projectId: string, datasetId: string, granted: boolean, audit: AuditEvent): Promise<boolean> {
    return this.setLink('project_datasets', 'dataset_id', projectId, datasetId, granted, audit)
  }

  private setLink(
    table: 'project_members' | 'project_datasets',
    column: 'user_id' | 'dataset_id',
    projectId: string,
    id: string,
    present: boolean,
    audit: AuditEvent
  ): boolean {
    try {
      this.core.audited(audit, () => {
        const changed = present
          ? // an existing link is no change; any other constraint (a dataset of another project) is an error
            this.q(
              `INSERT INTO ${table} (project_id, ${column}) VALUES (?, ?) ON CONFLICT (project_id, ${column}) DO NOTHING`
            ).run(projectId, id)
          : this.q(`DELETE FROM ${table} WHERE project_id = ? AND ${column} = ?`).run(projectId, id)
        if (changed.changes !== 1) throw new AlreadySo()
      })
      return true
    } catch (err) {
      if (err instanceof AlreadySo) return false
      throw err
    }
  }

  async listProjectMemberIds(projectId: string): Promise<string[]> {
    return (
      this.q('SELECT user_id FROM project_members WHERE project_id = ? ORDER BY user_id').all(projectId) as Row[]
    ).map((r) => str(r.user_id))
  }
}
