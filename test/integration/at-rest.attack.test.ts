import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { build } from '../../server/src/app.js'
import { loadConfig } from '../../server/src/config/config.js'
import { LEGACY_KEY_FILES } from '../../server/src/keys/keys.js'
import { encryptDataDir } from '../../server/src/keys/migration/encrypt-data-dir.js'
import { JOURNAL_FILE } from '../../server/src/keys/migration/journal.js'

/** Attacks on the boot-time key checks: a half-migrated directory, and the development key file. */
const dirs: string[] = []
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'vre-attack-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function boot(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const app = await build({ config: loadConfig({ dataDir, webRoot: null }, { ...process.env, ...env }), logger: false })
  try {
    await app.ready()
  } finally {
    await app.close()
  }
}

describe('attack: a gateway started on a migration cut short', () => {
  it('refuses while plaintext key files (and the journal) are still in the data directory', async () => {
    const dir = fresh()
    writeFileSync(join(dir, LEGACY_KEY_FILES.secrets), randomBytes(32).toString('base64'), { mode: 0o600 })
    writeFileSync(join(dir, LEGACY_KEY_FILES.jwt), randomBytes(48).toString('base64'), { mode: 0o600 })
    // interrupted right after the keys were imported: keyring.json exists, the key files too
    await expect(
      encryptDataDir(loadConfig({ dataDir: dir }), {
        actor: 'cli:attack',
        onStep: (s) => {
          if (s === 'keys') throw new Error('power cut')
        }
      })
    ).rejects.toThrow('power cut')
    expect(existsSync(join(dir, 'keyring.json'))).toBe(true)
    expect(existsSync(join(dir, JOURNAL_FILE))).toBe(true)
    expect(existsSync(join(dir, LEGACY_KEY_FILES.secrets))).toBe(true)
    await expect(boot(dir)).rejects.toThrow(/vre data encrypt/)
  })
})

describe('attack: the development key file inside the data directory', () => {
  it('is refused under a name that starts with two dots, and through a link', async () => {
    const dir = fresh()
    await expect(boot(dir, { VRE_KEY_PROVIDER: 'file', VRE_FILE_KEYS: join(dir, '..keys.json') })).rejects.toThrow(
      /outside the data directory/
    )
    const outside = fresh()
    mkdirSync(join(dir, 'inside'))
    symlinkSync(join(dir, 'inside'), join(outside, 'link'))
    await expect(
      boot(dir, { VRE_KEY_PROVIDER: 'file', VRE_FILE_KEYS: join(outside, 'link', 'keys.json') })
    ).rejects.toThrow(/outside the data directory/)
  })
})
