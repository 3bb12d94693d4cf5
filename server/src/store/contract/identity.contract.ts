import { describe, expect, it } from 'vitest'
import { AuditWriteFailed } from '../../audit/record.js'
import type { AuditStore } from '../audit-log.js'
import { CredentialsWithdrawn, type IdentityStore, type LoginCompletion, TotpReplayError } from '../identity.js'
import { AccountChangedMeanwhile, userFingerprint } from '../pending-changes.js'
import { enrolmentRow, newUser } from './fixtures.js'
import { type Covers, ev, expectEveryMutationAudited, type MakeStore, type MutationStep, using } from './harness.js'

type S = IdentityStore & AuditStore

export const identityReads = [
  'getOrganization',
  'getOrganizationByName',
  'listOrganizations',
  'getCertification',
  'getUserById',
  'getUserByUsername',
  'listUsers',
  'listOrganizationMembers',
  'loginFailures',
  'hasSignedInFrom',
  'getAuthSession',
  'getAuthSessionWithUser',
  'getRefreshToken'
] as const
export const identityMutations = [
  'createOrganization',
  'setCertification',
  'renameOrganization',
  'setOrganizationStatus',
  'createUser',
  'setUserStatus',
  'updateUser',
  'resetUserCredentials',
  'recordLoginFailure',
  'completeLogin',
  'rotateRefreshToken',
  'revokeAuthSession'
] as const
true satisfies Covers<IdentityStore, (typeof identityReads)[number] | (typeof identityMutations)[number]>

const login = (userId: string, passwordHash: string, totpStep: number, id = 's1'): LoginCompletion => {
  const t = new Date().toISOString()
  return {
    userId,
    passwordHash,
    totpStep,
    session: { id, userId, createdAt: t, expiresAt: t, revokedAt: null, revokeReason: null, sourceIp: '10.0.0.1' },
    refresh: { tokenHash: `${id}-h1`, sessionId: id, issuedAt: t, expiresAt: t, usedAt: null }
  }
}

