import { refusal } from '../audit/refusals.js'
import type { Store } from '../store/types.js'

/** Where a terminal connection comes from, and which session it asks for (null: none named). */
export interface Connection {
  sourceIp: string | null
  sessionId: string | null
}

/**
 * The terminal's audit records: every refused connection with why (before the upgrade, so the
 * refused client never gets a socket), every terminal opened with its size, and every close with
 * why, how long it was open and how much output it sent.
 */
export function createTerminalAudit(store: Pick<Store, 'appendAudit'>) {
  return {
    /** `actor`: who the ticket names, or `anonymous` before a ticket is redeemed. */
    refused: (actor: string, at: Connection, reason: string) =>
      store.appendAudit(
        refusal({ actor, action: 'terminal.open', sourceIp: at.sourceIp, target: at.sessionId }, { reason })
      ),
    opened: (actor: string, at: Connection, size: { cols: number; rows: number }) =>
      store.appendAudit({
        actor,
        action: 'terminal.open',
        sourceIp: at.sourceIp,
        target: at.sessionId,
        outcome: 'success',
        details: { cols: size.cols, rows: size.rows }
      }),
    closed: (actor: string, at: Connection, reason: string, seconds: number, outputBytes: number) =>
      store.appendAudit({
        actor,
        action: 'terminal.close',
        sourceIp: at.sourceIp,
        target: at.sessionId,
        outcome: 'success',
        details: { reason, seconds, outputBytes }
      })
  }
}

export type TerminalAudit = ReturnType<typeof createTerminalAudit>
