import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * Whose a reviewer's credentials are, in browsers: the link of a new reviewer comes in two parts,
 * one shown to the administrator who asked and one to the one who approved, and the person puts
 * them together on the enrolment page; a reviewer whose credentials an administrator handed out
 * (an account from before enrolment links) sets their own from the overview before reviewing.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
const totp = (secret: string) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret.replace(/\s/g, '')), digits: 6, period: 30 })

async function openTab(page: Page, id: string): Promise<void> {
  if (!(await page.getByTestId(`admin-tab-${id}`).isVisible())) await page.getByTestId('open-admin').click()
  await page.getByTestId(`admin-tab-${id}`).click()
}

/** The code of the part a link-half display shows. */
const halfIn = async (page: Page, part: 1 | 2) =>
  (await page.getByTestId(`link-half-${part}`).locator('code').first().innerText({ timeout: 15_000 })).trim()

beforeAll(async () => {
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('a reviewer’s own credentials', () => {
  it('a new reviewer’s link: part 1 to the asker, part 2 to the approver, both entered by the person', async () => {
    const admin = await signedInPage(browser, server, 'admin', ['open-admin'], { height: 900 })
    const admin2 = await signedInPage(browser, server, 'admin2', ['open-admin'], { height: 900 })
    await openTab(admin, 'users')
    await admin.locator('details.admin-create > summary').click()
    const create = admin.getByTestId('create-user')
    await create.getByLabel('Username').fill('reviewer3')
    await create.getByLabel('Display name').fill('Mori Aki')
    await create.getByLabel('researcher', { exact: true }).uncheck()
    await create.getByLabel('reviewer', { exact: true }).check()
    await create.getByTestId('user-reason').fill('third output checker')
    await create.getByRole('button', { name: 'Create' }).click()
    const part1 = await halfIn(admin, 1)
    expect(part1).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await admin.getByTestId('link-half-1').innerText()).toMatch(
      /Part 1 of 2 of the enrolment link for reviewer3/
    )
    await shot(admin, 'link-half-asker')

    await openTab(admin2, 'approvals')
    const pending = admin2.getByTestId('approval').first()
    await pending.waitFor({ timeout: 15_000 })
    expect(await pending.innerText()).not.toContain(part1)
    await pending.getByTestId('approval-approve').click()
    await pending.getByTestId('approval-confirm').getByTestId('confirm-yes').click()
    const part2 = await halfIn(admin2, 2)
    expect(part2).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await admin2.getByTestId('link-half-2').innerText()).not.toContain(part1)
    await shot(admin2, 'link-half-approver')

    // the person opens the enrolment page and enters the parts they were sent; one alone does not open it
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
    const person = await context.newPage()
    await person.goto(`${server.url}/enrol`)
    await person.getByTestId('enrolment-part1').fill(part2)
    await person.getByTestId('enrolment-parts-submit').click()
    expect(await person.getByTestId('enrolment-refused').innerText({ timeout: 15_000 })).toMatch(/both parts/)
    await person.getByTestId('enrolment-part1').fill(part1)
    await person.getByTestId('enrolment-part2').fill(part2)
    await shot(person, 'enrolment-parts')
    await person.getByTestId('enrolment-parts-submit').click()
    const secret = await person.getByTestId('enrolment-secret').innerText({ timeout: 15_000 })
    await person.getByTestId('enrolment-password').fill('a passphrase of my own')
    await person.getByTestId('enrolment-confirm').fill('a passphrase of my own')
    await person.getByTestId('enrolment-code').fill(totp(secret).generate())
    await person.getByTestId('enrolment-submit').click()
    await person.getByTestId('enrolment-done').waitFor({ timeout: 15_000 })
    expect((await server.app.store.getUserByUsername('reviewer3'))!.enrolledAt).not.toBeNull()
    await context.close()
  }, 120_000)

  it('a reviewer with handed-out credentials is told to set their own, does, and may then review', async () => {
    // reviewer2 as an account from before enrolment links: its credentials were handed out
    const db = (server.app.store as unknown as { db: import('better-sqlite3').Database }).db
    db.prepare("UPDATE users SET enrolled_at = NULL WHERE username = 'reviewer2'").run()
    const page = await signedInPage(browser, server, 'reviewer2', ['own-credentials'], { height: 1000 })
    const card = page.getByTestId('own-credentials')
    expect(await card.getAttribute('data-must')).toBe('true')
    expect(await card.innerText()).toMatch(/set up by an administrator, who may know them/)
    // the review queue says why it is closed
    const queue = page.getByTestId('review-queue')
    await expect.poll(() => queue.innerText(), { timeout: 15_000 }).toMatch(/set up by an administrator/)
    await shot(page, 'own-credentials-must')

    await card.getByTestId('own-credentials-start').click()
    const secret = await card.getByTestId('own-secret').innerText({ timeout: 15_000 })
    const old = server.credentials.reviewer2!
    await card.getByTestId('own-password').fill(old.password)
    // a code of the old authenticator newer than the one the sign-in used
    await card.getByTestId('own-totp').fill(totp(old.totpSecret).generate({ timestamp: Date.now() + 30_000 }))
    await card.getByTestId('own-newPassword').fill('a passphrase of my own')
    await card.getByTestId('own-confirm').fill('a passphrase of my own')
    await card.getByTestId('own-newTotp').fill(totp(secret).generate())
    await card.getByTestId('own-credentials-submit').click()
    await card.getByTestId('own-credentials-done').waitFor({ timeout: 15_000 })
    await shot(page, 'own-credentials-done')
    expect((await server.app.store.getUserByUsername('reviewer2'))!.enrolledAt).not.toBeNull()
    await expect.poll(() => card.getAttribute('data-must'), { timeout: 15_000 }).toBe('false')
    // and now the review queue opens
    await queue.getByTestId('review-queue-refresh').click()
    await expect.poll(() => queue.getByTestId('review-queue-empty').count(), { timeout: 15_000 }).toBe(1)
    expect(await queue.innerText()).not.toMatch(/set up by an administrator/)
  }, 120_000)
})
