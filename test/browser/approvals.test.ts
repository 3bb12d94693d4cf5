import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * Two administrators in two browsers: one asks for a change that needs a second administrator,
 * the other approves it in the console. Then a person enrols from the link a new account came
 * with, and signs in with what they chose. No sandbox is started: no engine is needed.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let admin: Page
let admin2: Page

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** Opens the console (from the overview, if not there yet) at one of its tabs. */
async function openTab(page: Page, id: string): Promise<void> {
  if (!(await page.getByTestId(`admin-tab-${id}`).isVisible())) await page.getByTestId('open-admin').click()
  await page.getByTestId(`admin-tab-${id}`).click()
}

beforeAll(async () => {
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
  admin = await signedInPage(browser, server, 'admin', ['open-admin'], { height: 900 })
  admin2 = await signedInPage(browser, server, 'admin2', ['open-admin'], { height: 900 })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('separation of duties in the console', () => {
  it('a second administrator approves a role grant another asked for, and only then is it made', async () => {
    // the first administrator asks: reviewer1 should administer instead (an administrator holds no other role)
    await openTab(admin, 'users')
    const row = admin.locator('[data-testid="user-row"][data-username="reviewer1"]')
    await row.waitFor({ timeout: 15_000 })
    await row.getByRole('button', { name: 'Edit' }).click()
    const form = row.getByTestId('edit-user')
    await form.getByLabel('administrator', { exact: true }).check()
    await form.getByLabel('reviewer', { exact: true }).uncheck()
    await form.getByTestId('user-reason').fill('lead reviewer, covering for the audit week')
    await form.getByRole('button', { name: 'Save' }).click()
    await expect
      .poll(() => admin.getByTestId('user-held').innerText(), { timeout: 15_000 })
      .toMatch(/needs a second administrator/)
    await expect.poll(() => row.getByTestId('user-pending').count(), { timeout: 15_000 }).toBe(1)
    expect((await server.app.store.getUserByUsername('reviewer1'))!.roles).toEqual(['reviewer'])
    // a grant enrols the account again: the asker holds part 1 of its new link
    expect(await admin.getByTestId('link-half-1').innerText()).toMatch(
      /Part 1 of 2 of the enrolment link for reviewer1/
    )

    // the asker sees it waiting, and cannot approve it
    await openTab(admin, 'approvals')
    const own = admin.getByTestId('approval').first()
    await own.waitFor({ timeout: 15_000 })
    expect(await own.getByTestId('approval-approve').count()).toBe(0)
    expect(await own.getByTestId('approval-why-not').innerText()).toMatch(
      /another administrator approves or refuses it/
    )
    await shot(admin, 'approvals-asker')

    // the second administrator reads who asked, why and what, and approves
    await openTab(admin2, 'approvals')
    const pending = admin2.getByTestId('approval').first()
    await pending.waitFor({ timeout: 15_000 })
    expect(await pending.getByTestId('approval-summary').innerText()).toBe(
      'Grant administrator to reviewer1; Take reviewer away from reviewer1'
    )
    expect(await pending.getByTestId('approval-reenrol').innerText()).toMatch(/they enrol again through a new link/)
    expect(await pending.getByTestId('approval-reason').innerText()).toBe('lead reviewer, covering for the audit week')
    expect(await pending.innerText()).toMatch(/Asked by Platform Administrator/)
    await shot(admin2, 'approvals-pending')
    await pending.getByTestId('approval-approve').click()
    await pending.getByTestId('approval-confirm').getByTestId('confirm-yes').click()
    // the approver holds part 2
    await expect.poll(() => admin2.getByTestId('link-half-2').count(), { timeout: 15_000 }).toBe(1)
    await expect.poll(() => admin2.getByTestId('approvals-none').count()).toBe(1)

    const reviewer1 = (await server.app.store.getUserByUsername('reviewer1'))!
    expect(reviewer1.roles).toEqual(['admin'])
    expect(reviewer1.enrolledAt).toBeNull()
    const record = (await server.app.store.recentAudit(5)).find((r) => r.action === 'user.update')!
    const [adminId, admin2Id] = await Promise.all(
      ['admin', 'admin2'].map(async (u) => (await server.app.store.getUserByUsername(u))!.id)
    )
    expect(record).toMatchObject({
      actor: admin2Id,
      details: { approval: { requestedBy: adminId, approvedBy: admin2Id } }
    })
  }, 90_000)

  it('a person enrols from the link their new account came with, then signs in with what they chose', async () => {
    await openTab(admin, 'users')
    const create = admin.getByTestId('create-user')
    await admin.locator('details.admin-create > summary').click()
    await create.getByLabel('Username').fill('researcher9')
    await create.getByLabel('Display name').fill('Ito Mei')
    await create.getByLabel('Organization').selectOption({ label: 'Kanto University Hospital Research Unit' })
    await create.getByRole('button', { name: 'Create' }).click()
    const issued = admin.getByTestId('issued-credentials')
    await issued.waitFor({ timeout: 15_000 })
    const link = (await issued.locator('code').innerText()).trim()
    expect(link).toMatch(new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/enrol#[A-Za-z0-9_-]{43}$`))
    expect(await issued.innerText()).not.toMatch(/password:|otpauth/i)
    await shot(admin, 'users-enrolment-link')

    // the person, in a browser of their own
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
    const person = await context.newPage()
    await person.goto(link)
    const secretText = await person.getByTestId('enrolment-secret').innerText({ timeout: 15_000 })
    // the token left the address bar as soon as the page read it
    expect(person.url()).toBe(`${server.url}/enrol`)
    const secret = secretText.replace(/\s/g, '')
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 })
    await person.getByTestId('enrolment-password').fill('a passphrase of my own')
    await person.getByTestId('enrolment-confirm').fill('a passphrase of my own')
    await person.getByTestId('enrolment-code').fill(totp.generate())
    await shot(person, 'enrolment')
    await person.getByTestId('enrolment-submit').click()
    await person.getByTestId('enrolment-done').waitFor({ timeout: 15_000 })
    expect((await server.app.store.getUserByUsername('researcher9'))!.enrolledAt).not.toBeNull()

    await person.getByTestId('enrolment-sign-in').click()
    expect(await person.getByTestId('login-notice').innerText()).toMatch(/Sign in with them/)
    await person.getByTestId('login-username').fill('researcher9')
    await person.getByTestId('login-password').fill('a passphrase of my own')
    // the code that confirmed the authenticator is spent: the next time step's
    await person.getByTestId('login-totp').fill(totp.generate({ timestamp: Date.now() + 30_000 }))
    await person.getByTestId('login-totp').press('Enter')
    await expect.poll(() => person.getByTestId('home-user').innerText(), { timeout: 15_000 }).toBe('Ito Mei')
    await shot(person, 'enrolled-signed-in')

    // the link worked once
    const again = await context.newPage()
    await again.goto(link)
    expect(await again.getByTestId('enrolment-refused').innerText({ timeout: 15_000 })).toMatch(/already used/)
    await context.close()
  }, 90_000)
})
