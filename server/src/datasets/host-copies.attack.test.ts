/**
 * Attacks on the host copies (host-copies.ts). Each test states the property the design promises;
 * written by a security review against the first version, they hold now.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statfsSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import { datasetContext, datasetKeyScope, encryptedFileKeyId, readDatasetFile } from './at-rest.js'
import { type DatasetVersion, HostCopies, hostCopiesRoot } from './host-copies.js'

const dataDir = mkdtempSync(join(tmpdir(), 'vre-host-copies-attack-'))
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

function copiesAt(root: string, lingerMs = 60_000): HostCopies {
  cleanup.push(root)
  return new HostCopies({ root, keyring, lingerMs })
}
const copies = (lingerMs?: number) => copiesAt(hostCopiesRoot(`attack-${randomBytes(6).toString('hex')}`), lingerMs)

async function version(plain: Buffer, datasetId = randomUUID()): Promise<DatasetVersion> {
  const { id, key } = keyring.create('dataset', datasetKeyScope(datasetId, 1))
  const path = join(dataDir, `${datasetId}.v1.duckdb.enc`)
  await writeEncryptedFile(path, plain, id, key, datasetContext(datasetId))
  return { datasetId, keyId: id, path }
}

async function drain(s: NodeJS.ReadableStream): Promise<void> {
  for await (const _ of s) void _
}

describe('attacks on dataset host copies', () => {
  it('(d) a start after a key is destroyed, before the next prune, does not get the erased plaintext', async () => {
    const hc = copies()
    const v = await version(Buffer.from('ERASED PERSON ROWS'))
    ;(await hc.acquire([v])).release()
    keyring.destroy(v.keyId)
    // the previous design decrypted on every start: this start would fail with KeyDestroyed.
    // Now the existing copy is reused without asking the keyring.
    let lease
    try {
      lease = await hc.acquire([v])
    } catch {
      lease = null
    }
    const leaked = lease === null ? null : readFileSync(lease.paths.get(v.keyId)!, 'utf8')
    lease?.release()
    expect(leaked, 'plaintext handed to a new start after its key was destroyed').toBeNull()
  })

  it('(b) a dataset file swapped for another dataset\'s is refused, as it was when each start decrypted', async () => {
    const hc = copies()
    const a = await version(Buffer.from('PROJECT A ONLY'))
    ;(await hc.acquire([a])).release() // project A has a session: its copy is on the host
    const b = await version(Buffer.from('project b rows'))
    // someone who can write the data directory puts A's file where B's is
    copyFileSync(a.path, b.path)
    // the at-rest reader refuses the swap (the context binds the file to its dataset) ...
    await expect(drain(readDatasetFile(b.path, keyring, b.datasetId))).rejects.toThrow()
    // ... launch.ts takes the key id from B's (unauthenticated) header and asks for that copy
    const asLaunched: DatasetVersion = { datasetId: b.datasetId, keyId: encryptedFileKeyId(b.path), path: b.path }
    let got: string | null
    try {
      const lease = await hc.acquire([asLaunched])
      got = readFileSync(lease.paths.get(asLaunched.keyId)!, 'utf8')
      lease.release()
    } catch {
      got = null
    }
    expect(got, "project B's sandbox would mount project A's plaintext").toBeNull()
  })

  it('(host) refuses a copies directory someone else made in world-writable /dev/shm first', async () => {
    const root = hostCopiesRoot(`attack-${randomBytes(6).toString('hex')}`)
    // a local user who learnt the gateway id (container names, or /proc/self/mountinfo in a runc
    // sandbox) makes the directory before the gateway does (after a reboot /dev/shm is empty)
    mkdirSync(root, { mode: 0o755 })
    chownSync(root, 65534, 65534)
    const hc = copiesAt(root)
    const v = await version(Buffer.from('SECRET ROWS'))
    let lease
    try {
      lease = await hc.acquire([v])
    } catch {
      lease = null
    }
    let readByNobody: string | null = null
    if (lease !== null) {
      // the owner of the directory can always take its mode back
      execFileSync('chmod', ['0755', root], { uid: 65534, gid: 65534 })
      try {
        readByNobody = execFileSync('cat', [lease.paths.get(v.keyId)!], { uid: 65534, gid: 65534, encoding: 'utf8' })
      } catch {
        readByNobody = null
      }
      lease.release()
    }
    expect(lstatSync(root).uid, 'the directory is not the gateway\'s').not.toBe(process.getuid!())
    expect(readByNobody, 'another host user read the plaintext').toBeNull()
  })

  it('(host) never writes plaintext through a link planted at the directory\'s name (onto a disk)', async () => {
    const root = hostCopiesRoot(`attack-${randomBytes(6).toString('hex')}`)
    const onDisk = mkdtempSync(join(tmpdir(), 'vre-attack-disk-'))
    cleanup.push(onDisk)
    symlinkSync(onDisk, root)
    const hc = copiesAt(root)
    const v = await version(Buffer.from('SECRET ROWS'))
    let where: string | null = null
    try {
      const lease = await hc.acquire([v])
      where = realpathSync(lease.paths.get(v.keyId)!)
      lease.release()
    } catch {
      where = null
    }
    const fsType = where === null ? null : statfsSync(where).type
    expect(where, `plaintext written to ${where} (statfs type 0x${fsType?.toString(16)}; tmpfs is 0x1021994)`).toBeNull()
  })
})
