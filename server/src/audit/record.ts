import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { type AuditAction, isAuditAction } from './actions.js'

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'error'

/** What a caller says happened: who, what, where from, on what, outcome, and any particulars. */
export interface AuditEvent {
  /** user id, `system`, `cli:<name>`, or for a failed login the username that was tried */
  actor: string
  /** one of the vocabulary (actions.ts) */
  action: AuditAction
  sourceIp: string | null
  target: string | null
  outcome: AuditOutcome
  details?: Record<string, unknown>
}

/** A record as stored: the event plus its place in the chain. */
export interface AuditRecord extends Required<AuditEvent> {
  seq: number
  ts: string
  prevHash: string
  hash: string
}

export const GENESIS_HASH = '0'.repeat(64)

/**
 * The bytes a record's hash covers: every field, including the previous record's hash, in RFC 8785
 * canonical JSON so the hash does not depend on key order or number formatting.
 */
export function canonicalBytes(r: Omit<AuditRecord, 'hash'>): string {
  const text = canonicalize({
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    sourceIp: r.sourceIp,
    target: r.target,
    outcome: r.outcome,
    details: r.details,
    prevHash: r.prevHash
  })
  if (text === undefined) throw new Error('audit record cannot be canonicalized')
  return text
}

export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalBytes(r)).digest('hex')
}

/**
 * Builds the next record of the chain from an event. Every store appends through here, so an action
 * outside the vocabulary (a cast, a string from outside) is refused before anything is written: the
 * store fails the write, and with it the action it was to record.
 */
export function chainRecord(event: AuditEvent, prev: { seq: number; hash: string } | null, ts: Date): AuditRecord {
  if (!isAuditAction(event.action)) throw new UnknownAuditAction(event.action)
  const base = {
    seq: (prev?.seq ?? 0) + 1,
    ts: ts.toISOString(),
    actor: event.actor,
    action: event.action,
    sourceIp: event.sourceIp,
    target: event.target,
    outcome: event.outcome,
    details: event.details ?? {},
    prevHash: prev?.hash ?? GENESIS_HASH
  }
  return { ...base, hash: recordHash(base) }
}

/** An action the vocabulary (actions.ts) does not hold: nothing is recorded under it. */
export class UnknownAuditAction extends Error {
  override name = 'UnknownAuditAction'
  constructor(action: unknown) {
    super(`"${String(action)}" is not an audit action (see audit/actions.ts)`)
  }
}

/** The audit record could not be written; whatever it recorded was rolled back. */
export class AuditWriteFailed extends Error {
  override name = 'AuditWriteFailed'
}
