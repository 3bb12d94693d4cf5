/**
 * Contract suites for the state store, one per aggregate. Each takes a `MakeStore` that opens a
 * fresh store and asserts the aggregate's behaviour through its interface only: reads and writes,
 * refusals, and that every mutation takes its audit record in the same transaction (with audit
 * writes failing, nothing changes). A second implementation (PostgreSQL, later) runs the same
 * suites, aggregate by aggregate, as sqlite/sqlite-store.contract.test.ts runs them on SQLite; a
 * suite's store type names the aggregates it builds its fixtures with.
 */
export { airlockStoreContract } from './airlock.contract.js'
export { auditStoreContract } from './audit-log.contract.js'
export { enrolmentStoreContract } from './enrolments.contract.js'
export type { MakeStore, StoreHarness } from './harness.js'
export { identityStoreContract } from './identity.contract.js'
export { pendingChangeStoreContract } from './pending-changes.contract.js'
export { policyStoreContract } from './policies.contract.js'
export { projectStoreContract } from './projects.contract.js'
export { sandboxSessionStoreContract } from './sandbox-sessions.contract.js'
