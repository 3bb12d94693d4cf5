import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/config.js'
import { isEncryptedFile } from '../keys/encrypted-file.js'
import { KeyDestroyedError, Keyring } from '../keys/keyring.js'
import { openProvider } from '../keys/keys.js'
import type { KeyProvider } from '../keys/provider/key-provider.js'
import { Quarantine, QuarantineCorrupt, quarantineFile } from './quarantine.js'

// the project keys come from a keyring on the test process's own SoftHSM2 token, as the gateway's do
let provider: KeyProvider
let ring: Keyring
let dir: string
let q: Quarantine
const A = 'aaaaaaaa-0000-4000-8000-000000000001'
const B = 'bbbbbbbb-0000-4000-8000-000000000002'
const TEXT = 'patient_key,hba1c\r\nPK-7731-secret,7.9\r\n'
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex')

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-quarantine-'))
  provider = openProvider(loadConfig({ dataDir: dir }))
  ring = Keyring.open(provider, dir, { create: true })
  q = new Quarantine(join(dir, 'quarantine'), ring)
})
afterAll(() => {
  ring.close()
  provider.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the quarantine at rest', () => {
  it('keeps a file encrypted under its project, addressed by the digest of its plaintext, and reads back the exact bytes', async () => {
    const stored = await q.store(A, Readable.from([Buffer.from(TEXT)]), 1e6)
    expect(stored).toEqual({ sha256: sha(TEXT), size: Buffer.byteLength(TEXT) })
    const file = quarantineFile(join(dir, 'quarantine'), A, stored.sha256)
    expect(isEncryptedFile(file)).toBe(true)
    expect(readFileSync(file).includes('PK-7731-secret')).toBe(false)
    expect((await q.read(A, stored.sha256)).toString()).toBe(TEXT)
    expect(q.contents()).toEqual({ files: [{ projectId: A, sha256: stored.sha256 }], partials: [] })
  })

  it('refuses a file with a flipped byte: it does not decrypt, and nothing of it is handed out', async () => {
    const { sha256 } = await q.store(A, Readable.from([Buffer.from(`${TEXT}flip`)]), 1e6)
    const file = quarantineFile(join(dir, 'quarantine'), A, sha256)
    const bytes = readFileSync(file)
    bytes[bytes.length - 20]! ^= 0x01
    writeFileSync(file, bytes)
    await expect(q.read(A, sha256)).rejects.toThrow(QuarantineCorrupt)
    await expect(q.read(A, sha256)).rejects.toThrow(/does not decrypt: .*does not authenticate/)
  })

  it("does not open project A's file as project B's, nor a plaintext file put in its place", async () => {
    const { sha256 } = await q.store(A, Readable.from([Buffer.from(`${TEXT}A`)]), 1e6)
    mkdirSync(join(dir, 'quarantine', B), { recursive: true })
    renameSync(quarantineFile(join(dir, 'quarantine'), A, sha256), quarantineFile(join(dir, 'quarantine'), B, sha256))
    await expect(q.read(B, sha256)).rejects.toThrow(/is "quarantine:aaaaaaaa-[^"]+", not "quarantine:bbbbbbbb-/)
    writeFileSync(quarantineFile(join(dir, 'quarantine'), B, sha256), `${TEXT}A`)
    await expect(q.read(B, sha256)).rejects.toThrow(/not an encrypted file/)
  })

  it('refuses a file of the same project put under another digest', async () => {
    const one = await q.store(A, Readable.from([Buffer.from('one')]), 1e6)
    const two = await q.store(A, Readable.from([Buffer.from('two')]), 1e6)
    renameSync(
      quarantineFile(join(dir, 'quarantine'), A, two.sha256),
      quarantineFile(join(dir, 'quarantine'), A, one.sha256)
    )
    await expect(q.read(A, one.sha256)).rejects.toThrow(/no longer match their digest/)
  })

  it('stores nothing past its cap, nor what `admit` refuses', async () => {
    const before = q.contents()
    await expect(q.store(B, Readable.from([Buffer.alloc(2000)]), 1000)).rejects.toThrow(/larger than 1000 bytes/)
    await expect(
      q.store(B, Readable.from([Buffer.from('refused')]), 1000, () => {
        throw new Error('over quota')
      })
    ).rejects.toThrow(/over quota/)
    expect(q.contents()).toEqual(before)
  })

  it("is gone for good once the project's key is destroyed", async () => {
    const P = 'cccccccc-0000-4000-8000-000000000003'
    const { sha256 } = await q.store(P, Readable.from([Buffer.from(TEXT)]), 1e6)
    ring.destroy(ring.projectKey(P).id)
    await expect(q.read(P, sha256)).rejects.toThrow(KeyDestroyedError)
  })

  it('refuses a project id that could leave its directory', () => {
    expect(() => quarantineFile(join(dir, 'quarantine'), '../x', sha('x'))).toThrow(/not a project id/)
  })
})
