import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { closeKeys, dataDirKeys } from '../../../test/support/keys.js'
import type { Keys } from './keys.js'
import { projectPseudonymKey, pseudonymMasterKey } from './pseudonym.js'

const opened: { dir: string; keys: Keys }[] = []
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vre-pseudonym-key-'))
  const keys = dataDirKeys(dir)
  opened.push({ dir, keys })
  return keys
}
afterEach(() => {
  for (const { dir, keys } of opened.splice(0)) {
    closeKeys(keys)
    rmSync(dir, { recursive: true, force: true })
  }
})

describe('pseudonymization keys', () => {
  it('keeps the master secret in the keyring, wrapped by the token, the same on every open', () => {
    const keys = fresh()
    const a = Buffer.from(pseudonymMasterKey(keys.keyring))
    expect(a).toHaveLength(32)
    const dir = opened[0]!.dir
    closeKeys(keys)
    const again = dataDirKeys(dir)
    opened[0]!.keys = again
    expect(pseudonymMasterKey(again.keyring).equals(a)).toBe(true)
  })

  it('derives one stable key per project, different between projects and between master keys', () => {
    const master = pseudonymMasterKey(fresh().keyring)
    const a = projectPseudonymKey(master, 'project-a')
    expect(a).toHaveLength(32)
    expect(projectPseudonymKey(master, 'project-a').equals(a)).toBe(true)
    expect(projectPseudonymKey(master, 'project-b').equals(a)).toBe(false)
    expect(projectPseudonymKey(pseudonymMasterKey(fresh().keyring), 'project-a').equals(a)).toBe(false)
    expect(a.equals(master)).toBe(false)
  })
})
