/**
 * Attacks on the shared host copies (datasets/host-copies.ts), written by a security review against
 * the first version: each `it` asserts the secure behaviour, which holds now (the comment above each
 * says what the attack was).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import { datasetContext, datasetKeyScope, encryptedFileKeyId, MEMORY_DIR, readDatasetFile, sweepMemoryLeftovers } from './at-rest.js'
import { type DatasetVersion, HostCopies, hostCopiesRoot } from './host-copies.js'

const dataDir = mkdtempSync(join(tmpdir(), 'vre-host-copies-b-'))
const keys = dataDirKeys(dataDir)
const { keyring } = keys
const cleanup: string[] = []

afterAll(() => {
  closeKeys(keys)
  rmSync(dataDir, { recursive: true, force: true })
})
afterEach(() => {
  for (const r of cleanup.splice(0)) rmSync(r, { recursive: true, force: true })
})

function copies(root = hostCopiesRoot(`b-${randomBytes(6).toString('hex')}`)): HostCopies {
  cleanup.push(root)
  return new HostCopies({ root, keyring, lingerMs: 60_000 })
}

async function version(plain: Buffer, datasetId = `ds-${randomBytes(4).toString('hex')}`): Promise<DatasetVersion> {
  const { id, key } = keyring.create('dataset', datasetKeyScope(datasetId, 1))
  const path = join(dataDir, `${datasetId}.v1.duckdb.enc`)
  await writeEncryptedFile(path, plain, id, key, datasetContext(datasetId))
  return { datasetId, keyId: id, path }
}

/** What launch.ts builds for a dataset row: the key id comes from the file's unauthenticated header. */
const asLaunchDoes = (datasetId: string, path: string): DatasetVersion => ({ datasetId, keyId: encryptedFileKeyId(path), path })

async function drain(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of s) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

describe('host copies: attacks', () => {
  // WEAKNESS 1. README ("Keys and encryption at rest"): "one project's file put in another's place is
  // refused, never served". Before fc31001 every start decrypted with datasetContext(d.id). Now, once
  // a copy exists for the key named in the (unauthenticated) header, acquire() skips decryption, so
  // project B's encrypted file put in place of project A's is served as A's dataset.
  it("another dataset's file swapped in (its copy already on the host) is refused, as before the change", async () => {
    const hc = copies()
    const secretB = Buffer.from('PROJECT B ONLY '.repeat(1000))
    const b = await version(secretB, 'ds-project-b')
    const a = await version(Buffer.from('project a data '.repeat(1000)), 'ds-project-a')
    // project B's sandbox is running (or its copy lingers): its copy is on the host
    ;(await hc.acquire([b])).release()
    // someone with write access to the data directory puts B's file in A's place
    copyFileSync(b.path, a.path)
    // control: the old path (decrypting for dataset A) refuses it
    await expect(drain(readDatasetFile(a.path, keyring, a.datasetId))).rejects.toThrow()
    // the new path: what A's next start mounts
    let mounted: Buffer | null = null
    try {
      const lease = await hc.acquire([asLaunchDoes(a.datasetId, a.path)])
      mounted = readFileSync([...lease.paths.values()][0]!)
      lease.release()
    } catch {
      mounted = null
    }
    expect(mounted?.equals(secretB) ?? false, "project A's sandbox would mount project B's plaintext").toBe(false)
  })

  // WEAKNESS 1b: a changed byte is "refused, never served" (README) -- unless a copy exists.
  it('a tampered dataset file is refused even when a copy of its key is already on the host', async () => {
    const hc = copies()
    const v = await version(randomBytes(300 * 1024))
    ;(await hc.acquire([v])).release()
    const bytes = readFileSync(v.path)
    bytes[bytes.length - 100]! ^= 1
    writeFileSync(v.path, bytes)
    await expect(hc.acquire([asLaunchDoes(v.datasetId, v.path)])).rejects.toThrow()
  })

  // WEAKNESS 2. A destroyed key's copy is reused by a start until the next prune pass: acquire()
  // never asks the keyring, so a start between the erasure/opt-out and the reaper's pass mounts the
  // plaintext of an erased version into a NEW sandbox.
  it('a start after the key was destroyed does not get the (not yet pruned) copy', async () => {
    const hc = copies()
    const v = await version(randomBytes(4096))
    ;(await hc.acquire([v])).release()
    keyring.destroy(v.keyId)
    await expect(hc.acquire([v])).rejects.toThrow()
  })

  // WEAKNESS 3. The root is /dev/shm/vre-datasets-<gatewayId> in a world-writable sticky directory.
  // acquire() does mkdir -p + chmod (both follow symlinks / accept an existing directory) and never
  // checks what it got: a local user who creates the name first (a symlink to their own directory,
  // or a directory they own) receives every project's plaintext.
  it('refuses a root that is a symlink planted by someone else', async () => {
    const attackerDir = mkdtempSync(join(MEMORY_DIR, 'attacker-b-'))
    cleanup.push(attackerDir)
    const root = hostCopiesRoot(`b-squat-${randomBytes(4).toString('hex')}`)
    symlinkSync(attackerDir, root)
    const hc = copies(root)
    const v = await version(Buffer.from('secret '.repeat(100)))
    let landed = false
    try {
      ;(await hc.acquire([v])).release()
      landed = lstatSync(join(attackerDir, `${v.keyId}.duckdb`)).isFile()
    } catch {
      landed = false
    }
    expect(landed, 'the plaintext was written into the directory the symlink points at').toBe(false)
  })

  it("refuses a root directory owned by another user (pre-created in /dev/shm)", async () => {
    const root = hostCopiesRoot(`b-owned-${randomBytes(4).toString('hex')}`)
    mkdirSync(root, { mode: 0o777 })
    chownSync(root, 65534, 65534) // "nobody" made it first
    const hc = copies(root)
    const v = await version(Buffer.from('secret '.repeat(100)))
    let accepted = false
    try {
      ;(await hc.acquire([v])).release()
      accepted = true
    } catch {
      accepted = false
    }
    const st = statSync(root)
    expect(accepted && st.uid !== process.getuid!(), `plaintext put in a directory owned by uid ${st.uid}`).toBe(false)
  })

  // (e) a gateway killed for good (or an erasure by the CLI while the gateway is down): nothing but a
  // gateway's own prune ever removes /dev/shm/vre-datasets-*; the startup sweep does not look at it.
  it("the startup sweep removes a dead gateway's partial (killed mid-decryption) plaintext", () => {
    const root = hostCopiesRoot(`b-dead-${randomBytes(4).toString('hex')}`)
    cleanup.push(root)
    mkdirSync(root, { mode: 0o700 })
    // a writer that ran and ended: its id is in the name, as the gateway names its partial writes
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
    const partial = join(root, `dataset-${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}.duckdb.partial-${dead}-deadbeef`)
    writeFileSync(partial, 'plaintext', { mode: 0o600 })
    sweepMemoryLeftovers()
    let still = true
    try {
      lstatSync(partial)
    } catch {
      still = false
    }
    expect(still, 'left until some gateway with the same id runs a prune').toBe(false)
  })
})
