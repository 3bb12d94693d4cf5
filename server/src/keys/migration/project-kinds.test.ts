import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../../test/support/keys.js'
import { quarantineContext, quarantineFile } from '../../airlock/quarantine.js'
import type { Store } from '../../store/types.js'
import { readEncryptedBytes } from '../encrypted-file.js'
import { quarantine } from './project-kinds.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe('migrating quarantined files', () => {
  it("seals a plain file once per project holding it, each under that project's key, and shreds what no request holds", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vre-migrate-q-'))
    dirs.push(dataDir)
    const shared = Buffer.from('table 1: counts by ward')
    const orphan = Buffer.from('a file no request holds')
    mkdirSync(join(dataDir, 'quarantine'))
    for (const b of [shared, orphan]) writeFileSync(join(dataDir, 'quarantine', sha(b)), b)
    // the store is asked only which projects hold which digests
    const holdings: Record<string, string[]> = { 'p-a': [sha(shared)], 'p-b': [sha(shared)], 'p-c': [] }
    const store = {
      listProjects: async () => Object.keys(holdings).map((id) => ({ id })),
      quarantineHoldings: async (id: string) => holdings[id]!.map((s) => ({ sha256: s, size: shared.length }))
    } as unknown as Store
    const keys = dataDirKeys(dataDir)
    try {
      const ctx = { dataDir, keyring: keys.keyring, store }
      const found = await quarantine.find(ctx)
      expect(found).toHaveLength(2)
      for (const f of found) await quarantine.encrypt(f, ctx)
      expect(await quarantine.find(ctx)).toEqual([])
      expect(existsSync(join(dataDir, 'quarantine', sha(shared)))).toBe(false)
      expect(existsSync(join(dataDir, 'quarantine', sha(orphan)))).toBe(false)
      const lookup = (id: string) => keys.keyring.key(id)
      const dir = join(dataDir, 'quarantine')
      for (const p of ['p-a', 'p-b']) {
        expect(await readEncryptedBytes(quarantineFile(dir, p, sha(shared)), lookup, quarantineContext(p))).toEqual(
          shared
        )
      }
      // project B's copy does not open as project A's
      await expect(
        readEncryptedBytes(quarantineFile(dir, 'p-b', sha(shared)), lookup, quarantineContext('p-a'))
      ).rejects.toThrow()
      expect(existsSync(quarantineFile(dir, 'p-c', sha(shared)))).toBe(false)
    } finally {
      closeKeys(keys)
    }
  })
})
