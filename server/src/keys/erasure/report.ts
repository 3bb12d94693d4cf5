import { type KeyObject, verify } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { AuditRecord } from '../../audit/record.js'
import type { AuditSigner } from '../keys.js'
import type { Keyring } from '../keyring.js'
import type { ErasureDetails } from './erase.js'

export const ERASURE_REPORT_KIND = 'vre-erasure-report/v1'

/** What the report states; the signature covers its RFC 8785 canonical JSON. */
export interface ErasureStatement {
  kind: typeof ERASURE_REPORT_KIND
  project: { id: string; title: string }
  reason: string
  erasedAt: string
  /** the `project.erased` record that recorded the erasure */
  record: { seq: number; hash: string }
  keys: {
    id: string
    purpose: string
    scope: string
    kek: string
    destroyedAt: string
    audit: { seq: number; hash: string }
  }[]
  files: { path: string; bytes: number }[]
  generatedAt: string
}

export interface ErasureReport {
  statement: ErasureStatement
  /** Ed25519 by the audit signing key, base64 */
  signature: string
}

const bytes = (s: ErasureStatement) => Buffer.from(canonicalize(s) ?? '', 'utf8')

/**
 * The signed statement of a project's erasure, from its `project.erased` record and the keyring
 * (which says when each key was really destroyed). Signed inside the key provider.
 */
export function erasureReport(
  project: { id: string; title: string },
  erased: AuditRecord,
  keyring: Keyring,
  signer: AuditSigner,
  now: Date
): ErasureReport {
  const d = erased.details as unknown as ErasureDetails
  const statement: ErasureStatement = {
    kind: ERASURE_REPORT_KIND,
    project: { id: project.id, title: project.title },
    reason: d.reason,
    erasedAt: erased.ts,
    record: { seq: erased.seq, hash: erased.hash },
    keys: d.keys.map((k) => {
      const entry = keyring.entry(k.id)
      if (entry.destroyedAt === undefined)
        throw new Error(`the key ${k.id} is recorded as destroyed but the keyring still holds it`)
      return { ...k, destroyedAt: entry.destroyedAt }
    }),
    files: d.files,
    generatedAt: now.toISOString()
  }
  return { statement, signature: signer.sign(bytes(statement)).toString('base64') }
}

/** Checks the report's form and signature; the reason it fails, or null. */
export function checkReportSignature(
  text: string,
  publicKey: KeyObject
): { report: ErasureReport | null; problem: string | null } {
  let report: ErasureReport
  try {
    report = JSON.parse(text) as ErasureReport
  } catch (e) {
    return { report: null, problem: `not JSON: ${(e as Error).message}` }
  }
  const s = report?.statement
  if (
    s?.kind !== ERASURE_REPORT_KIND ||
    !Array.isArray(s.keys) ||
    !Array.isArray(s.files) ||
    typeof report.signature !== 'string'
  ) {
    return { report: null, problem: `not an erasure report (${ERASURE_REPORT_KIND})` }
  }
  const ok = verify(null, bytes(s), publicKey, Buffer.from(report.signature, 'base64'))
  return ok
    ? { report, problem: null }
    : { report, problem: 'the signature does not match the statement (changed, or signed by another key)' }
}

/**
 * Checks the report against a data directory: every record it cites is in the audit chain with that
 * hash, and each key is destroyed in the keyring and its KEK gone from the provider.
 */
export async function checkReportAgainst(
  report: ErasureReport,
  records: AsyncIterable<AuditRecord>,
  keyring: Keyring
): Promise<string[]> {
  const problems: string[] = []
  const cited = new Map<number, string>([[report.statement.record.seq, report.statement.record.hash]])
  for (const k of report.statement.keys) cited.set(k.audit.seq, k.audit.hash)
  for await (const r of records) {
    const want = cited.get(r.seq)
    if (want === undefined) continue
    if (want !== r.hash) problems.push(`audit record ${r.seq} has the hash ${r.hash}, not ${want}`)
    cited.delete(r.seq)
  }
  for (const seq of cited.keys()) problems.push(`audit record ${seq} is not in the log`)
  for (const k of report.statement.keys) {
    let entry
    try {
      entry = keyring.entry(k.id)
    } catch {
      problems.push(`the keyring has no key ${k.id}`)
      continue
    }
    if (entry.destroyedAt === undefined || entry.wrapped !== null)
      problems.push(`the keyring still holds the key ${k.id}`)
    if (keyring.provider.hasKek(k.kek)) problems.push(`the key provider still holds ${k.kek}, the KEK of ${k.id}`)
  }
  return problems
}
