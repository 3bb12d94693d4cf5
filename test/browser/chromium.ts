import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { DemoServer } from '../support/demo-server.js'

/** Debian's Chromium, installed by scripts/install.sh. */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
]
/** Where the browser tests leave a screenshot of each view. */
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots')

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/** Fills the sign-in form as a person would (password, then the authenticator's current code) and sends it. */
export async function submitSignIn(page: Page, server: DemoServer, username: string): Promise<void> {
  const c = server.credentials[username]
  if (c === undefined) throw new Error(`the demo server has no account ${username}`)
  await page.goto(server.url)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(c.password)
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(c.totpSecret), digits: 6, period: 30 })
  await page.getByTestId('login-totp').fill(totp.generate())
  await page.getByTestId('login-totp').press('Enter')
}
