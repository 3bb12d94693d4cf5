import type { EnrolmentRow } from '../enrolments.js'
import type { AccountStore, UserRow } from '../identity.js'
import { type PendingChangeRow, userFingerprint } from '../pending-changes.js'
import type { ProjectRow, ProjectStore } from '../projects.js'
import type { SandboxSessionRow } from '../sandbox-sessions.js'
import { ev } from './harness.js'

/** The records the suites build on, made through the aggregates' own interfaces. */

export const newUser = (store: AccountStore, username: string, roles: UserRow['roles'] = ['researcher']) =>
  store.createUser(
    { username, displayName: username, organizationId: null, roles, passwordHash: 'h', totpSecretSealed: 's' },
    ev('user.create')
  )

export const newProject = (store: ProjectStore, title = 'P', memberIds: string[] = []): Promise<ProjectRow> =>
  store.createProject(
    {
      title,
      purpose: 'p',
      approvalReference: 'a',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      memberIds,
      datasetIds: []
    },
    ev('project.create')
  )

export const sandboxSession = (id: string, userId: string, projectId: string): SandboxSessionRow => ({
  id,
  userId,
  projectId,
  state: 'starting',
  reason: null,
  sandboxId: null,
  runtime: 'runsc',
  image: 'img',
  limits: {},
  createdAt: new Date().toISOString(),
  startedAt: null,
  endedAt: null
})

/** An enrolment link's row, its token hash made of `c`. */
export const enrolmentRow = (userId: string, c: string, expiresAt = '2999-01-01T00:00:00.000Z'): EnrolmentRow => ({
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

/** `asker`'s request to make `reviewer` an administrator too. */
export const pendingRoleChange = (
  asker: UserRow,
  reviewer: UserRow,
  over: Partial<PendingChangeRow> = {}
): PendingChangeRow => ({
  id: 'c1',
  kind: 'user.update',
  subject: `user:${reviewer.id}`,
  target: reviewer.id,
  change: { roles: { from: ['reviewer'], to: ['reviewer', 'admin'] } },
  guard: {},
  reason: 'covering for the holidays',
  requestedBy: asker.id,
  requestedAt: new Date().toISOString(),
  state: 'pending',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  ...over
})

/** What an approval of `pendingRoleChange` carries out, guarded by the account as it is now. */
export const roleGrant = (reviewer: UserRow) => ({
  kind: 'user.update' as const,
  userId: reviewer.id,
  fingerprint: userFingerprint(reviewer),
  changes: { roles: ['reviewer' as const, 'admin' as const] }
})
