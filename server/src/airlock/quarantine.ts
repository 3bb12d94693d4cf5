import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

const SHA256 = /^[0-9a-f]{64}$/

/**
 * Files in the airlock, addressed by the SHA-256 of their bytes: what a reviewer approves is a
 * digest, and what is released is read back and checked against it. A file is written under a
 * temporary name and renamed into place only once complete, so a partial copy never has an
 * address; identical bytes share one file.
 */
export class Quarantine {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  }

  private path(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256.slice(0, 80)}`)
    return join(this.dir, sha256)
  }

  /**
   * Stores a stream; at most `maxBytes` are accepted (the caller has checked the declared size too).
   * `admit`, told the digest and size once all is read, may still refuse the file by throwing: the
   * partial copy is then deleted and nothing gets an address.
   */
  async store(
    content: Readable,
    maxBytes: number,
    admit?: (file: { sha256: string; size: number }) => void | Promise<void>
  ): Promise<{ sha256: string; size: number }> {
    const partial = join(this.dir, `.partial-${randomBytes(8).toString('hex')}`)
    const hash = createHash('sha256')
    let size = 0
    try {
      await pipeline(
        content,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length
            if (size > maxBytes) throw new Error(`the file is larger than ${maxBytes} bytes`)
            hash.update(chunk)
            yield chunk
          }
        },
        createWriteStream(partial, { flags: 'wx', mode: 0o600 })
      )
      const sha256 = hash.digest('hex')
      await admit?.({ sha256, size })
      renameSync(partial, this.path(sha256))
      return { sha256, size }
    } catch (err) {
      rmSync(partial, { force: true })
      throw err
    }
  }

  /** Forgets bytes no request refers to (an upload refused after it was stored). */
  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true })
  }

  /** What the directory holds: files by digest, and partial copies a stopped gateway left behind. */
  contents(): { digests: string[]; partials: string[] } {
    const names = readdirSync(this.dir)
    return {
      digests: names.filter((n) => SHA256.test(n)),
      partials: names.filter((n) => n.startsWith('.partial-'))
    }
  }

  /** Deletes a partial copy (see contents()). */
  removePartial(name: string): void {
    if (!/^\.partial-[0-9a-f]+$/.test(name)) throw new Error(`not a partial copy: ${name.slice(0, 80)}`)
    rmSync(join(this.dir, name), { force: true })
  }

  has(sha256: string): boolean {
    try {
      return statSync(this.path(sha256)).isFile()
    } catch {
      return false
    }
  }

  /** The bytes stored under `sha256`, read whole and checked: a changed or missing file is an error. */
  async read(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(this.path(sha256))) {
      hash.update(chunk as Buffer)
      chunks.push(chunk as Buffer)
    }
    if (hash.digest('hex') !== sha256) {
      throw new QuarantineCorrupt(`the stored bytes of ${sha256} no longer match their digest`)
    }
    return Buffer.concat(chunks)
  }
}

/** A quarantined file whose bytes changed after it was stored: it is never released. */
export class QuarantineCorrupt extends Error {
  override name = 'QuarantineCorrupt'
}
