import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadPseudonymMasterKey, projectPseudonymKey, PSEUDONYM_KEY_FILE } from './pseudonym.js'

const dirs: string[] = []
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'vre-pseudonym-key-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('pseudonymization keys', () => {
  it('creates pseudonym.key with mode 0600 on first use and reads the same key afterwards', () => {
    const dir = fresh()
    const a = loadPseudonymMasterKey(dir)
    expect(a).toHaveLength(32)
    expect(statSync(join(dir, PSEUDONYM_KEY_FILE)).mode & 0o777).toBe(0o600)
    const text = readFileSync(join(dir, PSEUDONYM_KEY_FILE), 'utf8')
    expect(loadPseudonymMasterKey(dir).equals(a)).toBe(true)
    expect(readFileSync(join(dir, PSEUDONYM_KEY_FILE), 'utf8')).toBe(text)
  })

  it('refuses a key file other users can read', () => {
    const dir = fresh()
    loadPseudonymMasterKey(dir)
    chmodSync(join(dir, PSEUDONYM_KEY_FILE), 0o644)
    expect(() => loadPseudonymMasterKey(dir)).toThrow(ConfigError)
  })

  it('derives one stable key per project, different between projects and between master keys', () => {
    const master = loadPseudonymMasterKey(fresh())
    const a = projectPseudonymKey(master, 'project-a')
    expect(a).toHaveLength(32)
    expect(projectPseudonymKey(master, 'project-a').equals(a)).toBe(true)
    expect(projectPseudonymKey(master, 'project-b').equals(a)).toBe(false)
    expect(projectPseudonymKey(loadPseudonymMasterKey(fresh()), 'project-a').equals(a)).toBe(false)
    expect(a.equals(master)).toBe(false)
  })
})
