import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { memorySigner } from '../../../test/support/keys.js'
import { openTempStore, removeTempStore, storeKeys as keys } from '../../../test/support/temp-store.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createAuditConsole } from './console.js'
import { DataOperationLog } from './data-operations.js'

const reader = { id: 'admin-1', username: 'ada', sourceIp: '192.0.2.1' }
let dir: string
let store: SqliteStore

const console_ = () =>
  createAuditConsole({
    store,
    keys: {
      auditPublicKey: keys.publicKey,
      auditSigner: memorySigner,
      keyring: {
        key: () => {
          throw new Error('no data key is read in these tests')
        }
      }
    },
    dataOperations: new DataOperationLog(dir),
    dataDir: dir,
    now: () => new Date()
  })
const count = async () => (await store.searchAudit({ limit: 500 })).length

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-audit-console-'))
})
afterEach(() => {
  removeTempStore(store, dir)
})

describe('the audit console', () => {
  it('puts a search on record before reading, so the page it answers shows that search first', async () => {
    const page = await console_().search({ action: 'audit.search' }, reader)
    expect(page.records).toHaveLength(1)
    expect(page.records[0]).toMatchObject({
      actor: 'admin-1',
      action: 'audit.search',
      outcome: 'success',
      details: { filter: { action: 'audit.search' } }
    })
    expect(page.next).toBeNull()
  })

  it('refuses a search whose "from" is not before its "to", recording nothing', async () => {
    const before = await count()
    await expect(
      console_().search({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, reader)
    ).rejects.toMatchObject({ statusCode: 400, message: '"from" must be before "to".' })
    expect(await count()).toBe(before)
  })

  it('refuses an export longer than a year, recording nothing, and records one within it', async () => {
    const before = await count()
    await expect(
      console_().export({ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, reader)
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('at most 366 days') })
    expect(await count()).toBe(before)
    const out = await console_().export({ from: '2025-01-01T00:00:00Z', to: '2025-06-01T00:00:00Z' }, reader)
    expect(out.filename).toBe('vre-audit-2025-01-01-2025-06-01.jsonl')
    expect((await store.searchAudit({ action: 'audit.export', limit: 1 }))[0]).toMatchObject({
      actor: 'admin-1',
      details: { from: '2025-01-01T00:00:00.000Z', to: '2025-06-01T00:00:00.000Z' }
    })
  })

  it('verifies an intact chain and records that it did', async () => {
    const status = await console_().verify(reader)
    expect(status).toMatchObject({ ok: true, firstBrokenSeq: null, reason: null })
    expect((await store.searchAudit({ action: 'audit.verify', limit: 1 }))[0]).toMatchObject({
      details: { intact: true }
    })
  })

  it('answers a recording or data-operation log of an unknown session as not found, recording no view', async () => {
    const session = '00000000-0000-4000-8000-000000000000'
    await expect(console_().recording(session, 1, reader)).rejects.toMatchObject({ statusCode: 404 })
    await expect(console_().dataOperations(session, reader)).rejects.toMatchObject({
      statusCode: 404,
      message: 'There is no such session.'
    })
    expect(await store.searchAudit({ action: 'recording.view', limit: 1 })).toEqual([])
    expect(await store.searchAudit({ action: 'data-operations.view', limit: 1 })).toEqual([])
  })
})
