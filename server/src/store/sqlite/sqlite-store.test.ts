import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAuditAction } from '../../audit/actions.js'
import type { AuditEvent } from '../../audit/record.js'
import { SqliteStore } from './sqlite-store.js'

// What every aggregate must do is in ../contract/ (run on SQLite by sqlite-store.contract.test.ts);
// here is what only SQLite does: its file and its migrations.

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

/** A test's event: recorded under its label when that is an audit action, else under a real one with the label in details. */
const ev = (label: string): AuditEvent => ({
  actor: 'test',
  action: isAuditAction(label) ? label : 'audit.verify',
  sourceIp: null,
  target: null,
  outcome: 'success',
  details: { label }
})

describe('SqliteStore', () => {
  it('applies migrations once: reopening keeps the data', async () => {
    await store.createOrganization('Kept', ev('org'))
    store.close()
    store = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: keys.privateKey })
    expect(await store.getOrganizationByName('Kept')).not.toBeNull()
  })

  it('opens read-only without a signing key, and refuses to write', async () => {
    await store.createOrganization('Kept', ev('org'))
    const reader = new SqliteStore({ path: join(dir, 'vre.sqlite'), auditSigningKey: null })
    try {
      expect(await reader.getOrganizationByName('Kept')).not.toBeNull()
      await expect(reader.createOrganization('Other', ev('org'))).rejects.toThrow()
      expect(await reader.getOrganizationByName('Other')).toBeNull()
    } finally {
      reader.close()
    }
  })
})
