import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { Quarantine } from '../../server/src/airlock/quarantine.js'
import type { TestGateway } from '../support/gateway.js'
import { testGateway } from '../support/gateway.js'

const ev = (action: string) => ({ actor: 'test', action, sourceIp: null, target: null, outcome: 'success' as const })

describe('airlock requests across a gateway restart', () => {
  let gw: TestGateway | null = null
  afterEach(async () => {
    await gw?.close()
    gw = null
  })

  it('keeps every request, and releases one that was approved when the gateway stopped', async () => {
    const first = await testGateway()
    const { store } = first.app
    const requester = (await store.getUserByUsername('researcher1'))!
    const [r1, r2] = [(await store.getUserByUsername('reviewer1'))!, (await store.getUserByUsername('reviewer2'))!]
    const project = (await store.listProjectsForUser(requester.id))[0]!
    const bytes = 'sex,n\r\nF,1031\r\nM,969\r\n'
    const { sha256, size } = await new Quarantine(join(first.dataDir, 'quarantine')).store(Readable.from([bytes]), 1e6)
    const at = new Date().toISOString()
    const request = {
      id: 'a0000000-0000-4000-8000-000000000001',
      direction: 'export' as const,
      projectId: project.id,
      requesterId: requester.id,
      sessionId: null,
      state: 'in_review' as const,
      round: 1,
      createdAt: at,
      updatedAt: at,
      releasedAt: null
    }
    const file = {
      id: 'f0000000-0000-4000-8000-000000000001',
      requestId: request.id,
      round: 1,
      path: 'outbox/by-sex.csv',
      name: 'by-sex.csv',
      sha256,
      size,
      justification: 'table 1',
      outcome: 'pass' as const,
      checks: [],
      provenance: null,
      listing: null
    }
    await store.createAirlockRequest(request, [file], ev('export.submit'))
    // both approvals are recorded; the gateway stops before it releases
    for (const [i, reviewer] of [r1, r2].entries()) {
      const state = await store.recordReviewDecision(
        {
          id: `d000000${i}-0000-4000-8000-000000000001`,
          requestId: request.id,
          round: 1,
          reviewerId: reviewer.id,
          decision: 'approve',
          comment: null,
          files: [{ fileId: file.id, sha256 }],
          createdAt: at
        },
        { approvalsNeeded: 2 },
        ev('review.approve')
      )
      expect(state).toBe(i === 0 ? 'in_review' : 'approved')
    }
    await first.close(true)

    gw = await testGateway({}, {}, { dataDir: first.dataDir })
    await expect
      .poll(async () => (await gw!.app.store.getAirlockRequest(request.id))?.request.state, { timeout: 10_000 })
      .toBe('released')
    const token = (await gw.login('researcher1')).accessToken
    const got = await gw.app.inject({
      method: 'GET',
      url: `/api/v1/exports/${request.id}/files/${file.id}/content`,
      headers: { authorization: `Bearer ${token}` }
    })
    expect(got.statusCode).toBe(200)
    expect(got.rawPayload.toString()).toBe(bytes)
  })
})
