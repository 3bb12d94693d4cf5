import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, closeSync, openSync, readSync, renameSync, rmSync } from 'node:fs'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/**
 * Files at rest: AES-256-GCM in authenticated chunks, streamed, so a 1 GiB dataset is never held
 * whole in memory.
 *
 *   "VREENC01" | u16 header length | header JSON {v, k: data key id, c: context, s: salt}
 *   then chunks: u32 word (bit 31: last chunk, bits 0-30: length n) | n bytes ciphertext | 16-byte tag
 *
 * Each file has its own key, HKDF-SHA256(data key, salt): no two files share a key, so the nonce can
 * be the chunk counter with the last-chunk flag, and the AAD is the header and the chunk's word.
 * Changing a byte fails its tag; moving a chunk changes its counter; cutting the file loses the
 * chunk marked last; a chunk marked last that is not last, or bytes after it, are refused. The
 * context (what the file is, e.g. `snapshot:<project>/<user>`) is bound in the header and checked
 * on reading, so one project's file swapped in for another's does not open.
 */
export const MAGIC = Buffer.from('VREENC01', 'latin1')
export const CHUNK_BYTES = 256 * 1024
/** Of a chunk's word: the last-chunk flag (bits 0-30 are the length). Readers that walk chunks use these. */
export const LAST = 0x8000_0000
const MAX_CHUNK = 16 * 1024 * 1024
/** The GCM tag after each chunk's ciphertext. */
export const TAG = 16

export class EncryptedFileError extends Error {
  override name = 'EncryptedFileError'
}

interface Header {
  v: 1
  k: string
  c: string
  s: string
}

function fileKey(dataKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, salt, 'vre/file/v1', 32))
}

function nonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12)
  n[3] = last ? 1 : 0
  n.writeBigUInt64BE(BigInt(counter), 4)
  return n
}

function word(length: number, last: boolean): Buffer {
  const w = Buffer.alloc(4)
  w.writeUInt32BE((last ? LAST : 0) + length)
  return w
}

/** Encrypts chunk by chunk; `header` first, then `chunk()` for each piece, `chunk(last)` at the end. */
export class ChunkSealer {
  readonly header: Buffer
  private readonly key: Buffer
  private counter = 0
  private done = false

  constructor(keyId: string, dataKey: Buffer, context: string) {
    const salt = randomBytes(32)
    const json = Buffer.from(JSON.stringify({ v: 1, k: keyId, c: context, s: salt.toString('base64') } satisfies Header))
    const len = Buffer.alloc(2)
    len.writeUInt16BE(json.length)
    this.header = Buffer.concat([MAGIC, len, json])
    this.key = fileKey(dataKey, salt)
  }

  chunk(plain: Buffer, last = false): Buffer {
    if (this.done) throw new EncryptedFileError('the file was finished already')
    if (plain.length > MAX_CHUNK) throw new EncryptedFileError('chunk too large')
    const w = word(plain.length, last)
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.counter++, last))
    cipher.setAAD(Buffer.concat([this.header, w]))
    const body = Buffer.concat([cipher.update(plain), cipher.final()])
    if (last) this.done = true
    return Buffer.concat([w, body, cipher.getAuthTag()])
  }
}

/** What a reader needs: the data key for an id (throws if destroyed). */
export type KeyLookup = (keyId: string) => Buffer

/** Decrypts an encrypted file fed in pieces of any size. */
class ChunkOpener {
  private pending: Buffer[] = []
  private pendingBytes = 0
  private header: Header | undefined
  private headerBytes: Buffer | undefined
  private key: Buffer | undefined
  private counter = 0
  finished = false

  constructor(
    private readonly lookup: KeyLookup,
    private readonly context: string | undefined
  ) {}

  /**
   * The data key the header names. An erased key stays a KeyDestroyedError (the file is gone for
   * good, not damaged); any other failure (an id this keyring never had, a key that does not unwrap)
   * means the header is not what was written: an EncryptedFileError like every other change.
   */
  private dataKey(id: string): Buffer {
    try {
      return this.lookup(id)
    } catch (e) {
      if ((e as Error)?.name === 'KeyDestroyedError') throw e
      throw new EncryptedFileError(`the encrypted file names the key ${id}, which does not open it: ${(e as Error)?.message ?? e}`)
    }
  }

