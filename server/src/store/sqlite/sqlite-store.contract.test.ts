import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memorySigner, STORE_KEY, storeKeys, testStoreOptions } from '../../../../test/support/keys.js'
import { describe, expect, it } from 'vitest'
import {
  airlockStoreContract,
  auditStoreContract,
  enrolmentStoreContract,
  identityStoreContract,
  type MakeStore,
  pendingChangeStoreContract,
  policyStoreContract,
  projectStoreContract,
  sandboxSessionStoreContract
} from '../contract/index.js'
import {
  airlockRequestMutations,
  airlockRequestReads,
  airlockReviewMutations,
  airlockReviewReads
} from '../contract/airlock.contract.js'
import { auditMutations, auditReads } from '../contract/audit-log.contract.js'
import { enrolmentMutations, enrolmentReads } from '../contract/enrolments.contract.js'
import { identityMutations, identityReads } from '../contract/identity.contract.js'
import { pendingChangeMutations, pendingChangeReads } from '../contract/pending-changes.contract.js'
import { policyMutations, policyReads } from '../contract/policies.contract.js'
import { projectMutations, projectReads } from '../contract/projects.contract.js'
import { sandboxSessionMutations, sandboxSessionReads } from '../contract/sandbox-sessions.contract.js'
import { SqliteStore } from './sqlite-store.js'


/** A fresh SQLite file in a temp dir; a trigger on the log stands in for a full disk. */
const make: MakeStore<SqliteStore> = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vre-store-contract-'))
  const store = new SqliteStore(testStoreOptions(join(dir, 'vre.sqlite')))
  return {
    store,
    failAuditWrites: () =>
      store.db.exec("CREATE TRIGGER fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END;"),
    restoreAuditWrites: () => store.db.exec('DROP TRIGGER IF EXISTS fail'),
    close: async () => {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

identityStoreContract(make)
projectStoreContract(make)
sandboxSessionStoreContract(make)
airlockStoreContract(make)
policyStoreContract(make)
auditStoreContract(make, storeKeys.publicKey)
enrolmentStoreContract(make)
pendingChangeStoreContract(make, storeKeys.publicKey)

/** Every function a store object answers to, own or inherited, by name. */
function functionsOf(o: object): string[] {
  const names = new Set<string>()
  for (let p: object | null = o; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== 'constructor' && typeof (o as Record<string, unknown>)[name] === 'function') names.add(name)
    }
  }
  return [...names].sort()
}

describe('SqliteStore', () => {
  it('answers to exactly the aggregates the contracts cover, so no mutation escapes their audit checks', async () => {
    const { store, close } = await make()
    try {
      // a new method must be listed in its aggregate's contract, and a new mutation exercised there
      expect(functionsOf(store)).toEqual(
        [
          ...identityReads,
          ...identityMutations,
          ...projectReads,
          ...projectMutations,
          ...sandboxSessionReads,
          ...sandboxSessionMutations,
          ...airlockRequestReads,
          ...airlockRequestMutations,
          ...policyReads,
          ...policyMutations,
          ...auditReads,
          ...auditMutations,
          'close'
        ].sort()
      )
      // the nested stores' own helpers run only inside their audited writes
      const helpers = new Set([
        'q',
        'detailNow',
        'insertFiles',
        'insertExceptions',
        'apply',
        'usable',
        'decide',
        'carryOut',
        'expectUser'
      ])
      const publicOf = (o: object) => functionsOf(o).filter((m) => !helpers.has(m))
      expect(publicOf(store.airlock)).toEqual([...airlockReviewReads, ...airlockReviewMutations].sort())
      expect(publicOf(store.enrolments)).toEqual([...enrolmentReads, ...enrolmentMutations].sort())
      expect(publicOf(store.approvals)).toEqual([...pendingChangeReads, ...pendingChangeMutations].sort())
    } finally {
      await close()
    }
  })
})
