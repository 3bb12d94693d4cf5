import { rmSync } from 'node:fs'
import { ensureTestToken } from '../support/hsm.js'
import { buildWeb } from './web-build.js'

/** What ensureTestToken sets: the key provider's environment. */
const KEY_ENV = [
  'SOFTHSM2_CONF',
  'VRE_PKCS11_TOKEN',
  'VRE_PKCS11_PIN',
  'VRE_PKCS11_PIN_FILE',
  'VRE_KEY_PROVIDER',
  'VRE_TEST_HSM_DIR'
]

/**
 * Vitest globalSetup for the browser tests: a SoftHSM2 token first, so that anything started from
 * here that opens keys finds one, then web/dist (which the demo server serves) built once.
 *
 * The environment is put back afterwards, because test workers inherit this process's environment:
 * left set, every worker of every project would share this one token, and SoftHSM2 slows down with
 * the objects a token holds (a KEK made, wrapped and unwrapped: 9 ms in a fresh token, 385 ms beside
 * 1,500 other keys). Each worker makes its own token instead (test/support/hsm-setup.ts).
 */
export default async function setup(): Promise<() => void> {
  const before = Object.fromEntries(KEY_ENV.map((k) => [k, process.env[k]]))
  ensureTestToken()
  const made = process.env.VRE_TEST_HSM_DIR !== before.VRE_TEST_HSM_DIR ? process.env.VRE_TEST_HSM_DIR : undefined
  try {
    await buildWeb()
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  // the token itself stays until the run ends, for whatever was started here with it
  return () => {
    if (made !== undefined) rmSync(made, { recursive: true, force: true })
  }
}
