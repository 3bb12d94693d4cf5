import { randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import { datasetContext, datasetKeyScope, MEMORY_DIR } from './at-rest.js'
import { type DatasetVersion, HostCopies, hostCopiesRoot } from './host-copies.js'

const dataDir = mkdtempSync(join(tmpdir(), 'vre-host-copies-'))
const keys = dataDirKeys(dataDir)
const { keyring } = keys
const roots: string[] = []

afterAll(() => {
  closeKeys(keys)
  rmSync(dataDir, { recursive: true, force: true })
})
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

let clock = 0
function copies(lingerMs = 0): HostCopies {
  const root = hostCopiesRoot(randomBytes(8).toString('hex'))
  roots.push(root)
  return new HostCopies({ root, keyring, lingerMs, now: () => clock })
}

/** A dataset version encrypted at rest the way registration writes it. */
async function version(plain: Buffer, datasetId = `ds-${randomBytes(4).toString('hex')}`): Promise<DatasetVersion> {
  const { id, key } = keyring.create('dataset', datasetKeyScope(datasetId, 1))
  const path = join(dataDir, `${datasetId}.v1.duckdb.enc`)
  await writeEncryptedFile(path, plain, id, key, datasetContext(datasetId))
  return { datasetId, keyId: id, path }
}

const none = async () => new Set<string>()

describe('dataset copies shared on the host', () => {
  it('decrypts a version once into memory-backed storage, read-only for all, and serves every later start the same file', async () => {
    const hc = copies()
    const plain = randomBytes(600 * 1024)
    const v = await version(plain)
    const [a, b] = await Promise.all([hc.acquire([v]), hc.acquire([v])])
    const path = a.paths.get(v.keyId)!
    expect(path.startsWith(`${MEMORY_DIR}/`)).toBe(true)
    expect(b.paths.get(v.keyId)).toBe(path)
    expect(readFileSync(path).equals(plain)).toBe(true)
    const st = lstatSync(path)
    expect(st.isFile()).toBe(true)
    expect(st.mode & 0o7777).toBe(0o444)
    expect(lstatSync(hc.root).mode & 0o777).toBe(0o700)
    const third = await hc.acquire([v])
    // the same inode: not decrypted again
    expect(lstatSync(third.paths.get(v.keyId)!).ino).toBe(st.ino)
    expect(readdirSync(hc.root)).toEqual([`${v.keyId}.duckdb`])
  })

  it('a file that does not decrypt leaves nothing behind, and fails the start with the reason', async () => {
    const hc = copies()
    const v = await version(randomBytes(300 * 1024))
    const bytes = readFileSync(v.path)
    bytes[bytes.length - 100]! ^= 1
    writeFileSync(v.path, bytes)
    await expect(hc.acquire([v])).rejects.toThrow(/does not decrypt/)
    expect(readdirSync(hc.root)).toEqual([])
  })

  it('a copy stays while a start holds it or a sandbox mounts it, and goes once neither does', async () => {
    const hc = copies()
    const v = await version(randomBytes(1000))
    const lease = await hc.acquire([v])
    expect(await hc.prune(none)).toEqual([])
    lease.release()
    lease.release() // twice is once
    expect(await hc.prune(async () => new Set([v.keyId]))).toEqual([])
    expect(hc.present()).toEqual([v.keyId])
    expect(await hc.prune(none)).toEqual([v.keyId])
    expect(existsSync(hc.pathOf(v.keyId))).toBe(false)
  })

  it('keeps an unused copy for the linger time, then removes it', async () => {
    const hc = copies(60_000)
    const v = await version(randomBytes(1000))
    ;(await hc.acquire([v])).release()
    clock += 59_000
    expect(await hc.prune(none)).toEqual([])
    clock += 2_000
    expect(await hc.prune(none)).toEqual([v.keyId])
  })

  it('removes the copy of a destroyed key at once, even one a sandbox mounts or a start holds', async () => {
    const hc = copies(60_000)
    const v = await version(randomBytes(1000))
    const lease = await hc.acquire([v])
    keyring.destroy(v.keyId)
    expect(await hc.prune(async () => new Set([v.keyId]))).toEqual([v.keyId])
    expect(hc.present()).toEqual([])
    lease.release()
    // and it is not made again
    await expect(hc.acquire([v])).rejects.toThrow(/was erased: its key dataset-\S+ is destroyed/)
  })

  it('a prune under way holds back a start, so it never removes a copy a start was just given', async () => {
    const hc = copies()
    const v = await version(randomBytes(1000))
    ;(await hc.acquire([v])).release()
    let listed!: () => void
    const pruning = hc.prune(() => new Promise<Set<string>>((resolve) => (listed = () => resolve(new Set()))))
    const starting = hc.acquire([v])
    await new Promise((r) => setTimeout(r, 20))
    listed()
    expect(await pruning).toEqual([v.keyId])
    const lease = await starting
    expect(existsSync(lease.paths.get(v.keyId)!)).toBe(true)
    expect(await hc.prune(none)).toEqual([])
  })

  it('replaces a link or a writable file found where a copy should be, and prunes strangers', async () => {
    const hc = copies()
    const v = await version(Buffer.from('the real dataset'))
    ;(await hc.acquire([v])).release()
    const path = hc.pathOf(v.keyId)
    rmSync(path)
    const elsewhere = join(dataDir, 'elsewhere')
    writeFileSync(elsewhere, 'not the dataset')
    symlinkSync(elsewhere, path)
    const lease = await hc.acquire([v])
    expect(lstatSync(path).isSymbolicLink()).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe('the real dataset')
    expect(readFileSync(elsewhere, 'utf8')).toBe('not the dataset')
    lease.release()
    writeFileSync(join(hc.root, 'stranger'), 'x')
    writeFileSync(join(hc.root, `${v.keyId}.duckdb.partial-0000`), 'x')
    await hc.prune(async () => new Set([v.keyId]))
    expect(readdirSync(hc.root)).toEqual([`${v.keyId}.duckdb`])
  })

  it('refuses a key id that could name another path', () => {
    const hc = copies()
    for (const bad of ['../x', 'dataset-../../etc', 'project-1234', '']) expect(() => hc.pathOf(bad)).toThrow()
    expect(() => hostCopiesRoot('../x')).toThrow()
  })
})
