import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/config.js'
import { Keyring } from '../keys/keyring.js'
import { openProvider } from '../keys/keys.js'
import type { KeyProvider } from '../keys/provider/key-provider.js'
import { type DataOperation, DataOperationLog, EXCERPT_CHARS, summarizeSource } from './data-operations.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

// the project keys come from a keyring on the test process's own SoftHSM2 token, as the gateway's do
let provider: KeyProvider
let ring: Keyring
let keyDir: string
beforeAll(() => {
  keyDir = mkdtempSync(join(tmpdir(), 'vre-dataops-keys-'))
  provider = openProvider(loadConfig({ dataDir: keyDir }))
  ring = Keyring.open(provider, keyDir, { create: true })
})
afterAll(() => {
  ring.close()
  provider.close()
  rmSync(keyDir, { recursive: true, force: true })
})

const SESSION = '6f1e2a0c-9a4b-4c1d-8e2f-3b5a7c9d1e0f'
const op = (source: string): DataOperation => ({
  at: '2025-01-01T00:00:00.000Z',
  actor: 'u1',
  action: 'cell.run',
  session: SESSION,
  language: 'sql',
  sha256: createHash('sha256').update(source).digest('hex'),
  source
})

describe('what the audit keeps of a source', () => {
  it('keeps a short source whole, and of a long one its digest, size and a marked excerpt', () => {
    expect(summarizeSource('select 1')).toEqual({
      sourceSha256: createHash('sha256').update('select 1').digest('hex'),
      sourceBytes: 8,
      sourceExcerpt: 'select 1'
    })
    const long = `select '${'患'.repeat(100_000)}'`
    const s = summarizeSource(long)
    expect(s.sourceBytes).toBe(Buffer.byteLength(long))
    expect(s.sourceExcerpt).toBe(`${long.slice(0, EXCERPT_CHARS)}…`)
  })

  it('never cuts a character outside the BMP in half', () => {
    const s = summarizeSource(`${'a'.repeat(EXCERPT_CHARS - 1)}😀 and more`)
    expect(s.sourceExcerpt).toBe(`${'a'.repeat(EXCERPT_CHARS - 1)}…`)
  })
})

describe('the data-operation log', () => {
  function log() {
    const dir = mkdtempSync(join(tmpdir(), 'vre-dataops-'))
    dirs.push(dir)
    // the session belongs to project p1; OTHER to project p2
    return new DataOperationLog(dir, { keyring: ring, projectOf: async (id) => (id === OTHER ? 'p2' : 'p1') })
  }
  const OTHER = '7a2f3b1d-0b5c-4d2e-9f30-4c6b8d0e2f1a'

  it('keeps every source whole, one line each, owner-only', async () => {
    const l = log()
    const sources = ['select 1', `-- ${'x'.repeat(100_000)}\nselect 2`, 'print("患者")']
    for (const s of sources)
      expect(await l.append(op(s), { quotaBytes: 1 << 20, otherBytes: 0 })).toMatchObject({ ok: true })
    const lines = (await l.read(SESSION)).toString('utf8').trim().split('\n')
    expect(lines.map((line) => (JSON.parse(line) as DataOperation).source)).toEqual(sources)
    // at rest, sealed under the project's key: none of the text is in the file
    expect(readFileSync(l.file(SESSION)).includes('print(')).toBe(false)
    expect(l.bytes(SESSION)).toBe((await l.read(SESSION)).length)
    expect(statSync(l.file(SESSION)).mode & 0o777).toBe(0o600)
    expect(statSync(join(l.file(SESSION), '..')).mode & 0o777).toBe(0o700)
  })

  it('refuses a line that would pass the quota, counting the bytes kept elsewhere, and writes nothing', async () => {
    const l = log()
    await l.append(op('select 1'), { quotaBytes: 4096, otherBytes: 0 })
    const before = l.bytes(SESSION)
    const refused = await l.append(op('x'.repeat(3000)), { quotaBytes: 4096, otherBytes: 1000 })
    expect(refused).toEqual({
      refused: { quotaBytes: 4096, usedBytes: before + 1000, requestedBytes: expect.any(Number) as number }
    })
    expect(l.bytes(SESSION)).toBe(before)
    // the same line fits once nothing else counts
    expect(await l.append(op('x'.repeat(3000)), { quotaBytes: 4096, otherBytes: 0 })).toMatchObject({ ok: true })
  })

  it('takes appends of one session one at a time, so concurrent cells cannot both squeeze past the quota', async () => {
    const l = log()
    const line = Buffer.byteLength(`${JSON.stringify(op('y'.repeat(1000)))}\n`)
    const results = await Promise.all(
      Array.from({ length: 10 }, () => l.append(op('y'.repeat(1000)), { quotaBytes: 3 * line, otherBytes: 0 }))
    )
    expect(results.filter((r) => 'ok' in r)).toHaveLength(3)
    expect(l.bytes(SESSION)).toBe(3 * line)
  })

  it('refuses a log with a changed byte, and a log of another project moved in; skips a record half written', async () => {
    const l = log()
    await l.append(op('select secret_column from t'), { quotaBytes: 1 << 20, otherBytes: 0 })
    await l.append(op('select 2'), { quotaBytes: 1 << 20, otherBytes: 0 })
    const file = l.file(SESSION)
    const whole = readFileSync(file)
    // a crash halfway through a third append: the half record is not read, and the next append cuts it off
    writeFileSync(file, Buffer.concat([whole, whole.subarray(0, 40)]))
    expect((await l.read(SESSION)).toString().trim().split('\n')).toHaveLength(2)
    await l.append(op('select 3'), { quotaBytes: 1 << 20, otherBytes: 0 })
    expect((await l.read(SESSION)).toString().trim().split('\n')).toHaveLength(3)
    const flipped = readFileSync(file)
    flipped[flipped.length - 10]! ^= 0x01
    writeFileSync(file, flipped)
    await expect(l.read(SESSION)).rejects.toThrow(/does not authenticate|damaged/)
    writeFileSync(file, whole)
    copyFileSync(file, l.file(OTHER))
    await expect(l.read(OTHER)).rejects.toThrow(/is "data-operations:6f1e2a0c-[^"]*", not "data-operations:7a2f3b1d-/)
  })
})
