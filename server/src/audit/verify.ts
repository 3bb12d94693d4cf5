import type { KeyObject } from 'node:crypto'
import { type AuditCheckpoint, checkpointSignatureValid } from './checkpoint.js'
import { type AuditRecord, GENESIS_HASH, recordHash } from './record.js'

export type VerifyResult =
  | { ok: true; records: number; headSeq: number }
  | { ok: false; records: number; firstBrokenSeq: number | null; reason: string }

const broken = (records: number, firstBrokenSeq: number | null, reason: string): VerifyResult => ({
  ok: false,
  records,
  firstBrokenSeq,
  reason
})

/**
 * Walks the chain in stored order and names the first record that does not follow from the one
 * before (edit, deletion, reorder). Then holds the chain against the signed checkpoints: the last
 * one is the head (catches truncation and appended forgeries); earlier ones catch a chain that was
 * rewritten and re-hashed from some point on, and bound where that happened.
 */
export async function verifyChain(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  checkpoints: readonly AuditCheckpoint[],
  publicKey: KeyObject,
  /**
   * A signed head kept outside the store (by an auditor, `vre audit head`). Whoever can write the
   * store could cut the log back to an earlier checkpoint; the log must still hold this head.
   */
  witness?: AuditCheckpoint
): Promise<VerifyResult> {
  if (witness !== undefined && !checkpointSignatureValid(witness, publicKey)) {
    return broken(0, null, 'the kept head is not signed by this audit key')
  }
  const sorted = [...checkpoints, ...(witness ? [witness] : [])].sort((a, b) => a.seq - b.seq)
  for (const c of sorted) {
    if (!checkpointSignatureValid(c, publicKey)) {
      return broken(0, c.seq, `the checkpoint for record ${c.seq} has an invalid signature`)
    }
  }
  const bySeq = new Map(sorted.map((c) => [c.seq, c]))
  let lastGoodCheckpoint = 0
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }
  let count = 0
  for await (const r of records) {
    count++
    const { hash, ...rest } = r
    if (r.seq !== prev.seq + 1) {
      return broken(count, r.seq, `record ${r.seq} follows record ${prev.seq}: records are missing or out of order`)
    }
    if (r.prevHash !== prev.hash) {
      return broken(
        count,
        r.seq,
        `record ${r.seq} does not link to the hash of record ${prev.seq}: a record was deleted, replaced or reordered`
      )
    }
    if (recordHash(rest) !== hash) {
      return broken(count, r.seq, `record ${r.seq} was altered: its hash does not match its content`)
    }
    const c = bySeq.get(r.seq)
    if (c !== undefined) {
      if (c.hash !== hash) {
        return broken(
          count,
          lastGoodCheckpoint + 1,
          `records ${lastGoodCheckpoint + 1} to ${r.seq} were rewritten: record ${r.seq} does not match its signed checkpoint`
        )
      }
      lastGoodCheckpoint = r.seq
    }
    prev = { seq: r.seq, hash }
  }
  if (witness !== undefined && prev.seq < witness.seq) {
    return broken(
      count,
      prev.seq + 1,
      `the log was cut back: it ends at record ${prev.seq}, but a head kept outside names record ${witness.seq}`
    )
  }
  const head = checkpoints.length > 0 ? [...checkpoints].sort((a, b) => a.seq - b.seq).at(-1) : undefined
  if (head === undefined) {
    return count === 0 ? { ok: true, records: 0, headSeq: 0 } : broken(count, 1, 'the signed checkpoint is missing')
  }
  if (head.seq > prev.seq) {
    return broken(
      count,
      prev.seq + 1,
      `the log was truncated: the signed checkpoint names record ${head.seq} but the last record is ${prev.seq}`
    )
  }
  if (head.seq < prev.seq) {
    return broken(
      count,
      head.seq + 1,
      `records after ${head.seq} are not covered by a signed checkpoint: they were added outside the gateway`
    )
  }
  return { ok: true, records: count, headSeq: head.seq }
}
