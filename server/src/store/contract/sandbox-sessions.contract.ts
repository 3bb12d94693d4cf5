import { describe, expect, it } from 'vitest'
import type { AuditStore } from '../audit-log.js'
import type { AccountStore } from '../identity.js'
import type { ProjectStore } from '../projects.js'
import type { SandboxSessionStore } from '../sandbox-sessions.js'
import { newProject, newUser, sandboxSession } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = SandboxSessionStore & ProjectStore & AccountStore & AuditStore

export const sandboxSessionReads = ['gatewayId', 'getSandboxSession', 'listSandboxSessions'] as const
export const sandboxSessionMutations = [
  'createSandboxSession',
  'transitionSandboxSession',
  'updateSandboxSessionLimits'
] as const
true satisfies Covers<
  SandboxSessionStore,
  (typeof sandboxSessionReads)[number] | (typeof sandboxSessionMutations)[number]
>

/** The sandbox-session aggregate: each analysis session from its start to its end. */
export function sandboxSessionStoreContract(make: MakeStore<S>): void {
  describe('sandbox session store contract', () => {
    const withStore = using(make)

    it(
      'takes an audit event with every mutation, in its transaction: nothing is written when the record cannot be',
      withStore(async (h) => {
        const { store } = h
        const user = await newUser(store, 'u1')
        const project = await newProject(store)
        const steps: Record<(typeof sandboxSessionMutations)[number], MutationStep> = {
          createSandboxSession: () =>
            store.createSandboxSession(sandboxSession('sb1', user.id, project.id), ev('createSandboxSession')),
          transitionSandboxSession: () =>
            store.transitionSandboxSession(
              'sb1',
              ['starting'],
              { state: 'running', sandboxId: 'c1' },
              ev('transitionSandboxSession')
            ),
          updateSandboxSessionLimits: () =>
            store.updateSandboxSessionLimits('sb1', { cpus: 2 }, ev('updateSandboxSessionLimits'))
        }
        await expectEveryMutationAudited(h, steps, () => store.listSandboxSessions({}))
        expect(await store.getSandboxSession('sb1')).toMatchObject({
          state: 'running',
          sandboxId: 'c1',
          limits: { cpus: 2 }
        })
      })
    )

    it(
      'lets only one of two racing transitions win, and the loser writes nothing',
      withStore(async (h) => {
        const { store } = h
        const user = await newUser(store, 'u1')
        const project = await newProject(store)
        await store.createSandboxSession(sandboxSession('sb1', user.id, project.id), ev('session.start'))
        expect(
          await store.transitionSandboxSession(
            'sb1',
            ['starting', 'running'],
            { state: 'stopping' },
            ev('session.stop')
          )
        ).toBe(true)
        const before = (await store.recentAudit(1))[0]!.seq
        expect(
          await store.transitionSandboxSession(
            'sb1',
            ['starting', 'running'],
            { state: 'stopping' },
            ev('session.stop')
          )
        ).toBe(false)
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        expect((await store.listSandboxSessions({ states: ['stopping'] })).map((s) => s.id)).toEqual(['sb1'])
        expect(await store.listSandboxSessions({ userId: 'someone else' })).toEqual([])
        // a second session of the same id is refused
        await expect(
          store.createSandboxSession(sandboxSession('sb1', user.id, project.id), ev('session.start'))
        ).rejects.toThrow()
      })
    )

    it(
      'keeps one gateway id across reads',
      withStore(async (h) => {
        const id = await h.store.gatewayId()
        expect(id).toEqual(expect.stringMatching(/\S/))
        expect(await h.store.gatewayId()).toBe(id)
      })
    )
  })
}
