import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { TEST_TOKEN } from '../support/hsm.js'
import { freePort, startGatewayProcess } from '../support/gateway-process.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** `vre serve` as an operator runs it, to its exit (or killed after 30 s if it starts after all). */
async function serve(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vre-bootproc-'))
  dirs.push(dataDir)
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/src/cli/index.ts', 'serve', '--data-dir', dataDir, '--port', String(await freePort())],
    { cwd: PROJECT_ROOT, env: { ...process.env, VRE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  clearTimeout(timer)
  return { code, stderr, dataDir }
}

describe('vre serve without its key token', () => {
  it('starts with the token and its PIN (the CLI reaches the PKCS#11 module as the tests do)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vre-bootproc-'))
    dirs.push(dataDir)
    const gw = await startGatewayProcess('serve', dataDir)
    try {
      expect((await fetch(`${gw.url}/api/v1/me`)).status).toBe(401)
      expect(existsSync(join(dataDir, 'keyring.json'))).toBe(true)
    } finally {
      await gw.stop()
    }
  })

  it('exits non-zero naming the token it looked for and the tokens it found', async () => {
    const run = await serve({ VRE_PKCS11_TOKEN: 'no-such-token' })
    expect(run.code, run.stderr).not.toBe(0)
    expect(run.code).not.toBeNull()
    expect(run.stderr).toMatch(
      new RegExp(`no PKCS#11 token labelled "no-such-token" is present.*tokens found: "${TEST_TOKEN}"`)
    )
    // one clear line, not a stack trace
    expect(run.stderr).not.toMatch(/^\s+at /m)
    expect(existsSync(join(run.dataDir, 'keyring.json'))).toBe(false)
  })

  it('exits non-zero on a wrong PIN, saying the token refused it', async () => {
    const run = await serve({ VRE_PKCS11_PIN: 'not-the-pin' })
    expect(run.code, run.stderr).not.toBe(0)
    expect(run.code).not.toBeNull()
    expect(run.stderr).toMatch(new RegExp(`the token "${TEST_TOKEN}" refused the PIN`))
    expect(run.stderr).not.toMatch(/^\s+at /m)
    expect(existsSync(join(run.dataDir, 'keyring.json'))).toBe(false)
  })

  it('exits non-zero when the PKCS#11 module is not installed', async () => {
    const run = await serve({ VRE_PKCS11_MODULE: '/nonexistent/libpkcs11.so' })
    expect(run.code, run.stderr).not.toBe(0)
    expect(run.stderr).toMatch(/the PKCS#11 module \/nonexistent\/libpkcs11.so is not installed/)
  })
})
