import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { EncryptedFileError, encryptingStream, readEncryptedBytes } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'

const SHA256 = /^[0-9a-f]{64}$/
/** A project id as a directory name: nothing that could climb out of the quarantine. */
const PROJECT = /^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$/
const PARTIAL = /^\.partial-[0-9a-f]+$/

/**
 * What a quarantined file's encryption binds it to: its project, so another project's file swapped
 * in does not open. The digest is not in it, for it is known only once the file has streamed
 * through; a file of the same project swapped in under another digest fails the digest check.
 */
export const quarantineContext = (projectId: string) => `quarantine:${projectId}`

/** Where a project's quarantined (and released) file is kept: `quarantine/<project>/<sha256>`. */
export function quarantineFile(dir: string, projectId: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256.slice(0, 80)}`)
  return join(projectQuarantine(dir, projectId), sha256)
}

/** A project's directory in the quarantine (deleted with the project's files at its erasure). */
export function projectQuarantine(dir: string, projectId: string): string {
  if (!PROJECT.test(projectId)) throw new Error(`not a project id: ${projectId.slice(0, 80)}`)
  return join(dir, projectId)
}

/**
 * Files in the airlock, addressed by the SHA-256 of their plaintext: what a reviewer approves is a
 * digest, and what is released is read back, decrypted and checked against it. Each project has
 * its own directory, because each file is encrypted under its project's data key (erasing the
 * project erases its files; identical bytes in two projects are two files). A file is written
 * under a temporary name and renamed into place only once complete, so a partial copy never has
 * an address; identical bytes of one project share one file.
 */
export class Quarantine {
  constructor(
    private readonly dir: string,
    private readonly keyring: Pick<Keyring, 'projectKey' | 'key'>
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  }

  private path(projectId: string, sha256: string): string {
    return quarantineFile(this.dir, projectId, sha256)
  }

  /**
   * Stores a stream of the project's; at most `maxBytes` are accepted (the caller has checked the
   * declared size too). `admit`, told the digest and size once all is read, may still refuse the
   * file by throwing: the partial copy is then deleted and nothing gets an address.
   */
  async store(
    projectId: string,
    content: Readable,
    maxBytes: number,
    admit?: (file: { sha256: string; size: number }) => void | Promise<void>
  ): Promise<{ sha256: string; size: number }> {
    const projectDir = projectQuarantine(this.dir, projectId)
    mkdirSync(projectDir, { recursive: true, mode: 0o700 })
    const partial = join(projectDir, `.partial-${randomBytes(8).toString('hex')}`)
    const hash = createHash('sha256')
    let size = 0
    const { id, key } = this.keyring.projectKey(projectId)
    try {
      // encrypted as it streams in: the plaintext is never on disk, nor held whole
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
        encryptingStream(id, key, quarantineContext(projectId)),
        createWriteStream(partial, { flags: 'wx', mode: 0o600 })
      )
      const sha256 = hash.digest('hex')
      await admit?.({ sha256, size })
      renameSync(partial, this.path(projectId, sha256))
      return { sha256, size }
    } catch (err) {
      rmSync(partial, { force: true })
      throw err
    }
  }

  /** Forgets bytes no request of the project refers to (an upload refused after it was stored). */
  remove(projectId: string, sha256: string): void {
    rmSync(this.path(projectId, sha256), { force: true })
  }

  /**
   * What the directory holds: files by project and digest, and partial copies a stopped gateway
   * left behind. Plaintext files of an earlier version, directly in the directory, are not listed:
   * they are the migration's to encrypt.
   */
  contents(): { files: { projectId: string; sha256: string }[]; partials: { projectId: string; name: string }[] } {
    const files: { projectId: string; sha256: string }[] = []
    const partials: { projectId: string; name: string }[] = []
    for (const projectId of readdirSync(this.dir)) {
      if (!PROJECT.test(projectId) || !statSync(join(this.dir, projectId)).isDirectory()) continue
      for (const name of readdirSync(join(this.dir, projectId))) {
        if (SHA256.test(name)) files.push({ projectId, sha256: name })
        else if (PARTIAL.test(name)) partials.push({ projectId, name })
      }
    }
    return { files, partials }
  }

  /** Deletes a partial copy (see contents()). */
  removePartial(projectId: string, name: string): void {
    if (!PARTIAL.test(name)) throw new Error(`not a partial copy: ${name.slice(0, 80)}`)
    rmSync(join(projectQuarantine(this.dir, projectId), name), { force: true })
  }

  has(projectId: string, sha256: string): boolean {
    try {
      return statSync(this.path(projectId, sha256)).isFile()
    } catch {
      return false
    }
  }

  /**
   * The plaintext stored under `sha256` for the project, decrypted in memory and checked: a file
   * that does not decrypt (changed, cut, another's swapped in) or whose bytes no longer match
   * their digest is an error, never handed out.
   */
  async read(projectId: string, sha256: string): Promise<Buffer> {
    let bytes: Buffer
    try {
      bytes = await readEncryptedBytes(
        this.path(projectId, sha256),
        (id) => this.keyring.key(id),
        quarantineContext(projectId)
      )
    } catch (err) {
      if (err instanceof EncryptedFileError) {
        throw new QuarantineCorrupt(`the stored file ${sha256} does not decrypt: ${err.message}`)
      }
      throw err
    }
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
      throw new QuarantineCorrupt(`the stored bytes of ${sha256} no longer match their digest`)
    }
    return bytes
  }
}

/** A quarantined file whose bytes changed after it was stored: it is never released. */
export class QuarantineCorrupt extends Error {
  override name = 'QuarantineCorrupt'
}
