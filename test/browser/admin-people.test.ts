import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { launchChromium, SCREENSHOTS, submitSignIn } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

const ORGANIZATION = 'Kanto University Hospital Research Unit'

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let page: Page
let sessionId = ''

beforeAll(async () => {
  await requireDocker()
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  for (const s of (await server?.app.store.listSandboxSessions({ states: ['starting', 'running'] })) ?? []) {
    await server.app.sessions.stop(s.id, 'test over', { actor: 'test', sourceIp: null })
  }
  await server?.close()
})

/** The researcher signs in and starts a session through the API, on the real engine, and waits for it to run. */
async function researcherSession(): Promise<string> {
  const c = server.credentials.researcher1!
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'researcher1', password: c.password, totp: totpCode(c.totpSecret, new Date()) })
  })
  expect(login.status).toBe(200)
  const token = ((await login.json()) as { accessToken: string }).accessToken
  const projectId = (await server.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  const started = await fetch(`${server.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ projectId })
  })
  expect(started.status).toBe(201)
  const id = ((await started.json()) as { id: string }).id
  await expect
    .poll(async () => (await server.app.store.getSandboxSession(id))!.state, { timeout: 60_000, interval: 250 })
    .toBe('running')
  return id
}

describe('the people console in a browser', () => {
  it('a researcher has a running sandbox', async () => {
    sessionId = await researcherSession()
  }, 90_000)

  it("an administrator suspends the researcher's organization and the researcher's session ends", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-GB' })
    page = await context.newPage()
    await submitSignIn(page, server, 'admin')
    await page.getByTestId('open-admin').click()
    await page.getByTestId('admin-tab-organizations').click()
    const row = page.locator(`[data-testid="org-row"][data-name="${ORGANIZATION}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await row.getAttribute('data-status')).toBe('active')
    expect(await row.getByTestId('cert-state').textContent()).toBe('valid')
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-organizations.png'), fullPage: true })

    await row.getByTestId('org-suspend').click()
    const dialog = row.getByTestId('org-confirm')
    await dialog.waitFor()
    // keyboard: the dialog takes focus in its reason field
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('confirm-reason')
    await page.keyboard.type('Data-use agreement breach under investigation')
    expect(await dialog.innerText()).toMatch(/signed out at once/)
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-organization-suspend.png'), fullPage: true })
    await dialog.getByTestId('confirm-yes').click()
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('suspended')

    // the researcher's sandbox ends, with the reason
    await expect
      .poll(async () => (await server.app.store.getSandboxSession(sessionId))!.state, { timeout: 60_000, interval: 250 })
      .toBe('stopped')
    const s = (await server.app.store.getSandboxSession(sessionId))!
    expect(s.reason).toBe(`${ORGANIZATION} is suspended`)
    expect(await server.app.sandboxDriver.list({ 'vre.session': sessionId })).toEqual([])
    const audit = await server.app.store.recentAudit(50)
    expect(audit.find((r) => r.action === 'organization.suspend')?.details.reason).toBe(
      'Data-use agreement breach under investigation'
    )

    // the users tab shows the researcher without a live session
    await page.getByTestId('admin-tab-users').click()
    const user = page.locator('[data-testid="user-row"][data-username="researcher1"]')
    await user.waitFor({ timeout: 15_000 })
    expect(await user.getByTestId('user-live-sessions').innerText()).toBe('0')
    expect(await user.innerText()).toMatch(/suspended/)
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-users.png'), fullPage: true })
  }, 120_000)

  it('a refused change shows the server reason next to the form and changes nothing', async () => {
    await page.getByTestId('admin-tab-organizations').click()
    const row = page.locator('[data-testid="org-row"][data-name="Minato Health Analytics"]')
    await row.waitFor({ timeout: 15_000 })
    await row.getByTestId('org-certification').click()
    const form = row.getByTestId('certification-form')
    // T2-0042 is the Kanto unit's certification number
    await form.getByLabel('Certification number').fill('T2-0042')
    await form.getByLabel('Certification number').press('Enter')
    await expect
      .poll(() => form.getByTestId('form-error').innerText(), { timeout: 15_000 })
      .toBe(`The certification T2-0042 is held by ${ORGANIZATION}.`)
    const org = (await server.app.store.getOrganizationByName('Minato Health Analytics'))!
    expect((await server.app.store.getCertification(org.id))!.number).toBe('T2-0017')
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-certification-refused.png'), fullPage: true })
  }, 60_000)
})
