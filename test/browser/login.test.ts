import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_DATASET, DEMO_PROJECT } from '../../server/src/demo/seed.js'
import type { MeResponse, TokenResponse } from '../../server/src/schemas/auth.js'
import type { ErrorBody } from '../../server/src/schemas/common.js'
import { startDemoServer } from '../support/demo-server.js'
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

type DemoServer = Awaited<ReturnType<typeof startDemoServer>>

/** Polls until the page catches up; the default second is tight for a cold Chromium. */
function eventually<T>(read: () => Promise<T>) {
  return expect.poll(read, { timeout: 10_000 })
}

let server: DemoServer
let browser: Browser
let context: BrowserContext
let page: Page
let pageProblems: string[]

function totpFor(account: string, at = Date.now()): string {
  return totpGenerator(account).generate({ timestamp: at })
}

function totpGenerator(account: string): OTPAuth.TOTP {
  const credentials = server.credentials[account]
  if (credentials === undefined) throw new Error(`the demo server has no account ${account}`)
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(credentials.totpSecret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1'
  })
}

/** A six-digit code that no accepted time step (two either side of now) would produce. */
function wrongTotpFor(account: string): string {
  const now = Date.now()
  const accepted = new Set([-2, -1, 0, 1, 2].map((step) => totpFor(account, now + step * 30_000)))
  for (let n = 123456; ; n = (n + 111111) % 1_000_000) {
    const candidate = String(n).padStart(6, '0')
    if (!accepted.has(candidate)) return candidate
  }
}

function isApi(path: string) {
  return (response: Response) => new URL(response.url()).pathname === path
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

async function openApp(): Promise<void> {
  await page.goto(server.url)
  await page.getByTestId('login-username').waitFor()
}

/** Fills the form and submits it with Enter; returns the login answer and, on success, the /me answer. */
async function signIn(account: string, totp = totpFor(account)): Promise<{ login: Response; me: MeResponse | null }> {
  const password = server.credentials[account]?.password
  if (password === undefined) throw new Error(`the demo server has no account ${account}`)
  await page.getByTestId('login-username').fill(account)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-totp').fill(totp)
  const loginAnswer = page.waitForResponse(isApi('/api/v1/auth/login'))
  const meAnswer = page.waitForResponse(isApi('/api/v1/me')).catch(() => null)
  await page.getByTestId('login-totp').press('Enter')
  const login = await loginAnswer
  if (!login.ok()) return { login, me: null }
  const me = await meAnswer
  if (me === null) throw new Error('signed in but the page never asked for /api/v1/me')
  expect(me.status()).toBe(200)
  return { login, me: (await me.json()) as MeResponse }
}

// A throw in beforeAll makes vitest report the tests as skipped; kept and rethrown in beforeEach,
// a missing browser or a broken build fails every test instead.
let setupError: unknown = null

beforeAll(async () => {
  try {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium)`)
    }
    await mkdir(SCREENSHOTS, { recursive: true })
    await ensureWebBuilt()
    server = await startDemoServer()
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  } catch (error) {
    setupError = error
  }
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

beforeEach(async () => {
  if (setupError !== null) throw setupError
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' })
  page = await context.newPage()
  // Playwright's 30 s default would hide a missing request behind a long wait.
  page.setDefaultTimeout(10_000)
  pageProblems = []
  page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`))
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) pageProblems.push(`CSP: ${message.text()}`)
  })
})

afterEach(async () => {
  await context?.close()
  // Each test fails if the page threw or the gateway's CSP blocked anything it needed.
  expect(pageProblems).toEqual([])
})

