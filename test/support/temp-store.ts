import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditEvent } from '../../server/src/audit/record.js'
import { SqliteStore } from '../../server/src/store/sqlite/sqlite-store.js'

import { storeKeys, testStoreOptions } from './keys.js'

/** The key pair every temporary store signs its audit checkpoints with. */
export { storeKeys }

/** A fresh SQLite store, the gateway's own, in a temporary directory a test may also write beside it. */
export function openTempStore(prefix: string): { store: SqliteStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, store: new SqliteStore(testStoreOptions(join(dir, 'vre.sqlite'))) }
}

/** Closes a store opened by `openTempStore` and removes its directory. */
export function removeTempStore(store: SqliteStore, dir: string): void {
  store.close()
  rmSync(dir, { recursive: true, force: true })
}

/** An event the test itself records, from no address. */
export const testEvent = (action: AuditEvent['action']): AuditEvent => ({
  actor: 'test',
  action,
  sourceIp: null,
  target: null,
  outcome: 'success'
})

/** A project running from 2025 to 2030 that holds `datasetIds` and has no members. */
export const currentProject = (store: SqliteStore, title: string, datasetIds: string[] = []) =>
  store.createProject(
    {
      title,
      purpose: '',
      approvalReference: 'ref',
      startDate: '2025-01-01',
      endDate: '2030-01-01',
      memberIds: [],
      datasetIds
    },
    testEvent('project.create')
  )

/** Rita, a researcher with no organization, whose stored credentials sign nobody in. */
export const newResearcher = (store: SqliteStore) =>
  store.createUser(
    {
      username: 'rita',
      displayName: 'Rita',
      organizationId: null,
      roles: ['researcher'],
      passwordHash: 'h',
      totpSecretSealed: 's'
    },
    testEvent('user.create')
  )