  /** The unread bytes, as one buffer (concatenated once per push, not once per chunk). */
  private unread(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending)]
    return this.pending[0] ?? Buffer.alloc(0)
  }

  private take(n: number): Buffer {
    const all = this.unread()
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    this.pending = rest.length > 0 ? [rest] : []
    this.pendingBytes = rest.length
    return out
  }

  push(data: Buffer, emit: (b: Buffer) => void): void {
    if (data.length === 0) return
    if (this.finished) throw new EncryptedFileError('the file has data after its last chunk')
    this.pending.push(data)
    this.pendingBytes += data.length
    for (;;) {
      if (this.header === undefined) {
        if (this.pendingBytes < 10) return
        const peek = this.unread()
        if (!peek.subarray(0, 8).equals(MAGIC)) throw new EncryptedFileError('not an encrypted file of this platform')
        const len = peek.readUInt16BE(8)
        if (this.pendingBytes < 10 + len) return
        this.headerBytes = Buffer.from(this.take(10 + len))
        let h: Header
        try {
          h = JSON.parse(this.headerBytes.subarray(10).toString('utf8')) as Header
        } catch {
          throw new EncryptedFileError('the encrypted file has a damaged header')
        }
        if (h.v !== 1 || typeof h.k !== 'string' || typeof h.c !== 'string' || typeof h.s !== 'string') {
          throw new EncryptedFileError('the encrypted file has a header this version does not understand')
        }
        if (this.context !== undefined && h.c !== this.context) {
          throw new EncryptedFileError(`the encrypted file is "${h.c}", not "${this.context}"`)
        }
        this.header = h
        this.key = fileKey(this.dataKey(h.k), Buffer.from(h.s, 'base64'))
        continue
      }
      if (this.pendingBytes < 4) return
      const w = this.unread().readUInt32BE(0)
      const last = (w & LAST) !== 0
      const n = w & ~LAST
      if (n > MAX_CHUNK) throw new EncryptedFileError('the encrypted file has a damaged chunk length')
      if (this.pendingBytes < 4 + n + TAG) return
      const chunk = this.take(4 + n + TAG)
      const decipher = createDecipheriv('aes-256-gcm', this.key!, nonce(this.counter++, last))
      decipher.setAAD(Buffer.concat([this.headerBytes!, chunk.subarray(0, 4)]))
      decipher.setAuthTag(chunk.subarray(4 + n))
      let plain: Buffer
      try {
        // GCM's final() yields no bytes: the update's output is the chunk, with no copy to join them
        plain = decipher.update(chunk.subarray(4, 4 + n))
        decipher.final()
      } catch {
        throw new EncryptedFileError(`the encrypted file was changed (chunk ${this.counter - 1} does not authenticate)`)
      }
      if (plain.length > 0) emit(plain)
      if (last) {
        this.finished = true
        if (this.pendingBytes > 0) throw new EncryptedFileError('the file has data after its last chunk')
        return
      }
    }
  }

  end(): void {
    if (!this.finished) throw new EncryptedFileError('the encrypted file is cut short (its last chunk is missing)')
  }

  get keyId(): string | undefined {
    return this.header?.k
  }
}

/** A Transform that encrypts what goes through it. */
export function encryptingStream(keyId: string, dataKey: Buffer, context: string): Transform {
  const sealer = new ChunkSealer(keyId, dataKey, context)
  let buffered: Buffer[] = []
  let bytes = 0
  let started = false
  return new Transform({
    transform(data: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        this.push(sealer.header)
        started = true
      }
      buffered.push(data)
      bytes += data.length
      if (bytes >= CHUNK_BYTES) {
        let all = Buffer.concat(buffered)
        while (all.length >= CHUNK_BYTES) {
          this.push(sealer.chunk(all.subarray(0, CHUNK_BYTES)))
          all = all.subarray(CHUNK_BYTES)
        }
        buffered = all.length > 0 ? [all] : []
        bytes = all.length
      }
      done()
    },
    flush(done: TransformCallback) {
      if (!started) this.push(sealer.header)
      this.push(sealer.chunk(Buffer.concat(buffered), true))
      done()
    }
  })
}

