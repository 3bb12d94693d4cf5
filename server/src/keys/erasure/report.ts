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
 * hash and is what the report says it is (the `project.erased` record of that project, naming
 * exactly these keys; a `key.destroyed` record of that project for each key), each key is destroyed
 * in the keyring and its KEK gone from the provider, and the keyring holds no live key of the
 * project. A signature alone proves little: whoever holds the token can sign any statement.
 */
export async function checkReportAgainst(
  report: ErasureReport,
  records: AsyncIterable<AuditRecord>,
  keyring: Keyring
): Promise<string[]> {
  const problems: string[] = []
  const s = report.statement
  const projectId = s.project?.id
  const cited = new Map<number, string>([[s.record.seq, s.record.hash]])
  for (const k of s.keys) cited.set(k.audit.seq, k.audit.hash)
  const keyBySeq = new Map(s.keys.map((k) => [k.audit.seq, k]))
  for await (const r of records) {
    const want = cited.get(r.seq)
    if (want === undefined) continue
    cited.delete(r.seq)
    if (want !== r.hash) {
      problems.push(`audit record ${r.seq} has the hash ${r.hash}, not ${want}`)
      continue
    }
    if (r.seq === s.record.seq) {
      const d = r.details as unknown as Partial<ErasureDetails>
      const named = Array.isArray(d.keys) ? d.keys.map((k) => `${k.id}@${k.audit?.seq}`).sort() : []
      const stated = s.keys.map((k) => `${k.id}@${k.audit.seq}`).sort()
      if (r.action !== 'project.erased' || r.target !== projectId) {
        problems.push(`audit record ${r.seq} is ${r.action} of ${r.target ?? 'nothing'}, not the erasure of the project ${projectId}`)
      } else if (JSON.stringify(named) !== JSON.stringify(stated)) {
        problems.push(`audit record ${r.seq} names other keys than the report`)
      }
      continue
    }
    const k = keyBySeq.get(r.seq)!
    if (r.action !== 'key.destroyed' || r.target !== projectId || r.details.keyId !== k.id || r.details.kek !== k.kek) {
      problems.push(`audit record ${r.seq} is not the destruction of the key ${k.id} of the project ${projectId}`)
    }
  }
  for (const seq of cited.keys()) problems.push(`audit record ${seq} is not in the log`)
  for (const k of s.keys) {
    let entry
    try {
      entry = keyring.entry(k.id)
    } catch {
      problems.push(`the keyring has no key ${k.id}`)
      continue
    }
    if (entry.destroyedAt === undefined || entry.wrapped !== null)
      problems.push(`the keyring still holds the key ${k.id}`)
    for (const label of new Set([k.kek, entry.kek, ...(entry.retiring ?? [])]))
      if (keyring.provider.hasKek(label)) problems.push(`the key provider still holds ${label}, a KEK of ${k.id}`)
  }
  const live = keyring.entries().filter((e) => e.destroyedAt === undefined && e.purpose === 'project' && e.scope === projectId)
  for (const e of live) problems.push(`the keyring holds a live key of the project: ${e.id}`)
  return problems
}
