import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { build } from '../../server/src/app.js'
import { loadConfig } from '../../server/src/config/config.js'
import { ConfigError } from '../../server/src/errors.js'
import { LEGACY_KEY_FILES } from '../../server/src/keys/keys.js'

const dirs: string[] = []
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'vre-boot-'))
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

describe('boot-time key checks', () => {
  it('keeps its keys in the token: no key file in the data directory, only wrapped keys in the keyring', async () => {
    const dir = fresh()
    await boot(dir)
    for (const f of Object.values(LEGACY_KEY_FILES)) expect(existsSync(join(dir, f))).toBe(false)
    const ring = JSON.parse(readFileSync(join(dir, 'keyring.json'), 'utf8')) as { provider: string; keys: { purpose: string; wrapped: string }[] }
    expect(ring.provider).toBe('pkcs11')
    expect(ring.keys.map((k) => k.purpose).sort()).toEqual(['jwt', 'secrets', 'state'])
    // a second boot unwraps the same keys rather than making new ones
    await boot(dir)
    expect((JSON.parse(readFileSync(join(dir, 'keyring.json'), 'utf8')) as typeof ring).keys).toEqual(ring.keys)
  })

  it('refuses a data directory that still holds plaintext keys, naming the migration', async () => {
    const dir = fresh()
    writeFileSync(join(dir, 'jwt.key'), 'x'.repeat(64), { mode: 0o600 })
    await expect(boot(dir)).rejects.toThrow(ConfigError)
    await expect(boot(dir)).rejects.toThrow(/plaintext keys \(jwt.key\).*vre data encrypt/)
  })

  it('refuses to start without its token, with a wrong PIN, or with no PIN', async () => {
    await expect(boot(fresh(), { VRE_PKCS11_TOKEN: 'no-such-token' })).rejects.toThrow(
      /no PKCS#11 token labelled "no-such-token" is present.*tokens found: "vre-test"/
    )
    await expect(boot(fresh(), { VRE_PKCS11_PIN: 'not-the-pin' })).rejects.toThrow(/refused the PIN/)
    await expect(boot(fresh(), { VRE_PKCS11_PIN: '' })).rejects.toThrow(/PIN is not configured/)
    await expect(boot(fresh(), { VRE_PKCS11_MODULE: '/nonexistent/libpkcs11.so' })).rejects.toThrow(/is not installed/)
  })

  it('refuses the development key provider unless its file is named, and outside the data directory', async () => {
    const dir = fresh()
    await expect(boot(dir, { VRE_KEY_PROVIDER: 'file' })).rejects.toThrow(/needs VRE_FILE_KEYS/)
    await expect(boot(dir, { VRE_KEY_PROVIDER: 'file', VRE_FILE_KEYS: join(dir, 'keys.json') })).rejects.toThrow(
      /outside the data directory/
    )
  })

  it('refuses a configured signing key that is too short', async () => {
    await expect(boot(fresh(), { VRE_JWT_SECRET: 'c2VjcmV0' })).rejects.toThrow(/VRE_JWT_SECRET is too weak: 6 bytes/)
  })

  it('refuses a configured signing key that is long but not random', async () => {
    await expect(boot(fresh(), { VRE_JWT_SECRET: 'ab'.repeat(64) })).rejects.toThrow(/distinct byte values/)
  })

  it('accepts a strong configured key', async () => {
    await expect(
      boot(fresh(), {
        VRE_JWT_SECRET: Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 97 + 13) % 256)).toString('base64')
      })
    ).resolves.toBeUndefined()
  })

  it('refuses to trust every proxy, and takes a hop count or addresses', async () => {
    await expect(boot(fresh(), { VRE_TRUST_PROXY: 'true' })).rejects.toThrow(/any client choose its own address/)
    const { loadConfig } = await import('../../server/src/config/config.js')
    expect(loadConfig({ dataDir: fresh() }, { VRE_TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(loadConfig({ dataDir: fresh() }, { VRE_TRUST_PROXY: '10.0.0.5, 10.0.0.6' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.0.0.6'
    ])
  })

  it('refuses a policy with an unknown key or an out-of-range value, naming its path', async () => {
    const dir = fresh()
    const policy = join(dir, 'policy.yaml')
    writeFileSync(policy, 'name: p\nauth:\n  accessTokenMinutes: 600\n  refreshTokenHours: 1\n  colour: blue\n')
    await expect(boot(dir, { VRE_POLICY_FILE: policy })).rejects.toThrow(/auth.accessTokenMinutes: must be <= 60/)
    await expect(boot(dir, { VRE_POLICY_FILE: policy })).rejects.toThrow(/auth: unknown key colour/)
  })
})
