import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../../../test/support/temp-store.js'
import { Errors } from '../errors.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createRefusalService } from './refusal-service.js'
import { withSentenceTold } from './refusals.js'

const attempt = {
  actor: 'user-1',
  action: 'access.denied' as const,
  sourceIp: '192.0.2.7',
  target: 'GET /api/v1/admin/users',
  details: { needs: ['admin'] }
}
let dir: string
let store: SqliteStore

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-refusals-'))
})

afterEach(() => {
  removeTempStore(store, dir)
})

describe('refusal service', () => {
  it('records a refusal as denied, with the attempt and then why', async () => {
    await createRefusalService(store).record(attempt, { reason: 'credentials not changed yet' })
    expect(await store.searchAudit({ action: 'access.denied', limit: 5 })).toMatchObject([
      {
        actor: 'user-1',
        sourceIp: '192.0.2.7',
        target: 'GET /api/v1/admin/users',
        outcome: 'denied',
        details: { needs: ['admin'], reason: 'credentials not changed yet' }
      }
    ])
  })

  it('records what its rule calls a refusal before the error goes on, and nothing else', async () => {
    const refusals = createRefusalService(store)
    const submit = { ...attempt, action: 'export.submit' as const, target: null, details: { files: 1 } }
    await expect(
      refusals.recording(submit, () => Promise.reject(new Errors.BadRequest('no files given')), withSentenceTold)
    ).rejects.toThrow('no files given')
    await expect(
      refusals.recording(submit, () => Promise.reject(new Error('disk gone')), withSentenceTold)
    ).rejects.toThrow('disk gone')
    expect(await refusals.recording(submit, async () => 'done', withSentenceTold)).toBe('done')
    expect(await store.searchAudit({ action: 'export.submit', limit: 5 })).toMatchObject([
      { outcome: 'denied', details: { files: 1, reason: 'no files given' } }
    ])
  })
})
