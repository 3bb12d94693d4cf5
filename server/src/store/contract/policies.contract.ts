import { describe, expect, it } from 'vitest'
import type { AuditStore } from '../audit-log.js'
import type { PolicyStore } from '../policies.js'
import type { ProjectStore } from '../projects.js'
import { newProject } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = PolicyStore & ProjectStore & AuditStore

export const policyReads = ['listPolicies', 'getPolicyVersion', 'listPolicyVersions', 'listProjectPolicies'] as const
export const policyMutations = ['addPolicyVersion', 'setProjectPolicy'] as const
true satisfies Covers<PolicyStore, (typeof policyReads)[number] | (typeof policyMutations)[number]>

const version = (yaml: string, name = 'p') => ({
  name,
  yaml,
  author: 'admin',
  comment: null,
  diff: '',
  source: null,
  sourceSha256: null
})

/** The policy aggregate: every version of every named policy, and which projects work under which. */
export function policyStoreContract(make: MakeStore<S>): void {
  describe('policy store contract', () => {
    const withStore = using(make)

    it(
      'takes an audit event with every mutation, in its transaction: nothing is written when the record cannot be',
      withStore(async (h) => {
        const { store } = h
        const project = await newProject(store)
        const steps: Record<(typeof policyMutations)[number], MutationStep> = {
          addPolicyVersion: () => store.addPolicyVersion(version('name: p1\n', 'p1'), 0, ev('addPolicyVersion')),
          setProjectPolicy: () => store.setProjectPolicy(project.id, 'p1', ev('setProjectPolicy'))
        }
        const observe = async () => ({
          policies: await store.listPolicies(),
          versions: await store.listPolicyVersions('p1'),
          projects: await store.listProjectPolicies()
        })
        await expectEveryMutationAudited(h, steps, observe)
        expect((await store.listProjectPolicies()).map((a) => [a.projectId, a.policyName])).toEqual([
          [project.id, 'p1']
        ])
      })
    )

    it(
      'adds a version only on top of the version it was based on, and writes nothing otherwise',
      withStore(async ({ store }) => {
        const first = await store.addPolicyVersion(version('v: 1\n'), 0, ev('policy.update'))
        expect(first).toMatchObject({ saved: { name: 'p', version: 1 } })
        // a second "create" and an edit of version 0 both lose: the policy is at 1
        expect(await store.addPolicyVersion(version('v: 2\n'), 0, ev('policy.update'))).toEqual({ conflict: 1 })
        const second = await store.addPolicyVersion(version('v: 2\n'), 1, ev('policy.update'))
        expect(second).toMatchObject({ saved: { version: 2 } })
        const auditBefore = (await store.recentAudit(1))[0]!.seq
        expect(await store.addPolicyVersion(version('v: 3\n'), 1, ev('policy.update'))).toEqual({ conflict: 2 })
        // the refused save left neither a version nor an audit record behind
        expect((await store.recentAudit(1))[0]!.seq).toBe(auditBefore)
        expect((await store.listPolicyVersions('p')).map((v) => [v.version, v.yaml])).toEqual([
          [2, 'v: 2\n'],
          [1, 'v: 1\n']
        ])
        expect((await store.getPolicyVersion('p'))!.version).toBe(2)
        expect((await store.getPolicyVersion('p', 1))!.yaml).toBe('v: 1\n')
        expect((await store.listPolicies()).map((p) => [p.name, p.version])).toEqual([['p', 2]])
      })
    )

    it(
      'assigns a project only a policy that exists, and returns it to the default with null',
      withStore(async ({ store }) => {
        const project = await newProject(store)
        await expect(store.setProjectPolicy(project.id, 'nope', ev('project.policy'))).rejects.toThrow(/no policy nope/)
        expect(await store.listProjectPolicies()).toEqual([])
        await store.addPolicyVersion(version('v: 1\n'), 0, ev('policy.update'))
        await store.setProjectPolicy(project.id, 'p', ev('project.policy'))
        expect((await store.listProjectPolicies()).map((a) => [a.projectId, a.policyName])).toEqual([[project.id, 'p']])
        await store.setProjectPolicy(project.id, null, ev('project.policy'))
        expect(await store.listProjectPolicies()).toEqual([])
      })
    )
  })
}
