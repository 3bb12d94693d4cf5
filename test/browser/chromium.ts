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

/**
 * Fills the sign-in form as a person would (password, then the authenticator's current code) and
 * sends it; the form is opened at `path` (a place of the app), the overview unless said.
 */
export async function submitSignIn(page: Page, server: DemoServer, username: string, path?: string): Promise<void> {
  const c = server.credentials[username]
  if (c === undefined) throw new Error(`the demo server has no account ${username}`)
  await page.goto(path === undefined ? server.url : new URL(path, server.url).href)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(c.password)
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(c.totpSecret), digits: 6, period: 30 })
  await page.getByTestId('login-totp').fill(totp.generate())
  await page.getByTestId('login-totp').press('Enter')
}

/**
 * A new browser window (1280x800, English) signed in as `username`, once the page shows one of
 * `ready` (test ids: what that user's overview shows first).
 */
export async function signedInPage(
  browser: Browser,
  server: DemoServer,
  username: string,
  ready: string[],
  options: { height?: number } = {}
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: options.height ?? 800 },
    locale: 'en-GB',
    acceptDownloads: true
  })
  const page = await context.newPage()
  await submitSignIn(page, server, username)
  await page
    .locator(ready.map((id) => `[data-testid="${id}"]`).join(', '))
    .first()
    .waitFor({ timeout: 15_000 })
  return page
}