/** A Transform that decrypts and authenticates; it errors on any change, reorder or truncation. */
export function decryptingStream(lookup: KeyLookup, context?: string): Transform {
  const opener = new ChunkOpener(lookup, context)
  return new Transform({
    transform(data: Buffer, _enc, done: TransformCallback) {
      try {
        opener.push(data, (b) => this.push(b))
        done()
      } catch (e) {
        done(e as Error)
      }
    },
    flush(done: TransformCallback) {
      try {
        opener.end()
        done()
      } catch (e) {
        done(e as Error)
      }
    }
  })
}

/** Encrypts a whole buffer (small files: manifests, single outputs). */
export function sealBytes(plain: Buffer, keyId: string, dataKey: Buffer, context: string): Buffer {
  const sealer = new ChunkSealer(keyId, dataKey, context)
  const parts = [sealer.header]
  for (let at = 0; at + CHUNK_BYTES < plain.length; at += CHUNK_BYTES) parts.push(sealer.chunk(plain.subarray(at, at + CHUNK_BYTES)))
  const tail = plain.length === 0 ? plain : plain.subarray(Math.floor((plain.length - 1) / CHUNK_BYTES) * CHUNK_BYTES)
  parts.push(sealer.chunk(tail, true))
  return Buffer.concat(parts)
}

/** Decrypts a whole buffer; throws EncryptedFileError on any change. */
export function openBytes(sealed: Buffer, lookup: KeyLookup, context?: string): Buffer {
  const opener = new ChunkOpener(lookup, context)
  const out: Buffer[] = []
  opener.push(sealed, (b) => out.push(b))
  opener.end()
  return Buffer.concat(out)
}

/** Writes `source` encrypted to `path`, whole or not at all (a temporary file renamed at the end). */
export async function writeEncryptedFile(
  path: string,
  source: Readable | Buffer,
  keyId: string,
  dataKey: Buffer,
  context: string
): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.partial`
  try {
    await pipeline(
      Buffer.isBuffer(source) ? Readable.from([source]) : source,
      encryptingStream(keyId, dataKey, context),
      createWriteStream(tmp, { mode: 0o600 })
    )
    renameSync(tmp, path)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
}

/** A stream of the decrypted file; it errors (and so fails its pipeline) on any change or truncation. */
export function readEncryptedFile(path: string, lookup: KeyLookup, context?: string): Readable {
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES + 64 })
  const plain = decryptingStream(lookup, context)
  source.on('error', (e) => plain.destroy(e))
  plain.on('close', () => source.destroy())
  return source.pipe(plain)
}

/** The whole decrypted file in memory (small files only). */
export async function readEncryptedBytes(path: string, lookup: KeyLookup, context?: string): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const b of readEncryptedFile(path, lookup, context)) out.push(b as Buffer)
  return Buffer.concat(out)
}

/** True when the file's first bytes are `magic` (a format's header: ours, SQLite's, ...). */
export function fileStartsWith(path: string, magic: Buffer): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(magic.length)
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(magic)
  } finally {
    closeSync(fd)
  }
}

/** True when the file starts with this platform's encrypted-file header. */
export function isEncryptedFile(path: string): boolean {
  return fileStartsWith(path, MAGIC)
}

/**
 * The plaintext size of an encrypted file, from its chunk words (a tar entry needs its size before
 * its bytes). Not authenticated here: a changed word fails the decryption that follows.
 */
export function encryptedPlainSize(path: string): number {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(10)
    if (readSync(fd, head, 0, 10, 0) !== 10 || !head.subarray(0, 8).equals(MAGIC)) {
      throw new EncryptedFileError(`${path} is not an encrypted file of this platform`)
    }
    let at = 10 + head.readUInt16BE(8)
    let size = 0
    const w = Buffer.alloc(4)
    for (;;) {
      if (readSync(fd, w, 0, 4, at) !== 4) throw new EncryptedFileError(`${path} is cut short (its last chunk is missing)`)
      const v = w.readUInt32BE(0)
      const n = v & ~LAST
      size += n
      at += 4 + n + TAG
      if ((v & LAST) !== 0) return size
    }
  } finally {
    closeSync(fd)
  }
}
