import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../audit/record.js'
import { verifyChain } from '../../audit/verify.js'
import type { EnrolmentRow } from '../enrolments.js'
import { SqliteStore } from './sqlite-store.js'

const keys = generateKeyPairSync('ed25519')
let dir: string
let store: SqliteStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-store-'))
  store = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: keys.privateKey })
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const ev = (action: string): AuditEvent => ({ actor: 'test', action, sourceIp: null, target: null, outcome: 'success' })

/** Methods that only read; every other method of the store is a mutation and must take an audit event. */
const READS = new Set([
  'findCellExport',
  'getAirlockRequest',
  'listAirlockRequests',
  'listReleasedFiles',
  'isDigestReferenced',
  'quarantineHoldings',
  'cellExportSourceBytes',
  'getOrganization',
  'getOrganizationByName',
  'listOrganizations',
  'getCertification',
  'getUserById',
  'getUserByUsername',
  'listUsers',
  'getDatasetByName',
  'getProjectByTitle',
  'getProject',
  'listProjects',
  'isProjectMember',
  'gatewayId',
  'getSandboxSession',
  'listSandboxSessions',
  'listPolicies',
  'getPolicyVersion',
  'listPolicyVersions',
  'listProjectPolicies',
  'listProjectsForUser',
  'listOrganizationMembers',
  'listDatasets',
  'getDatasetProject',
  'listProjectMemberIds',
  'loginFailures',
  'hasSignedInFrom',
  'getAuthSession',
  'getAuthSessionWithUser',
  'getRefreshToken',
  'auditRecords',
  'auditCheckpoints',
  'recentAudit',
  'searchAudit',
  'auditRange',
  'auditPages',
  'appendAudit',
  'close'
])

/** An enrolment link's row, its token hash made of `c`. */
const enrolmentRow = (userId: string, c: string, expiresAt = '2999-01-01T00:00:00.000Z'): EnrolmentRow => ({
  tokenHash: c.repeat(64),
  userId,
  purpose: 'reset',
  issuedBy: 'test',
  createdAt: new Date().toISOString(),
  expiresAt,
  totpSecretSealed: null,
  usedAt: null,
  revokedAt: null
})

