import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TEST_TOKEN = 'vre-test'

/**
 * A real SoftHSM2 token for this test process: its own token directory (SoftHSM reads
 * SOFTHSM2_CONF once, when the module starts), a fresh token with a random PIN, and the environment
 * every gateway, CLI and child process of the tests reads its key provider from. Gateways started by
 * the tests use it exactly as production uses an HSM.
 */
export function ensureTestToken(): void {
  const conf = process.env.SOFTHSM2_CONF
  if (conf !== undefined && process.env.VRE_PKCS11_TOKEN === TEST_TOKEN && existsSync(conf)) return
  const dir = mkdtempSync(join(tmpdir(), 'vre-hsm-'))
  mkdirSync(join(dir, 'tokens'), { mode: 0o700 })
  const confFile = join(dir, 'softhsm2.conf')
  writeFileSync(confFile, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`)
  const pin = randomBytes(8).toString('hex')
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', TEST_TOKEN, '--pin', pin, '--so-pin', randomBytes(8).toString('hex')],
    { env: { ...process.env, SOFTHSM2_CONF: confFile }, stdio: 'ignore' }
  )
  process.env.SOFTHSM2_CONF = confFile
  process.env.VRE_PKCS11_TOKEN = TEST_TOKEN
  process.env.VRE_PKCS11_PIN = pin
  process.env.VRE_KEY_PROVIDER = 'pkcs11'
  delete process.env.VRE_PKCS11_PIN_FILE
  process.env.VRE_TEST_HSM_DIR = dir
}

/** The key-provider settings of the test process's token, for a config built from an explicit environment. */
export function tokenEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => /^VRE_(KEY_PROVIDER|PKCS11_)/.test(k)))
}
