import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { build } from '../../server/src/app.js'
import { loadConfig } from '../../server/src/config/config.js'
import { ConfigError } from '../../server/src/errors.js'

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
  const app = await build({ config: loadConfig({ dataDir, webRoot: null }, env), logger: false })
  try {
    await app.ready()
  } finally {
    await app.close()
  }
}

describe('boot-time key checks', () => {
  it('generates its keys on first run with mode 0600', async () => {
    const dir = fresh()
    await boot(dir)
    const { statSync } = await import('node:fs')
    for (const f of ['jwt.key', 'audit-signing.key', 'secrets.key']) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600)
    }
  })

  it('refuses a configured signing key that is too short', async () => {
    await expect(boot(fresh(), { VRE_JWT_SECRET: 'c2VjcmV0' })).rejects.toThrow(/VRE_JWT_SECRET is too weak: 6 bytes/)
  })

  it('refuses a configured signing key that is long but not random', async () => {
    await expect(boot(fresh(), { VRE_JWT_SECRET: 'ab'.repeat(64) })).rejects.toThrow(/distinct byte values/)
  })

  it('refuses a key file that other users can read', async () => {
    const dir = fresh()
    await boot(dir)
    chmodSync(join(dir, 'jwt.key'), 0o644)
    await expect(boot(dir)).rejects.toThrow(ConfigError)
    await expect(boot(dir)).rejects.toThrow(/readable by other users.*chmod 600/)
  })

  it('refuses a key file holding a weak key', async () => {
    const dir = fresh()
    writeFileSync(join(dir, 'jwt.key'), 'password', { mode: 0o600 })
    await expect(boot(dir)).rejects.toThrow(/too weak/)
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