describe('SqliteStore', () => {
  it('takes an audit event with every mutation and writes exactly one record for it', async () => {
    const org = await store.createOrganization('Org', ev('org'))
    const calls: Record<string, () => Promise<unknown>> = {
      createOrganization: () => store.createOrganization('Org 2', ev('createOrganization')),
      setCertification: () =>
        store.setCertification(
          { organizationId: org.id, number: 'T2-1', validFrom: '2026-01-01', validTo: '2027-01-01', status: 'active' },
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
      setUserStatus: async () =>
        store.setUserStatus((await store.getUserByUsername('u1'))!.id, 'suspended', ev('setUserStatus')),
      createDataset: () => store.createDataset('d1', 'desc', ev('createDataset')),
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
      renameOrganization: () => store.renameOrganization(org.id, 'Org renamed', ev('renameOrganization')),
      setOrganizationStatus: () => store.setOrganizationStatus(org.id, 'suspended', ev('setOrganizationStatus')),
      updateUser: async () =>
        store.updateUser((await store.getUserByUsername('u1'))!.id, { displayName: 'U 2' }, ev('updateUser')),
      updateProject: async () =>
        store.updateProject((await store.getProjectByTitle('P'))!.id, { purpose: 'p2' }, ev('updateProject')),
      setProjectMember: async () =>
        store.setProjectMember(
          (await store.getProjectByTitle('P'))!.id,
          (await store.getUserByUsername('u1'))!.id,
          true,
          ev('setProjectMember')
        ),
      setProjectDataset: async () =>
        store.setProjectDataset(
          (await store.getProjectByTitle('P'))!.id,
          (await store.getDatasetByName('d1'))!.id,
          true,
          ev('setProjectDataset')
        ),
      recordLoginFailure: () => store.recordLoginFailure({ username: 'u1', sourceIp: null }, ev('recordLoginFailure')),
      completeLogin: async () => {
        const u = (await store.getUserByUsername('u1'))!
        const t = new Date().toISOString()
        return store.completeLogin(
          {
            userId: u.id,
            passwordHash: u.passwordHash,
            totpStep: 1,
            session: {
              id: 's1',
              userId: u.id,
              createdAt: t,
              expiresAt: t,
              revokedAt: null,
              revokeReason: null,
              sourceIp: null
            },
            refresh: { tokenHash: 'h1', sessionId: 's1', issuedAt: t, expiresAt: t, usedAt: null }
          },
          ev('completeLogin')
        )
      },
      rotateRefreshToken: () =>
        store.rotateRefreshToken(
          'h1',
          { tokenHash: 'h2', sessionId: 's1', issuedAt: 'x', expiresAt: 'x', usedAt: null },
          ev('rotateRefreshToken')
        ),
      revokeAuthSession: () => store.revokeAuthSession('s1', 'test', ev('revokeAuthSession')),
      // after the sign-in above: a reset leaves the account unable to sign in until it enrols again
      resetUserCredentials: async () =>
        store.resetUserCredentials(
          (await store.getUserByUsername('u1'))!.id,
          enrolmentRow((await store.getUserByUsername('u1'))!.id, 'c'),
          ev('resetUserCredentials')
        ),
      setDatasetFile: async () =>
        store.setDatasetFile((await store.getDatasetByName('d1'))!.id, 'datasets/d1.duckdb', ev('setDatasetFile')),
      createSandboxSession: async () =>
        store.createSandboxSession(
          {
            id: 'sb1',
            userId: (await store.getUserByUsername('u1'))!.id,
            projectId: (await store.getProjectByTitle('P'))!.id,
            state: 'starting',
            reason: null,
            sandboxId: null,
            runtime: 'runsc',
            image: 'img',
            limits: {},
            createdAt: new Date().toISOString(),
            startedAt: null,
            endedAt: null
          },
          ev('createSandboxSession')
        ),
      transitionSandboxSession: () =>
        store.transitionSandboxSession(
          'sb1',
          ['starting'],
          { state: 'running', sandboxId: 'c1' },
          ev('transitionSandboxSession')
        ),
      recordCellExport: async () =>
        store.recordCellExport(
          {
            sha256: 'a'.repeat(64),
            sessionId: 'sb1',
            userId: (await store.getUserByUsername('u1'))!.id,
            name: 'n',
            language: 'sql',
            source: 'select 1',
            rows: 1,
            createdAt: new Date().toISOString()
          },
          ev('recordCellExport')
        ),
      updateSandboxSessionLimits: () =>
        store.updateSandboxSessionLimits('sb1', { cpus: 2 }, ev('updateSandboxSessionLimits')),
      addPolicyVersion: () =>
        store.addPolicyVersion(
          { name: 'p1', yaml: 'name: p1\n', author: 'test', comment: null, diff: '', source: null, sourceSha256: null },
          0,
          ev('addPolicyVersion')
        ),
      setProjectPolicy: async () =>
        store.setProjectPolicy((await store.getProjectByTitle('P'))!.id, 'p1', ev('setProjectPolicy'))
    }
    const methods = Object.getOwnPropertyNames(SqliteStore.prototype).filter(
      (m) =>
        m !== 'constructor' &&
        !m.startsWith('#') &&
        typeof (store as unknown as Record<string, unknown>)[m] === 'function'
    )
    const privateHelpers = new Set([
      'q',
      'projectDatasets',
      'migrate',
      'audited',
      'appendInTx',
      'appendChained',
      'insertRefresh',
      'insertUserInTx',
      'updateUserInTx',
      'resetCredentialsInTx',
      'expectAccount',
      'insertPolicyVersionInTx',
      'setProjectPolicyInTx',
      'setLink'
    ])
    const mutations = methods.filter((m) => !READS.has(m) && !privateHelpers.has(m))
    // a new mutation must be added to this test, so it can't skip the audit unnoticed
    expect(mutations.sort()).toEqual(Object.keys(calls).sort())
    for (const [name, call] of Object.entries(calls)) {
      const before = (await store.recentAudit(1))[0]!.seq
      await call()
      const after = await store.recentAudit(2)
      expect(after[0]!.seq, name).toBe(before + 1)
      expect(after[0]!.action, name).toBe(name)
    }
    const result = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), keys.publicKey)
    expect(result.ok).toBe(true)
  })

  it('rolls the change back when its audit record cannot be written', async () => {
    store.db.exec("CREATE TRIGGER fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
    await expect(store.createOrganization('Org', ev('org'))).rejects.toThrow(/audit write failed/)
    expect(await store.getOrganizationByName('Org')).toBeNull()
  })

  it('keeps a signed checkpoint every 256 records so a rewritten chain is located', async () => {
    for (let i = 0; i < 600; i++) await store.appendAudit(ev(`e${i}`))
    const checkpoints = await store.auditCheckpoints()
    expect(checkpoints.map((c) => c.seq)).toEqual([256, 512, 600])
  })

  it('keeps writing while the log is read slowly (an export to a slow client), and reads every record once', async () => {
    for (let i = 0; i < 2500; i++) await store.appendAudit(ev(`bulk.${i}`))
    const reader = store.auditRange('2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')[Symbol.asyncIterator]()
    const seen = [(await reader.next()).value!.seq]
    // the reader waits between records; meanwhile the gateway goes on recording
    await expect(store.appendAudit(ev('written.meanwhile'))).resolves.toMatchObject({ action: 'written.meanwhile' })
    for (let r = await reader.next(); !r.done; r = await reader.next()) {
      seen.push(r.value.seq)
      if (seen.length === 1500) await store.appendAudit(ev('written.later'))
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1))
    expect(seen.length).toBe((await store.recentAudit(1))[0]!.seq)
    const all = []
    for await (const r of store.auditRecords()) all.push(r.seq)
    expect(all).toEqual(seen)
  })

  it('applies migrations once: reopening keeps the data', async () => {
    await store.createOrganization('Kept', ev('org'))
    store.close()
    store = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: keys.privateKey })
    expect(await store.getOrganizationByName('Kept')).not.toBeNull()
  })
})

describe('SqliteStore policy versions', () => {
  const version = (yaml: string) => ({
    name: 'p',
    yaml,
    author: 'admin',
    comment: null,
    diff: '',
    source: null,
    sourceSha256: null
  })

  it('adds a version only on top of the version it was based on, and writes nothing otherwise', async () => {
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

  it('assigns a project only a policy that exists, and returns it to the default with null', async () => {
    const project = await store.createProject(
      {
        title: 'P',
        purpose: 'p',
        approvalReference: 'a',
        startDate: '2026-01-01',
        endDate: '2026-12-31',
        memberIds: [],
        datasetIds: []
      },
      ev('project')
    )
    await expect(store.setProjectPolicy(project.id, 'nope', ev('project.policy'))).rejects.toThrow(/no policy nope/)
    expect(await store.listProjectPolicies()).toEqual([])
    await store.addPolicyVersion(version('v: 1\n'), 0, ev('policy.update'))
    await store.setProjectPolicy(project.id, 'p', ev('project.policy'))
    expect((await store.listProjectPolicies()).map((a) => [a.projectId, a.policyName])).toEqual([[project.id, 'p']])
    await store.setProjectPolicy(project.id, null, ev('project.policy'))
    expect(await store.listProjectPolicies()).toEqual([])
  })
})
