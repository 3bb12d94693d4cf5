import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/config.js'
import {
  CHUNK_BYTES,
  ChunkSealer,
  EncryptedFileError,
  MAGIC,
  encryptedPlainSize,
  isEncryptedFile,
  openBytes,
  readEncryptedBytes,
  readEncryptedFile,
  sealBytes,
  writeEncryptedFile
} from './encrypted-file.js'
import { KeyDestroyedError, Keyring } from './keyring.js'
import { openProvider } from './keys.js'
import type { KeyProvider } from './provider/key-provider.js'

// data keys from a keyring on the test process's own SoftHSM2 token, as the gateway gets them
let provider: KeyProvider
let ring: Keyring
let dir: string
let keyId: string
let key: Buffer
let otherId: string
const lookup = (id: string) => ring.key(id)
const CONTEXT = 'snapshot:p1/alice'

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vre-encfile-'))
  provider = openProvider(loadConfig({ dataDir: dir }))
  ring = Keyring.open(provider, dir, { create: true })
  ;({ id: keyId, key } = ring.projectKey('p1'))
  otherId = ring.projectKey('p2').id
})
afterAll(() => {
  ring.close()
  provider.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A file of small chunks (the format allows any chunk size), so that every byte of it can be tried. */
function smallChunks(pieces: Buffer[], context = CONTEXT, id = keyId, dataKey = key): Buffer {
  const sealer = new ChunkSealer(id, dataKey, context)
  return Buffer.concat([sealer.header, ...pieces.map((p, i) => sealer.chunk(p, i === pieces.length - 1))])
}

/** Where each chunk of a sealed buffer starts, and where the chunks start at all. */
function layout(sealed: Buffer): { body: number; chunks: { at: number; end: number }[] } {
  const body = 10 + sealed.readUInt16BE(8)
  const chunks: { at: number; end: number }[] = []
  for (let at = body; at < sealed.length;) {
    const end = at + 4 + (sealed.readUInt32BE(at) & 0x7fff_ffff) + 16
    chunks.push({ at, end })
    at = end
  }
  return { body, chunks }
}

/** The header rewritten (its length word with it), as an attacker with a text editor would. */
function withHeader(sealed: Buffer, edit: (h: Record<string, unknown>) => void): Buffer {
  const { body } = layout(sealed)
  const h = JSON.parse(sealed.subarray(10, body).toString('utf8')) as Record<string, unknown>
  edit(h)
  const json = Buffer.from(JSON.stringify(h))
  const len = Buffer.alloc(2)
  len.writeUInt16BE(json.length)
  return Buffer.concat([MAGIC, len, json, sealed.subarray(body)])
}

const refused = (sealed: Buffer, context = CONTEXT) =>
  expect(() => openBytes(sealed, lookup, context)).toThrow(EncryptedFileError)

describe('encrypted files', () => {
  it.each([
    ['0 bytes', 0],
    ['1 byte', 1],
    ['exactly one chunk', CHUNK_BYTES],
    ['one chunk and a byte', CHUNK_BYTES + 1],
    ['many chunks', CHUNK_BYTES * 5 + 12_345]
  ])('round-trips %s, in memory and through a file', async (_name, size) => {
    const plain = randomBytes(size)
    const sealed = sealBytes(plain, keyId, key, CONTEXT)
    expect(openBytes(sealed, lookup, CONTEXT).equals(plain)).toBe(true)
    expect(size < 16 || !sealed.includes(plain.subarray(0, 16))).toBe(true)

    const path = join(dir, `rt-${size}.enc`)
    // fed in odd pieces, as a stream from a socket would be
    const pieces = (function* () {
      for (let at = 0; at < plain.length; at += 77_777) yield plain.subarray(at, at + 77_777)
    })()
    await writeEncryptedFile(path, Readable.from(pieces), keyId, key, CONTEXT)
    expect(isEncryptedFile(path)).toBe(true)
    expect(encryptedPlainSize(path)).toBe(size)
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600')
    expect((await readEncryptedBytes(path, lookup, CONTEXT)).equals(plain)).toBe(true)
    expect(openBytes(readFileSync(path), lookup, CONTEXT).equals(plain)).toBe(true)
  })

  it('refuses a flipped bit anywhere in the file: header, chunk words, ciphertext, tags', () => {
    const sealed = smallChunks([randomBytes(40), randomBytes(40), randomBytes(7)])
    expect(openBytes(sealed, lookup, CONTEXT).length).toBe(87)
    for (let at = 0; at < sealed.length; at++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(sealed)
        bad[at]! ^= bit
        let error: unknown
        try {
          openBytes(bad, lookup, CONTEXT)
        } catch (e) {
          error = e
        }
        expect(error, `byte ${at} bit ${bit}`).toBeInstanceOf(EncryptedFileError)
      }
    }
  })

  it('refuses chunks swapped, a chunk dropped, or a chunk repeated', () => {
    const sealed = smallChunks([Buffer.alloc(50, 1), Buffer.alloc(50, 2), Buffer.alloc(50, 3), Buffer.alloc(10, 4)])
    const { body, chunks } = layout(sealed)
    const c = chunks.map((x) => sealed.subarray(x.at, x.end))
    const head = sealed.subarray(0, body)
    refused(Buffer.concat([head, c[1]!, c[0]!, c[2]!, c[3]!]))
    refused(Buffer.concat([head, c[0]!, c[2]!, c[1]!, c[3]!]))
    refused(Buffer.concat([head, c[0]!, c[2]!, c[3]!]))
    refused(Buffer.concat([head, c[0]!, c[0]!, c[1]!, c[2]!, c[3]!]))
    // a chunk of another file with the same key and context does not fit either (its own file key)
    const other = smallChunks([Buffer.alloc(50, 1), Buffer.alloc(50, 2), Buffer.alloc(50, 3), Buffer.alloc(10, 4)])
    const o = layout(other).chunks.map((x) => other.subarray(x.at, x.end))
    refused(Buffer.concat([head, c[0]!, o[1]!, c[2]!, c[3]!]))
  })

  it('refuses a file cut at a chunk boundary, inside a chunk, or inside the header', () => {
    const sealed = smallChunks([randomBytes(64), randomBytes(64), randomBytes(64)])
    const { body, chunks } = layout(sealed)
    for (const x of chunks) expect(() => openBytes(sealed.subarray(0, x.at), lookup, CONTEXT)).toThrow(/cut short/)
    for (const x of chunks) refused(sealed.subarray(0, x.at + 30))
    refused(sealed.subarray(0, sealed.length - 1))
    refused(sealed.subarray(0, body - 3))
    refused(Buffer.alloc(0))
    // a whole file of full chunks cut after its first chunk
    const big = sealBytes(randomBytes(CHUNK_BYTES * 3), keyId, key, CONTEXT)
    expect(() => openBytes(big.subarray(0, layout(big).chunks[1]!.at), lookup, CONTEXT)).toThrow(/cut short/)
  })

  it('refuses bytes appended after the last chunk, and the last-chunk flag moved', () => {
    const sealed = smallChunks([randomBytes(30), randomBytes(30)])
    expect(() => openBytes(Buffer.concat([sealed, Buffer.from([0])]), lookup, CONTEXT)).toThrow(/after its last chunk/)
    expect(() =>
      openBytes(Buffer.concat([sealed, sealed.subarray(layout(sealed).chunks[1]!.at)]), lookup, CONTEXT)
    ).toThrow(/after its last chunk/)
    const { chunks } = layout(sealed)
    const firstMarkedLast = Buffer.from(sealed)
    firstMarkedLast[chunks[0]!.at]! |= 0x80
    refused(firstMarkedLast)
    refused(firstMarkedLast.subarray(0, chunks[0]!.end))
    const lastUnmarked = Buffer.from(sealed)
    lastUnmarked[chunks[1]!.at]! &= 0x7f
    refused(lastUnmarked)
  })

  it("refuses a header whose context or key id was edited, and a file opened as another file's context", () => {
    const sealed = smallChunks([Buffer.from('patient 1234 has diabetes')])
    // another project's context: refused before any key is used
    expect(() => openBytes(sealed, lookup, 'snapshot:p2/alice')).toThrow(
      /is "snapshot:p1\/alice", not "snapshot:p2\/alice"/
    )
    // the header edited to claim the context the reader expects: the chunks are bound to the real header
    refused(
      withHeader(sealed, (h) => (h.c = 'snapshot:p2/alice')),
      'snapshot:p2/alice'
    )
    // another live key of this keyring named instead
    refused(withHeader(sealed, (h) => (h.k = otherId)))
    // a key id this keyring never had
    refused(withHeader(sealed, (h) => (h.k = 'project-00000000-0000-0000-0000-000000000000')))
    // a salt changed: another file key
    refused(withHeader(sealed, (h) => (h.s = randomBytes(32).toString('base64'))))
    refused(withHeader(sealed, (h) => (h.v = 2)))
    // and the same file through the streaming reader
    const path = join(dir, 'ctx.enc')
    writeFileSync(path, sealed)
    return expect(readEncryptedBytes(path, lookup, 'release:p1/r1')).rejects.toThrow(EncryptedFileError)
  })

  it('says a file is erased, not damaged, once its key was destroyed', () => {
    const doomed = ring.create('dataset', 'd/1')
    const sealed = sealBytes(Buffer.from('person_id,age\n17,54\n'), doomed.id, doomed.key, 'dataset:d/1')
    expect(openBytes(sealed, lookup, 'dataset:d/1').toString()).toContain('person_id')
    ring.destroy(doomed.id)
    expect(() => openBytes(sealed, lookup, 'dataset:d/1')).toThrow(KeyDestroyedError)
  })

  it('fails the stream, not just the end, when a file on disk was changed or cut', async () => {
    const plain = randomBytes(CHUNK_BYTES * 3)
    const path = join(dir, 'stream.enc')
    await writeEncryptedFile(path, plain, keyId, key, CONTEXT)
    const sealed = readFileSync(path)
    const changed = Buffer.from(sealed)
    changed[layout(sealed).chunks[1]!.at + 100]! ^= 1
    writeFileSync(path, changed)
    let got = 0
    await expect(
      pipeline(
        readEncryptedFile(path, lookup, CONTEXT),
        new Writable({
          write(c: Buffer, _e, done) {
            got += c.length
            done()
          }
        })
      )
    ).rejects.toThrow(/chunk 1 does not authenticate/)
    // what came out before the change is the authenticated first chunk only
    expect(got).toBe(CHUNK_BYTES)
    writeFileSync(path, sealed.subarray(0, layout(sealed).chunks[2]!.at))
    await expect(readEncryptedBytes(path, lookup, CONTEXT)).rejects.toThrow(/cut short/)
  })

  it('streams 1 GiB through encryption and back with a small, flat memory footprint', async () => {
    const GiB = 1024 * 1024 * 1024
    const block = randomBytes(1024 * 1024)
    const path = join(dir, 'big.enc')
    const baseline = process.memoryUsage().rss
    let peak = baseline
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
    try {
      const written = createHash('sha256')
      await writeEncryptedFile(
        path,
        Readable.from(
          (function* () {
            for (let i = 0; i < GiB / block.length; i++) {
              written.update(block)
              yield block
            }
          })()
        ),
        keyId,
        key,
        CONTEXT
      )
      expect(statSync(path).size).toBeGreaterThan(GiB)
      expect(encryptedPlainSize(path)).toBe(GiB)
      const read = createHash('sha256')
      let bytes = 0
      await pipeline(
        readEncryptedFile(path, lookup, CONTEXT),
        new Writable({
          write(c: Buffer, _e, done) {
            read.update(c)
            bytes += c.length
            peak = Math.max(peak, process.memoryUsage().rss)
            done()
          }
        })
      )
      expect(bytes).toBe(GiB)
      expect(read.digest('hex')).toBe(written.digest('hex'))
    } finally {
      clearInterval(sample)
      rmSync(path, { force: true })
    }
    // a few chunks in flight, not the file: well under a tenth of its size
    expect(peak - baseline).toBeLessThan(96 * 1024 * 1024)
  }, 180_000)
})
