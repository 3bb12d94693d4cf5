import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore } from '../../../test/support/temp-store.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createTerminalAudit } from './terminal-audit.js'

const at = { sourceIp: '192.0.2.7', sessionId: 'session-1' }
let dir: string
let store: SqliteStore

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-terminal-audit-'))
})

afterEach(() => {
  removeTempStore(store, dir)
})

describe('terminal audit', () => {
  it('records a refused connection as a denied terminal.open with its reason', async () => {
    await createTerminalAudit(store).refused('anonymous', at, 'no Origin header')
    expect(await store.searchAudit({ action: 'terminal.open', limit: 5 })).toMatchObject([
      {
        actor: 'anonymous',
        sourceIp: at.sourceIp,
        target: 'session-1',
        outcome: 'denied',
        details: { reason: 'no Origin header' }
      }
    ])
  })

  it('records a terminal opened with its size, and closed with why, how long and how much output', async () => {
    const audit = createTerminalAudit(store)
    await audit.opened('user-1', at, { cols: 80, rows: 24 })
    await audit.closed('user-1', at, 'the browser closed the terminal', 12, 3456)
    expect(await store.searchAudit({ action: 'terminal.open', limit: 5 })).toMatchObject([
      { actor: 'user-1', outcome: 'success', details: { cols: 80, rows: 24 } }
    ])
    expect(await store.searchAudit({ action: 'terminal.close', limit: 5 })).toMatchObject([
      {
        actor: 'user-1',
        target: 'session-1',
        outcome: 'success',
        details: { reason: 'the browser closed the terminal', seconds: 12, outputBytes: 3456 }
      }
    ])
  })
})
