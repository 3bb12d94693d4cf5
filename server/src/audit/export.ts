import { createHash, verify, type KeyObject } from 'node:crypto'
import type { AuditSigner } from '../keys/keys.js'
import canonicalize from 'canonicalize'
import { type AuditRecord, GENESIS_HASH, recordHash } from './record.js'

/**
 * The last line of an export: what range it covers, how many records, the chain's links at both
 * ends, and the SHA-256 of every line before it, signed with the audit key. An auditor holding the
 * public key (audit-signing.pub) can tell that nothing was added, removed or changed since.
 */
export interface ExportSeal {
  kind: 'vre-audit-export'
  from: string
  to: string
  records: number
  firstSeq: number | null
  lastSeq: number | null
  /** the hash the first record links to (so the export can be joined to the one before it) */
  linksTo: string | null
  lastHash: string | null
  /** hex SHA-256 of the record lines as exported, newlines included */
  sha256: string
  exportedAt: string
  exportedBy: string
  signature: string
}

const sealMessage = (seal: Omit<ExportSeal, 'signature'>): Buffer => Buffer.from(canonicalize(seal)!, 'utf8')

/** Lines of a signed JSON-lines export: each record as stored, then the seal. */
export async function* exportLines(
  records: AsyncIterable<AuditRecord>,
  range: { from: string; to: string; exportedAt: Date; exportedBy: string },
  signer: AuditSigner
): AsyncGenerator<string> {
  const hash = createHash('sha256')
  let count = 0
  let first: AuditRecord | null = null
  let last: AuditRecord | null = null
  for await (const r of records) {
    const line = `${JSON.stringify(r)}\n`
    hash.update(line)
    count++
    first ??= r
    last = r
    yield line
  }
  const seal: Omit<ExportSeal, 'signature'> = {
    kind: 'vre-audit-export',
    from: range.from,
    to: range.to,
    records: count,
    firstSeq: first?.seq ?? null,
    lastSeq: last?.seq ?? null,
    linksTo: first?.prevHash ?? null,
    lastHash: last?.hash ?? null,
    sha256: hash.digest('hex'),
    exportedAt: range.exportedAt.toISOString(),
    exportedBy: range.exportedBy
  }
  yield `${JSON.stringify({ ...seal, signature: signer.sign(sealMessage(seal)).toString('base64') })}\n`
}

export type ExportCheck = { ok: true; seal: ExportSeal } | { ok: false; reason: string }

/**
 * An auditor's check of an export: the seal's signature, the digest of the lines, the count, and
 * the chain inside the range (each record's hash, and each linking to the one before).
 */
export function verifyExport(text: string, publicKey: KeyObject): ExportCheck {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const sealLine = lines.pop()
  if (sealLine === undefined) return { ok: false, reason: 'the export is empty' }
  let seal: ExportSeal
  try {
    seal = JSON.parse(sealLine) as ExportSeal
  } catch {
    return { ok: false, reason: 'the last line is not a seal' }
  }
  if (seal.kind !== 'vre-audit-export') return { ok: false, reason: 'the last line is not a seal' }
  const { signature, ...signed } = seal
  let valid = false
  try {
    valid = verify(null, sealMessage(signed), publicKey, Buffer.from(signature ?? '', 'base64'))
  } catch {
    valid = false
  }
  if (!valid) return { ok: false, reason: 'the seal is not signed by this audit key' }
  const body = lines.map((l) => `${l}\n`).join('')
  if (createHash('sha256').update(body).digest('hex') !== seal.sha256) {
    return { ok: false, reason: 'the records are not the ones sealed: lines were changed, added or removed' }
  }
  if (lines.length !== seal.records) return { ok: false, reason: 'the number of records is not the one sealed' }
  let prev: { seq: number; hash: string } | null = null
  for (const line of lines) {
    const { hash, ...rest } = JSON.parse(line) as AuditRecord
    if (recordHash(rest) !== hash) return { ok: false, reason: `record ${rest.seq} does not match its hash` }
    if (prev !== null && (rest.seq !== prev.seq + 1 || rest.prevHash !== prev.hash)) {
      return { ok: false, reason: `record ${rest.seq} does not follow record ${prev.seq}` }
    }
    if (prev === null && rest.seq === 1 && rest.prevHash !== GENESIS_HASH) {
      return { ok: false, reason: 'the first record does not start the chain' }
    }
    prev = { seq: rest.seq, hash }
  }
  return { ok: true, seal }
}
