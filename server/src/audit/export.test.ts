import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { exportLines, verifyExport } from './export.js'
import { type AuditRecord, chainRecord } from './record.js'

const keys = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      chainRecord(
        {
          actor: `u${i}`,
          action: 'session.start',
          sourceIp: '10.0.0.1',
          target: `s${i}`,
          outcome: 'success',
          details: { i }
        },
        out.at(-1) ?? null,
        new Date(Date.UTC(2026, 11, 1, 9, i))
      )
    )
  }
  return out
}

async function exported(records: AuditRecord[]): Promise<string> {
  async function* source() {
    yield* records
  }
  let text = ''
  for await (const line of exportLines(
    source(),
    { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', exportedAt: new Date(), exportedBy: 'admin' },
    { sign: (m: Buffer) => sign(null, m, keys.privateKey) }
  ))
    text += line
  return text
}

describe('signed audit export (JSON lines)', () => {
  it('seals a range so an auditor can check it with the public key alone', async () => {
    const records = chain(5).slice(2) // a range from the middle of the chain
    const text = await exported(records)
    const check = verifyExport(text, keys.publicKey)
    expect(check).toMatchObject({
      ok: true,
      seal: { records: 3, firstSeq: 3, lastSeq: 5, linksTo: records[0]!.prevHash }
    })
  })

  it('catches a changed, a removed and an added line, and a seal of another key', async () => {
    const text = await exported(chain(4))
    const lines = text.trimEnd().split('\n')
    const changed = [lines[0], lines[1]!.replace('"u1"', '"u9"'), ...lines.slice(2)].join('\n')
    expect(verifyExport(changed, keys.publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/not the ones sealed/) })
    const removed = [lines[0], ...lines.slice(2)].join('\n')
    expect(verifyExport(removed, keys.publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/not the ones sealed/) })
    const added = [lines[0], lines[0], ...lines.slice(1)].join('\n')
    expect(verifyExport(added, keys.publicKey)).toMatchObject({ ok: false })
    expect(verifyExport(text, other.publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed by this audit key/) })
  })

  it('catches records re-hashed and re-sealed without the key: the seal would not verify', async () => {
    const records = chain(3)
    const forged = { ...records[1]!, actor: 'someone-else' }
    const text = await exported([records[0]!, forged, records[2]!])
    // sealed by the key holder, the export still shows the record no longer matches its hash
    expect(verifyExport(text, keys.publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/record 2 does not match its hash/) })
  })

  it('seals an empty range too', async () => {
    expect(verifyExport(await exported([]), keys.publicKey)).toMatchObject({
      ok: true,
      seal: { records: 0, firstSeq: null }
    })
  })
})