describe('sign-in and the signed-in overview', { timeout: 60_000 }, () => {
  it('signs researcher1 in with password and TOTP and shows their name, a valid certification and the demo project', async () => {
    await openApp()
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'login-username'
    )
    await screenshot('login')

    const { login, me } = await signIn('researcher1')
    expect(login.status()).toBe(200)
    if (me === null) throw new Error('no /me answer')

    await eventually(() => page.getByTestId('home-user').textContent()).toBe(me.user.displayName)
    expect(me.user.displayName).not.toBe('')
    const certification = me.user.organization?.certification
    expect(certification?.state).toBe('valid')
    await eventually(() => page.getByTestId('cert-state').getAttribute('data-state')).toBe('valid')
    expect(await page.getByTestId('cert-state').textContent()).toMatch(/valid/i)
    expect(await page.getByTestId('certification').textContent()).toContain(certification?.number)

    expect(me.projects.map((project) => project.title)).toContain(DEMO_PROJECT)
    const cards = page.getByTestId('project-card')
    await eventually(() => cards.count()).toBe(me.projects.length)
    for (const project of me.projects) {
      const card = cards.filter({ hasText: project.title })
      expect(await card.count()).toBe(1)
      expect(await card.textContent()).toContain(project.approvalReference)
    }
    expect(await cards.filter({ hasText: DEMO_PROJECT }).textContent()).toContain(DEMO_DATASET)
    expect(await page.getByTestId('login-username').count()).toBe(0)

    // The access token lives in memory only: not in storage, not in the address bar.
    const accessToken = ((await login.json()) as TokenResponse).accessToken
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))
    expect(stored).not.toContain(accessToken)
    expect(page.url()).not.toContain(accessToken)
    await screenshot('home-researcher1')
  })

  it('shows the server’s message for a wrong TOTP code and stays on the login page', async () => {
    await openApp()
    const { login } = await signIn('reviewer1', wrongTotpFor('reviewer1'))
    expect(login.status()).toBe(401)
    const { error } = (await login.json()) as ErrorBody
    expect(error.message).not.toBe('')

    await eventually(() => page.getByTestId('login-error').textContent()).toBe(error.message)
    expect(await page.getByTestId('login-error').getAttribute('aria-live')).toBe('assertive')
    expect(await page.getByTestId('home-user').count()).toBe(0)
    expect(await page.getByTestId('login-username').inputValue()).toBe('reviewer1')
    // A used or wrong code is cleared and focused, ready for the next one.
    expect(await page.getByTestId('login-totp').inputValue()).toBe('')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('login-totp')
    await screenshot('login-wrong-totp')
  })

  it('tells researcher2 that their organization’s expired certification stops analysis work', async () => {
    await openApp()
    const { me } = await signIn('researcher2')
    if (me === null) throw new Error('researcher2 could not sign in')
    const certification = me.user.organization?.certification
    if (!certification) throw new Error('researcher2 has no certification in the demo data')
    expect(certification.state).toBe('expired')
    expect(me.eligibility.canWork).toBe(false)

    const reasons = page.getByTestId('eligibility-reasons')
    await reasons.waitFor()
    const shown = await reasons.locator('li').allTextContents()
    expect(shown).toEqual(me.eligibility.reasons)
    expect(shown.some((reason) => reason.includes(certification.number) && /expired/i.test(reason))).toBe(true)
    expect(await page.getByTestId('cert-state').getAttribute('data-state')).toBe('expired')
    await screenshot('home-researcher2-expired')
  })

  it('keeps the session across a reload and, after sign-out, a reload does not sign back in', async () => {
    await openApp()
    const { me } = await signIn('reviewer2')
    if (me === null) throw new Error('reviewer2 could not sign in')
    await eventually(() => page.getByTestId('home-user').textContent()).toBe(me.user.displayName)

    const resumed = page.waitForResponse(isApi('/api/v1/auth/refresh'))
    await page.reload()
    expect((await resumed).status()).toBe(200)
    await eventually(() => page.getByTestId('home-user').textContent()).toBe(me.user.displayName)
    expect(await page.getByTestId('login-username').count()).toBe(0)
    await screenshot('home-after-reload')

    const loggedOut = page.waitForResponse(isApi('/api/v1/auth/logout'))
    await page.getByTestId('logout').click()
    expect((await loggedOut).status()).toBe(200)
    await page.getByTestId('login-username').waitFor()
    expect(await page.getByTestId('home-user').count()).toBe(0)
    await screenshot('signed-out')

    const refused = page.waitForResponse(isApi('/api/v1/auth/refresh'))
    await page.reload()
    expect((await refused).status()).toBe(401)
    await page.getByTestId('login-username').waitFor()
    expect(await page.getByTestId('home-user').count()).toBe(0)
  })
})
