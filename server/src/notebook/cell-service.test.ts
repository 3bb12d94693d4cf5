import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import { newResearcher, openTempStore, removeTempStore, testEvent as ev } from '../../../test/support/temp-store.js'
import { DataOperationLog } from '../audit/data-operations.js'
import type { Keys } from '../keys/keys.js'
import { createDisplayService } from '../display/display-service.js'
import { DEFAULT_QUOTAS, type Policy } from '../policy/schema.js'
import { WORK_DIR } from '../sessions/workspace.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createCellService } from './cell-service.js'
import type { KernelReply, KernelService } from './kernel-service.js'

let caller: { actor: string; sourceIp: string }
const ok: KernelReply = { id: 'r', status: 'ok', outputs: [{ type: 'text', text: '42' }], durationMs: 3 }
let dir: string
let keys: Keys
let ops: DataOperationLog
let store: SqliteStore
let session: { id: string; projectId: string; userId: string; sandboxId: string }

/** Kernels that answer `reply` (or fail with it, when it is an Error), counting their calls. */
function kernelsAnswering(reply: KernelReply | Error) {
  const answer = vi.fn(async () => {
    if (reply instanceof Error) throw reply
    return reply
  })
  return { run: answer, exportResult: answer, interrupt: answer, restart: answer } as unknown as Pick<
    KernelService,
    'run' | 'exportResult' | 'interrupt' | 'restart'
  > & { run: typeof answer; exportResult: typeof answer }
}

function service(
  kernels: ReturnType<typeof kernelsAnswering>,
  logBytes = DEFAULT_QUOTAS.dataOperationLogBytesPerSession
) {
  const policy = {
    display: { bytesPerMinute: 10_000_000, burstBytes: 10_000_000, bytesPerSession: 100_000_000 },
    quotas: { ...DEFAULT_QUOTAS, dataOperationLogBytesPerSession: logBytes }
  } as unknown as Policy
  const now = () => new Date('2026-03-01T10:00:00Z')
  return createCellService({
    store,
    kernels,
    dataOperations: ops,
    policyFor: () => policy,
    display: createDisplayService({ policyFor: () => policy, now }),
    touch: () => {},
    now,
    log: { error: () => {} } as never
  })
}

const trail = async (action: string) => store.searchAudit({ action, session: session.id, limit: 10 })

beforeEach(async () => {
  ;({ store, dir } = openTempStore('vre-cells-'))
  // the log seals each line under the project's key, on the test token
  keys = dataDirKeys(dir)
  ops = new DataOperationLog(dir, { keyring: keys.keyring, projectOf: async () => session.projectId })
  const user = await newResearcher(store)
  const project = await store.createProject(
    {
      title: 'P',
      purpose: 'p',
      approvalReference: 'a',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      memberIds: [user.id],
      datasetIds: []
    },
    ev('project.create')
  )
  caller = { actor: user.id, sourceIp: '192.0.2.7' }
  session = { id: randomUUID(), projectId: project.id, userId: user.id, sandboxId: 'sandbox-1' }
  await store.createSandboxSession(
    {
      ...session,
      state: 'running',
      reason: null,
      runtime: 'runsc',
      image: 'img',
      limits: {},
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      endedAt: null
    },
    ev('session.start')
  )
})

afterEach(() => {
  closeKeys(keys)
  removeTempStore(store, dir)
})

describe('cell service', () => {
  it('logs the whole source before the cell runs and audits the run with its digest and output kinds', async () => {
    const kernels = kernelsAnswering(ok)
    const shown = await service(kernels).run(caller, session, { language: 'sql', source: 'SELECT 42' })
    expect(shown).toMatchObject({ status: 'ok', durationMs: 3, executionCount: null })
    const log = (await ops.read(session.id)).toString('utf8')
    expect(JSON.parse(log.trim())).toMatchObject({ action: 'cell.run', source: 'SELECT 42', actor: caller.actor })
    const [run] = await trail('cell.run')
    expect(run).toMatchObject({
      actor: caller.actor,
      sourceIp: caller.sourceIp,
      target: session.id,
      outcome: 'success',
      details: { language: 'sql', sourceSha256: expect.stringMatching(/^[0-9a-f]{64}$/), outputs: ['text'] }
    })
  })

  it('audits a kernel that fails as an error and answers 409 with its words', async () => {
    const kernels = kernelsAnswering(new Error('kernel died'))
    await expect(service(kernels).run(caller, session, { language: 'python', source: 'x' })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/^The cell could not be run: .*kernel died/)
    })
    const [failed] = await trail('cell.run')
    expect(failed).toMatchObject({ outcome: 'error', details: { language: 'python', reason: 'kernel died' } })
  })

  it('refuses a source past the log quota before the kernel runs, recording the figures', async () => {
    const kernels = kernelsAnswering(ok)
    await expect(
      service(kernels, 10).run(caller, session, { language: 'sql', source: 'SELECT 1234567890' })
    ).rejects.toMatchObject({
      statusCode: 403,
      code: 'VRE_ERR_QUOTA_EXCEEDED'
    })
    expect(kernels.run).not.toHaveBeenCalled()
    const [refused] = await trail('cell.run')
    expect(refused).toMatchObject({
      outcome: 'denied',
      details: {
        quota: 'dataOperationLogBytesPerSession',
        quotaBytes: 10,
        usedBytes: 0,
        requestedBytes: expect.any(Number),
        reason: expect.stringMatching(/data-operation log is full.*The cell was not run/)
      }
    })
  })

  it('refuses an export the kernel wrote no file for, audited as an error, and binds nothing', async () => {
    const kernels = kernelsAnswering({ id: 'r', status: 'ok', outputs: [] })
    const cell = { language: 'sql' as const, source: 'SELECT 1', name: 'counts' }
    await expect(service(kernels).export(caller, session, cell)).rejects.toMatchObject({
      statusCode: 400,
      message: 'The result could not be sent to the outbox: the kernel gave no file'
    })
    const [failed] = await trail('cell.export')
    expect(failed).toMatchObject({ outcome: 'error', details: { name: 'counts', rows: null, csvSha256: null } })
    expect(await store.cellExportSourceBytes(session.id)).toBe(0)
  })

  it('binds an export to its source and digest, and its source counts against the log quota', async () => {
    const sha256 = 'a'.repeat(64)
    const file = (name: string) => ({
      path: `${WORK_DIR}/outbox/${name}`,
      size: 10,
      modifiedAt: '2026-03-01T10:00:00Z',
      sha256
    })
    const kernels = kernelsAnswering({
      id: 'r',
      status: 'ok',
      outputs: [],
      csv: file('counts.csv'),
      query: file('counts.sql'),
      rows: 3,
      residualDf: 7.9
    })
    const exported = await service(kernels).export(caller, session, {
      language: 'sql',
      source: 'SELECT 1',
      name: 'counts'
    })
    expect(exported).toMatchObject({ csv: { path: 'outbox/counts.csv', name: 'counts.csv' }, rows: 3, residualDf: 7 })
    const [done] = await trail('cell.export')
    expect(done).toMatchObject({ outcome: 'success', details: { name: 'counts', rows: 3, csvSha256: sha256 } })
    expect(await store.cellExportSourceBytes(session.id)).toBeGreaterThan(0)
  })

  it('audits a kernel restart', async () => {
    await service(kernelsAnswering(ok)).kernel('restart', caller, session)
    expect((await trail('kernel.restart'))[0]).toMatchObject({
      outcome: 'success',
      actor: caller.actor,
      target: session.id
    })
  })
})
