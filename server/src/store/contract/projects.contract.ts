import { describe, expect, it } from 'vitest'
import type { AuditStore } from '../audit-log.js'
import type { AccountStore } from '../identity.js'
import type { ProjectStore } from '../projects.js'
import { newProject, newUser } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = ProjectStore & AccountStore & AuditStore

export const projectReads = [
  'getDatasetByName',
  'listDatasets',
  'getDatasetProject',
  'getProjectByTitle',
  'listProjectsForUser',
  'getProject',
  'listProjects',
  'isProjectMember',
  'listProjectMemberIds'
] as const
export const projectMutations = [
  'createDataset',
  'setDatasetFile',
  'createProject',
  'updateProject',
  'setProjectMember',
  'setProjectDataset'
] as const
true satisfies Covers<ProjectStore, (typeof projectReads)[number] | (typeof projectMutations)[number]>

/** The projects-and-datasets aggregate: projects, their members, and the datasets granted to them. */
export function projectStoreContract(make: MakeStore<S>): void {
  describe('project store contract', () => {
    const withStore = using(make)

    it(
      'takes an audit event with every mutation, in its transaction: nothing is written when the record cannot be',
      withStore(async (h) => {
        const { store } = h
        const user = await newUser(store, 'u1')
        const project = async () => (await store.getProjectByTitle('P'))!
        const dataset = async () => (await store.getDatasetByName('d1'))!
        const steps: Record<(typeof projectMutations)[number], MutationStep> = {
          createDataset: () => store.createDataset('d1', 'desc', ev('createDataset')),
          setDatasetFile: async () =>
            store.setDatasetFile((await dataset()).id, 'datasets/d1.duckdb', ev('setDatasetFile')),
          createProject: () =>
            store.createProject(
              {
                title: 'P',
                purpose: 'p',
                approvalReference: 'a',
                startDate: '2026-01-01',
                endDate: '2026-12-31',
                memberIds: [],
                datasetIds: []
              },
              ev('createProject')
            ),
          updateProject: async () => store.updateProject((await project()).id, { purpose: 'p2' }, ev('updateProject')),
          setProjectMember: async () =>
            store.setProjectMember((await project()).id, user.id, true, ev('setProjectMember')),
          setProjectDataset: async () =>
            store.setProjectDataset((await project()).id, (await dataset()).id, true, ev('setProjectDataset'))
        }
        const observe = async () => {
          const projects = await store.listProjects()
          return {
            projects: await Promise.all(projects.map((p) => store.getProject(p.id))),
            members: await Promise.all(projects.map((p) => store.listProjectMemberIds(p.id))),
            datasets: await store.listDatasets(),
            grants: await Promise.all((await store.listDatasets()).map((d) => store.getDatasetProject(d.id))),
            forUser: await store.listProjectsForUser(user.id)
          }
        }
        await expectEveryMutationAudited(h, steps, observe)
        const p = (await store.getProject((await project()).id))!
        expect(p).toMatchObject({ purpose: 'p2', datasets: [{ name: 'd1', file: 'datasets/d1.duckdb' }] })
        expect(await store.isProjectMember(p.id, user.id)).toBe(true)
        expect((await store.listProjectsForUser(user.id)).map((x) => x.title)).toEqual(['P'])
      })
    )

    it(
      'adds or removes a member or dataset once: false, with nothing written, when that was so already',
      withStore(async (h) => {
        const { store } = h
        const user = await newUser(store, 'u1')
        const p = await newProject(store)
        expect(await store.setProjectMember(p.id, user.id, true, ev('project.member_add'))).toBe(true)
        const before = (await store.recentAudit(1))[0]!.seq
        expect(await store.setProjectMember(p.id, user.id, true, ev('project.member_add'))).toBe(false)
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        expect(await store.setProjectMember(p.id, user.id, false, ev('project.member_remove'))).toBe(true)
        expect(await store.setProjectMember(p.id, user.id, false, ev('project.member_remove'))).toBe(false)
        expect(await store.listProjectMemberIds(p.id)).toEqual([])
      })
    )

    it(
      'grants a dataset to one project at most, and refuses a second project or a second title, writing nothing',
      withStore(async (h) => {
        const { store } = h
        const d = await store.createDataset('d1', 'desc', ev('dataset.create'))
        const p = await newProject(store, 'P')
        const q = await newProject(store, 'Q')
        await store.setProjectDataset(p.id, d.id, true, ev('project.dataset_grant'))
        const before = (await store.recentAudit(1))[0]!.seq
        await expect(store.setProjectDataset(q.id, d.id, true, ev('project.dataset_grant'))).rejects.toThrow()
        await expect(newProject(store, 'P')).rejects.toThrow()
        await expect(store.createDataset('d1', 'again', ev('dataset.create'))).rejects.toThrow()
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        expect((await store.getDatasetProject(d.id))!.id).toBe(p.id)
        expect((await store.listProjects()).map((x) => x.title)).toEqual(['P', 'Q'])
      })
    )
  })
}
