import { createProject, type NewProjectInput } from './new-project.js'
import { administered, type EnforceNow } from '../identity/administered.js'
import {
  type Actor,
  editProject,
  type ProjectEdit,
  setProjectDataset,
  setProjectMember
} from '../identity/administration.js'
import { dayIn } from '../identity/calendar.js'
import type { Policy } from '../policy/schema.js'
import type { Static } from 'typebox'
import type { AdminDataset, AdminProject } from '../schemas/admin-identity.js'
import { DEFAULT_RETENTION_DAYS } from '../sessions/session-service.js'
import type { Store } from '../store/types.js'
import { projectView } from './project-views.js'

export interface ProjectDeps {
  store: Store
  /** the platform policy in force: its workspace retention dates a project's saved workspaces */
  policy: () => Policy
  now: () => Date
  timeZone: string
  dataDir: string
  enforceNow: EnforceNow
  /** ends a project's live sessions for a reason not about the researcher (a dataset revoked) */
  endProjectSessions: (
    projectId: string,
    reason: string,
    by: { actor: string; sourceIp: string | null }
  ) => Promise<unknown>
}

/**
 * Research projects: their dates and approval, members and granted datasets. Every change is
 * audited with its store write, every refusal audited (identity/administered.ts). A change that
 * ends someone's right to work (dates, membership) ends their live sessions at once; a dataset
 * revoked ends the project's live sessions, whose sandboxes hold a copy of it.
 */
export function createProjectService(deps: ProjectDeps) {
  const { store } = deps
  const view = (projectId: string) =>
    projectView(
      store,
      {
        today: dayIn(deps.now(), deps.timeZone),
        retentionDays: deps.policy().sandbox.workspaceRetentionDays ?? DEFAULT_RETENTION_DAYS,
        dataDir: deps.dataDir
      },
      projectId
    )

  return {
    /** a project as stored, with its granted datasets; null if there is none */
    find: (id: string) => store.getProject(id),

    async projects(): Promise<AdminProject[]> {
      return Promise.all((await store.listProjects()).map((p) => view(p.id)))
    },

    async create(input: NewProjectInput, by: Actor): Promise<AdminProject> {
      const project = await administered(store, by, 'project.create', null, () =>
        createProject(store, input, { actor: by.actor, sourceIp: by.sourceIp })
      )
      return view(project.id)
    },

    async edit(id: string, edit: ProjectEdit, by: Actor): Promise<AdminProject> {
      const project = await administered(store, by, 'project.update', id, () => editProject(store, id, edit, by))
      await deps.enforceNow()
      return view(project.id)
    },

    async setMember(id: string, userId: string, member: boolean, by: Actor): Promise<AdminProject> {
      await administered(store, by, member ? 'project.member_add' : 'project.member_remove', id, () =>
        setProjectMember(store, id, userId, member, by)
      )
      // a member removed stops working; a reviewer made a member stops counting
      await deps.enforceNow(by)
      return view(id)
    },

    async setDataset(id: string, datasetId: string, granted: boolean, by: Actor): Promise<AdminProject> {
      await administered(store, by, granted ? 'project.dataset_grant' : 'project.dataset_revoke', id, () =>
        setProjectDataset(store, id, datasetId, granted, by)
      )
      if (!granted) {
        // the project's running sandboxes hold a copy of the dataset
        const name = (await store.listDatasets()).find((d) => d.id === datasetId)?.name ?? datasetId
        await deps.endProjectSessions(id, `the dataset ${name} was revoked from the project`, {
          actor: by.actor,
          sourceIp: by.sourceIp
        })
      }
      return view(id)
    },

    /** Every dataset, whether a file is attached, and the project it is granted to. */
    async datasets(): Promise<Static<typeof AdminDataset>[]> {
      const grantedTo = new Map<string, string>()
      for (const p of await store.listProjects()) {
        for (const d of (await store.getProject(p.id))?.datasets ?? []) grantedTo.set(d.id, p.id)
      }
      return (await store.listDatasets()).map((d) => ({
        id: d.id,
        name: d.name,
        description: d.description,
        available: d.file !== null,
        projectId: grantedTo.get(d.id) ?? null
      }))
    }
  }
}

export type ProjectService = ReturnType<typeof createProjectService>
