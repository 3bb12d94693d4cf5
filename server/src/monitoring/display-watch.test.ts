import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import { datasetContext, datasetKeyScope } from '../datasets/at-rest.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import type { Store } from '../store/types.js'
import { createDisplayWatch } from './display-watch.js'

const dir = mkdtempSync(join(tmpdir(), 'vre-watch-'))
const keys = dataDirKeys(dir)
afterAll(() => {
  closeKeys(keys)
  rmSync(dir, { recursive: true, force: true })
})

/** A store that knows one project with the datasets given (file names under the data directory). */
const storeWith = (datasets: { id: string; name: string; file: string | null }[]) =>
  ({ getProject: async () => ({ datasets }) }) as unknown as Store

/** A dataset file as registration keeps it: encrypted under a key of its own, bound to its dataset. */
async function encrypted(file: string, datasetId: string, data: Buffer): Promise<void> {
  const { id, key } = keys.keyring.create('dataset', datasetKeyScope(datasetId, 1))
  await writeEncryptedFile(join(dir, file), data, id, key, datasetContext(datasetId))
}

/** Bytes that look like nothing in particular, the same every run. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

const viewer = (sessionId: string) => ({ sessionId, projectId: 'p', userId: 'u' })

describe("the watch on researchers' screens", () => {
  it('recognises a dataset (its plaintext) shown as base64, and counts what was shown before its fingerprints were taken', async () => {
    const data = noise(512 * 1024, 7)
    await encrypted('d.duckdb.enc', 'd1', data)
    const problems: string[] = []
    const watch = createDisplayWatch({
      store: storeWith([{ id: 'd1', name: 'd', file: 'd.duckdb.enc' }]),
      dataDir: dir,
      keyring: keys.keyring,
      now: () => new Date(),
      problem: (d, r) => problems.push(`${d}: ${r}`)
    })
    const v = viewer('s1')
    // the first output of a session arrives before the fingerprints are ready
    const first = Buffer.from(data.subarray(0, 200_000).toString('base64'))
    watch.shown(v, 'terminal', first, false)
    await watch.ready(v)
    const after = watch.shown(v, 'terminal', Buffer.from('\r\n'), false)
    expect(after.encodedPerMinute).toBeGreaterThan(200_000)
    expect(after.datasetMatches).toBeGreaterThan(8)
    expect(problems).toEqual([])
  })

  it('says so when a dataset cannot be fingerprinted, and still judges encoded output', async () => {
    const problems: string[] = []
    const watch = createDisplayWatch({
      store: storeWith([{ id: 'd2', name: 'gone', file: 'no-such-file.duckdb' }]),
      dataDir: dir,
      keyring: keys.keyring,
      now: () => new Date(),
      problem: (d, r) => problems.push(`${d}: ${r}`)
    })
    const v = viewer('s2')
    watch.shown(v, 'cell', Buffer.from(noise(100_000, 3).toString('base64')), false)
    await watch.ready(v)
    expect(problems).toEqual(['gone: its file cannot be read (ENOENT)'])
    expect(watch.status('s2').encodedPerMinute).toBeGreaterThan(100_000)
  })

  it('takes no fingerprints of a dataset file that does not decrypt, and says why', async () => {
    const data = noise(2 * 1024 * 1024, 11)
    await encrypted('big.duckdb.enc', 'd3', data)
    const bytes = readFileSync(join(dir, 'big.duckdb.enc'))
    bytes[bytes.length - 5000]! ^= 0x40
    writeFileSync(join(dir, 'big.duckdb.enc'), bytes)
    const problems: string[] = []
    const watch = createDisplayWatch({
      store: storeWith([{ id: 'd3', name: 'big', file: 'big.duckdb.enc' }]),
      dataDir: dir,
      keyring: keys.keyring,
      now: () => new Date(),
      problem: (d, r) => problems.push(`${d}: ${r}`)
    })
    const v = viewer('s3')
    watch.shown(v, 'terminal', Buffer.from(data.subarray(0, 100_000).toString('base64')), false)
    await watch.ready(v)
    expect(problems).toEqual([
      expect.stringMatching(/^big: its fingerprints could not be taken: .*does not authenticate/)
    ])
    expect(watch.status('s3').datasetMatches).toBe(0)
  })
})
