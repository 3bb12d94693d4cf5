import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../../../test/support/temp-store.js'
import { createDisplayService } from '../display/display-service.js'
import { Errors } from '../errors.js'
import type { Policy } from '../policy/schema.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createFilesService } from './files-service.js'
import type { WorkspaceFiles } from './workspace-files.js'

const caller = { actor: 'researcher-1', sourceIp: '192.0.2.7' }
const session = { id: 'session-1', projectId: 'project-1', userId: 'researcher-1', sandboxId: 'sandbox-1' }
const entry = { path: 'a', name: 'a', type: 'folder' as const, size: 0, modifiedAt: '2026-03-01T10:00:00Z' }
let dir: string
let store: SqliteStore

/** Workspace files whose operations run `act` (after noting how many audit records were there). */
function filesDoing(act: () => Promise<unknown>) {
  const seen: number[] = []
  const op = async () => {
    seen.push((await store.searchAudit({ session: session.id, limit: 100 })).length)
    return act()
  }
  const files = { makeFolder: op, move: op, remove: op, toOutbox: op, read: op, write: op } as unknown as WorkspaceFiles
  return { files, seen }
}

function service(files: WorkspaceFiles) {
  const policy = {
    display: { bytesPerMinute: 10_000_000, burstBytes: 10_000_000, bytesPerSession: 100_000_000 }
  } as unknown as Policy
  const display = createDisplayService({ policyFor: () => policy, now: () => new Date() })
  return createFilesService({ store, files, display, touch: () => {} })
}

const trail = () => store.searchAudit({ session: session.id, limit: 10 })

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-files-'))
})

afterEach(() => {
  removeTempStore(store, dir)
})

describe('files service', () => {
  it('records a change before making it', async () => {
    const { files, seen } = filesDoing(async () => entry)
    await service(files).makeFolder(caller, session, 'a')
    expect(seen).toEqual([1])
    expect(await trail()).toMatchObject([
      {
        actor: caller.actor,
        action: 'file.folder',
        sourceIp: caller.sourceIp,
        target: session.id,
        outcome: 'success',
        details: { path: 'a' }
      }
    ])
  })

  it('records a refused change as denied with its reason, and a failed one as an error', async () => {
    const refused = filesDoing(async () => {
      throw new Errors.Conflict('a exists')
    })
    await expect(service(refused.files).move(caller, session, 'a', 'b')).rejects.toThrow('a exists')
    const failed = filesDoing(async () => {
      throw new Error('engine gone')
    })
    await expect(service(failed.files).remove(caller, session, 'c')).rejects.toThrow('engine gone')
    const records = await trail()
    expect(records.find((r) => r.action === 'file.move' && r.outcome === 'denied')).toMatchObject({
      details: { from: 'a', to: 'b', reason: 'a exists' }
    })
    expect(records.find((r) => r.action === 'file.delete' && r.outcome === 'error')).toMatchObject({
      details: { path: 'c', reason: 'engine gone' }
    })
  })

  it('records a file opened once it is read, with the digest and size of what was shown', async () => {
    const content = 'print(1)\n'
    const { files, seen } = filesDoing(async () => ({ path: 'x.py', size: 9, modifiedAt: entry.modifiedAt, content }))
    const opened = await service(files).open(caller, session, 'x.py')
    expect(opened).toMatchObject({ content, cut: null })
    expect(seen).toEqual([0])
    expect(await trail()).toMatchObject([
      {
        action: 'file.open',
        outcome: 'success',
        details: { path: 'x.py', size: 9, shownBytes: 9, sha256: createHash('sha256').update(content).digest('hex') }
      }
    ])
  })
})