/** The identity aggregate: organizations, certifications, accounts and sign-ins. */
export function identityStoreContract(make: MakeStore<S>): void {
  describe('identity store contract', () => {
    const withStore = using(make)

    it(
      'takes an audit event with every mutation, in its transaction: nothing is written when the record cannot be',
      withStore(async (h) => {
        const store = h.store
        const org = await store.createOrganization('Org', ev('organization.create'))
        const u1 = async () => (await store.getUserByUsername('u1'))!
        const steps: Record<(typeof identityMutations)[number], MutationStep> = {
          createOrganization: () => store.createOrganization('Org 2', ev('createOrganization')),
          setCertification: () =>
            store.setCertification(
              {
                organizationId: org.id,
                number: 'T2-1',
                validFrom: '2026-01-01',
                validTo: '2027-01-01',
                status: 'active'
              },
              ev('setCertification')
            ),
          createUser: () =>
            store.createUser(
              {
                username: 'u1',
                displayName: 'U',
                organizationId: org.id,
                roles: ['researcher'],
                passwordHash: 'h',
                totpSecretSealed: 's'
              },
              ev('createUser')
            ),
          recordLoginFailure: () =>
            store.recordLoginFailure({ username: 'u1', sourceIp: null }, ev('recordLoginFailure')),
          completeLogin: async () => store.completeLogin(login((await u1()).id, 'h', 1), ev('completeLogin')),
          rotateRefreshToken: () =>
            store.rotateRefreshToken(
              's1-h1',
              { tokenHash: 's1-h2', sessionId: 's1', issuedAt: 'x', expiresAt: 'x', usedAt: null },
              ev('rotateRefreshToken')
            ),
          revokeAuthSession: () => store.revokeAuthSession('s1', 'test', ev('revokeAuthSession')),
          updateUser: async () => store.updateUser((await u1()).id, { displayName: 'U 2' }, ev('updateUser')),
          setUserStatus: async () => store.setUserStatus((await u1()).id, 'suspended', ev('setUserStatus')),
          // a reset leaves the account unable to sign in until it enrols again
          resetUserCredentials: async () =>
            store.resetUserCredentials((await u1()).id, enrolmentRow((await u1()).id, 'c'), ev('resetUserCredentials')),
          renameOrganization: () => store.renameOrganization(org.id, 'Org renamed', ev('renameOrganization')),
          setOrganizationStatus: () => store.setOrganizationStatus(org.id, 'suspended', ev('setOrganizationStatus'))
        }
        const observe = async () => ({
          organizations: await store.listOrganizations(),
          certification: await store.getCertification(org.id),
          users: await store.listUsers(),
          members: await store.listOrganizationMembers(org.id),
          failures: await store.loginFailures({ username: 'u1', sourceIp: null }, new Date(0)),
          session: await store.getAuthSession('s1'),
          tokens: [await store.getRefreshToken('s1-h1'), await store.getRefreshToken('s1-h2')]
        })
        await expectEveryMutationAudited(h, steps, observe)
        const user = (await u1())!
        expect([user.displayName, user.status, user.passwordHash, user.enrolledAt]).toEqual([
          'U 2',
          'suspended',
          '',
          null
        ])
        expect((await store.getOrganization(org.id))!).toMatchObject({ name: 'Org renamed', status: 'suspended' })
        expect((await store.getAuthSession('s1'))!.revokedAt).not.toBeNull()
      })
    )

    it(
      'rolls the change back when its audit record cannot be written',
      withStore(async (h) => {
        h.failAuditWrites()
        await expect(h.store.createOrganization('Org', ev('organization.create'))).rejects.toThrow(/audit write failed/)
        await expect(h.store.createOrganization('Org', ev('organization.create'))).rejects.toBeInstanceOf(
          AuditWriteFailed
        )
        h.restoreAuditWrites()
        expect(await h.store.getOrganizationByName('Org')).toBeNull()
      })
    )

    it(
      'refuses a second organization or account of the same name, writing nothing',
      withStore(async (h) => {
        const { store } = h
        await store.createOrganization('Org', ev('organization.create'))
        await newUser(store, 'ana')
        const before = (await store.recentAudit(1))[0]!.seq
        await expect(store.createOrganization('Org', ev('organization.create'))).rejects.toThrow()
        await expect(newUser(store, 'ana')).rejects.toThrow()
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        expect((await store.listOrganizations()).map((o) => o.name)).toEqual(['Org'])
        expect((await store.listUsers()).map((u) => u.username)).toEqual(['ana'])
      })
    )

    it(
      'suspending an organization ends the sign-ins of its members in the same write',
      withStore(async (h) => {
        const { store } = h
        const org = await store.createOrganization('Org', ev('organization.create'))
        const u = await store.createUser(
          {
            username: 'm',
            displayName: 'M',
            organizationId: org.id,
            roles: ['researcher'],
            passwordHash: 'h',
            totpSecretSealed: 's'
          },
          ev('user.create')
        )
        await store.completeLogin(login(u.id, 'h', 1), ev('auth.login'))
        expect(await store.hasSignedInFrom(u.id, '10.0.0.1', new Date(0))).toBe(true)
        await store.setOrganizationStatus(org.id, 'suspended', ev('organization.suspend'))
        expect(await store.getAuthSessionWithUser('s1')).toMatchObject({
          session: { revokeReason: 'organization suspended' },
          user: { id: u.id }
        })
      })
    )

    it(
      'refuses a replayed code and credentials replaced meanwhile at sign-in, writing nothing',
      withStore(async (h) => {
        const { store } = h
        const u = await newUser(store, 'ana')
        await store.completeLogin(login(u.id, 'h', 5), ev('auth.login'))
        const before = (await store.recentAudit(1))[0]!.seq
        await expect(store.completeLogin(login(u.id, 'h', 5, 's2'), ev('auth.login'))).rejects.toBeInstanceOf(
          TotpReplayError
        )
        await expect(store.completeLogin(login(u.id, 'other', 6, 's3'), ev('auth.login'))).rejects.toBeInstanceOf(
          CredentialsWithdrawn
        )
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        expect(await store.getAuthSession('s2')).toBeNull()
        expect(await store.getAuthSession('s3')).toBeNull()
        // a refresh token is used once: the second rotation loses, writing nothing
        const next = { tokenHash: 'n', sessionId: 's1', issuedAt: 'x', expiresAt: 'x', usedAt: null }
        expect(await store.rotateRefreshToken('s1-h1', next, ev('auth.refresh'))).toBe(true)
        expect(await store.rotateRefreshToken('s1-h1', { ...next, tokenHash: 'n2' }, ev('auth.refresh'))).toBe(false)
        expect(await store.getRefreshToken('n2')).toBeNull()
      })
    )

    it(
      'refuses an account change checked against an account that changed since, writing nothing',
      withStore(async (h) => {
        const { store } = h
        const u = await newUser(store, 'ana')
        const fingerprint = userFingerprint(u)
        await store.updateUser(u.id, { displayName: 'Ana B' }, ev('user.update'))
        const before = (await store.recentAudit(1))[0]!.seq
        await expect(
          store.updateUser(u.id, { roles: ['reviewer'] }, ev('user.update'), fingerprint)
        ).rejects.toBeInstanceOf(AccountChangedMeanwhile)
        await expect(
          store.resetUserCredentials(u.id, enrolmentRow(u.id, 'a'), ev('user.credentials_reset'), fingerprint)
        ).rejects.toBeInstanceOf(AccountChangedMeanwhile)
        expect((await store.recentAudit(1))[0]!.seq).toBe(before)
        expect((await store.getUserById(u.id))!).toMatchObject({ roles: ['researcher'], passwordHash: 'h' })
      })
    )
  })
}
