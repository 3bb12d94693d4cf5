import { createHash } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { snapshotContext, workspaceSnapshot } from '../../sessions/workspace.js'
import type { Store } from '../../store/types.js'
import { readEncryptedFile, writeEncryptedFile } from '../encrypted-file.js'
import { shred } from '../erasure/erase.js'
import type { Keyring } from '../keyring.js'

/** What a kind's encryption needs: the data directory, its keys, and its (already encrypted) store. */
export interface MigrationContext {
  dataDir: string
  keyring: Keyring
  store: Store
}

/**
 * One kind of file a plaintext data directory holds: how to find the plaintext ones left, and how
 * to encrypt one in place. `find` lists only files still in the clear, so a run that stopped halfway
 * finds the rest; `encrypt` leaves the plaintext until its encrypted form is read back unchanged.
 */
export interface FileKind {
  name: string
  find(ctx: MigrationContext): Promise<string[]> | string[]
  encrypt(file: string, ctx: MigrationContext): Promise<void>
}

async function sha256(stream: Readable): Promise<string> {
  const h = createHash('sha256')
  for await (const b of stream) h.update(b as Buffer)
  return h.digest('hex')
}

/**
 * Encrypts `plain` into `target` under the data key, reads the target back through decryption and
 * compares digests, and only then overwrites and deletes the plaintext.
 */
export async function encryptInPlace(
  plain: string,
  target: string,
  sealWith: { id: string; key: Buffer },
  context: string,
  keyring: Keyring,
  options: { keepPlain?: boolean } = {}
): Promise<void> {
  const before = await sha256(createReadStream(plain))
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
  await writeEncryptedFile(target, createReadStream(plain), sealWith.id, sealWith.key, context)
  const after = await sha256(readEncryptedFile(target, (id) => keyring.key(id), context))
  if (after !== before) throw new Error(`${target} does not read back as ${plain}; the plaintext is kept`)
  if (options.keepPlain !== true) shred(plain)
}

export const dirs = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    : []
export const files = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : []

/** Workspace snapshots: `workspaces/<project>/<user>.tar` becomes `<user>.tar.enc` under the project's key (sessions/workspace.ts). */
export const snapshots: FileKind = {
  name: 'workspace snapshots',
  find: ({ dataDir }) =>
    dirs(join(dataDir, 'workspaces')).flatMap((p) =>
      files(join(dataDir, 'workspaces', p))
        .filter((f) => f.endsWith('.tar'))
        .map((f) => join(dataDir, 'workspaces', p, f))
    ),
  async encrypt(file, { dataDir, keyring }) {
    const [projectId, name] = file.slice(join(dataDir, 'workspaces').length + 1).split('/') as [string, string]
    const userId = name.slice(0, -'.tar'.length)
    await encryptInPlace(
      file,
      workspaceSnapshot(dataDir, projectId, userId),
      keyring.projectKey(projectId),
      snapshotContext(projectId, userId),
      keyring
    )
  }
}
