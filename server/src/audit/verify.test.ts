import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signCheckpoint } from './checkpoint.js'
import { type AuditRecord, chainRecord, recordHash } from './record.js'
import { verifyChain } from './verify.js'

const { privateKey, publicKey } = generateKeyPairSync('ed25519')

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      chainRecord(
        {
          actor: `u${i}`,
          action: 'audit.search',
          sourceIp: '127.0.0.1',
          target: null,
          outcome: 'success',
          details: { i }
        },
        out.at(-1) ?? null,
        new Date(1_800_000_000_000 + i)
      )
    )
  }
  return out
}
const signer = (k: KeyObject) => ({ sign: (m: Buffer) => sign(null, m, k) })
const head = (r: AuditRecord) => signCheckpoint(r.seq, r.hash, new Date(), signer(privateKey))

/** Re-hashes records from index `from` on, as a forger without the signing key would. */
function rehash(records: AuditRecord[], from: number): AuditRecord[] {
  const out = records.slice(0, from)
  for (const r of records.slice(from)) {
    const prev = out.at(-1)
    const base = { ...r, prevHash: prev!.hash }
    const { hash: _h, ...rest } = base
    out.push({ ...base, hash: recordHash(rest) })
  }
  return out
}

describe('verifyChain', () => {
  it('accepts an intact chain with its signed head', async () => {
    const c = chain(10)
    expect(await verifyChain(c, [head(c[9]!)], publicKey)).toEqual({ ok: true, records: 10, headSeq: 10 })
  })

  it('does not depend on key order in details (canonical encoding)', () => {
    const a = chainRecord(
      { actor: 'a', action: 'audit.search', sourceIp: null, target: null, outcome: 'success', details: { a: 1, b: 2 } },
      null,
      new Date(0)
    )
    const b = chainRecord(
      { actor: 'a', action: 'audit.search', sourceIp: null, target: null, outcome: 'success', details: { b: 2, a: 1 } },
      null,
      new Date(0)
    )
    expect(a.hash).toBe(b.hash)
  })

  it('locates a rewritten and re-hashed stretch between signed checkpoints', async () => {
    const c = chain(20)
    const checkpoints = [head(c[4]!), head(c[9]!), head(c[19]!)]
    const forged = rehash(
      c.map((r, i) => (i === 12 ? { ...r, actor: 'forger' } : r)),
      12
    )
    const result = await verifyChain(forged, checkpoints, publicKey)
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 11 })
    expect(result.ok || result.reason).toMatch(/records 11 to 20 were rewritten/)
  })

  it('rejects records appended after the signed head', async () => {
    const c = chain(6)
    const extra = rehash([...c, { ...c[5]!, seq: 7, actor: 'forger' }], 6)
    expect(await verifyChain(extra, [head(c[5]!)], publicKey)).toMatchObject({ ok: false, firstBrokenSeq: 7 })
  })

  it('rejects a checkpoint signed by another key', async () => {
    const c = chain(3)
    const other = generateKeyPairSync('ed25519').privateKey
    const result = await verifyChain(c, [signCheckpoint(3, c[2]!.hash, new Date(), signer(other))], publicKey)
    expect(result.ok).toBe(false)
  })

  it('rejects a chain with records but no checkpoint', async () => {
    expect((await verifyChain(chain(2), [], publicKey)).ok).toBe(false)
  })
})
