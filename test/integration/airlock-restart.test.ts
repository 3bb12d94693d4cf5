import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { Quarantine } from '../../server/src/airlock/quarantine.js'
import type { AuditAction } from '../../server/src/audit/actions.js'
import type { TestGateway } from '../support/gateway.js'
import { testGateway } from '../support/gateway.js'

const ev = (action: AuditAction) => ({ actor: 'test', action, sourceIp: null, target: null, outcome: 'success' as const })

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
    const quarantine = new Quarantine(join(first.dataDir, 'quarantine'), first.app.keys.keyring)
    const { sha256, size } = await quarantine.store(project.id, Readable.from([bytes]), 1e6)
    const at = new Date().toISOString()
    const request = {
      id: 'a0000000-0000-4000-8000-000000000001',
      direction: 'export' as const,
      projectId: project.id,
      requesterId: requester.id,
      requesterOrganizationId: requester.organizationId,
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
      listing: null,
      state: 'pending' as const,
      policy: null
    }
    await store.airlock.create(request, [file], [], [ev('export.submit')])
    // both reviews are in and approve the file; the gateway stops before it releases
    await store.airlock.move(request.id, () => ({
      at,
      votes: [r1, r2].map((reviewer, i) => ({
        id: `v000000${i}-0000-4000-8000-000000000001`,
        requestId: request.id,
        round: 1,
        fileId: file.id,
        reviewerId: reviewer.id,
        vote: 'approve' as const,
        sha256,
        comment: null,
        commentVisibility: 'researcher' as const,
        acknowledgements: [],
        createdAt: at,
        updatedAt: at
      })),
      audit: [ev('review.vote')]
    }))
    for (const [i, reviewer] of [r1, r2].entries()) {
      await store.airlock.move(request.id, () => ({
        at,
        review: {
          id: `d000000${i}-0000-4000-8000-000000000001`,
          requestId: request.id,
          round: 1,
          reviewerId: reviewer.id,
          kind: 'review' as const,
          submittedAt: at
        },
        ...(i === 1
          ? { files: [{ fileId: file.id, to: 'approved' as const }], request: { to: 'approved' as const } }
          : {}),
        audit: [ev('review.submit')]
      }))
    }
    expect((await store.airlock.detail(request.id))!.request.state).toBe('approved')
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
