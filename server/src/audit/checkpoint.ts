import { verify, type KeyObject } from 'node:crypto'
import type { AuditSigner } from '../keys/keys.js'

/**
 * A signed statement of the chain's head: "record N is the last one and its hash is H".
 * The chain alone catches edits, deletions and reorders in the middle; only a signed head
 * catches records cut off the end.
 */
export interface AuditCheckpoint {
  seq: number
  hash: string
  signedAt: string
  signature: string
}

function message(seq: number, hash: string, signedAt: string): Buffer {
  return Buffer.from(`vre-audit-checkpoint\n${seq}\n${hash}\n${signedAt}`, 'utf8')
}

export function signCheckpoint(seq: number, hash: string, signedAt: Date, signer: AuditSigner): AuditCheckpoint {
  const at = signedAt.toISOString()
  return { seq, hash, signedAt: at, signature: signer.sign(message(seq, hash, at)).toString('base64') }
}

export function checkpointSignatureValid(c: AuditCheckpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, message(c.seq, c.hash, c.signedAt), publicKey, Buffer.from(c.signature, 'base64'))
  } catch {
    return false
  }
}
