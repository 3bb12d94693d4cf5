import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { launchChromium, SCREENSHOTS, submitSignIn } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * The administration console in a browser, against the real gateway. One gateway and one signed-in
 * administrator for the file; each part of the console has its own describe block below, opened
 * with `openTab`.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let admin: Page

const shot = (name: string) => admin.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

async function signInAdmin(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
  const page = await context.newPage()
  await submitSignIn(page, server, 'admin')
  await page.getByTestId('open-admin').waitFor({ timeout: 15_000 })
  return page
}

/** Opens the console (from the overview, if not there yet) at one of its tabs. */
async function openTab(id: string): Promise<void> {
  if (!(await admin.getByTestId(`admin-tab-${id}`).isVisible())) await admin.getByTestId('open-admin').click()
  await admin.getByTestId(`admin-tab-${id}`).click()
}

beforeAll(async () => {
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
  admin = await signInAdmin()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('administration console: policies', () => {
  it('an administrator edits the default policy, is told a bad value next to its field, fixes it and saves a new version', async () => {
    await openTab('policies')
    await expect.poll(() => admin.getByTestId('policy-version-default').innerText(), { timeout: 15_000 }).toBe('1')
    const editor = admin.getByTestId('policy-editor')
    await expect.poll(() => editor.locator('h2').innerText()).toBe('default, version 1')

    // a value out of range: refused, the reason shown next to the field, the field focused, nothing saved
    const cpus = admin.getByTestId('policy-field-cpus')
    await cpus.fill('100')
    await admin.getByTestId('policy-comment').fill('more CPU for the spring cohort')
    await admin.getByTestId('policy-save').click()
    await expect
      .poll(() => admin.getByTestId('policy-error-cpus').innerText(), { timeout: 15_000 })
      .toBe('must be <= 64')
    expect(await cpus.getAttribute('aria-invalid')).toBe('true')
    expect(await cpus.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await admin.getByTestId('policy-invalid').innerText()).toMatch(/Not saved: one value needs correcting/)
    await shot('admin-policy-invalid')
    expect(server.app.policy().sandbox.cpus).toBe(1)
    expect((await server.app.policies.versions('default')).length).toBe(1)

    // fixed: saved as version 2, in force at once, with the change in the history
    await cpus.fill('2')
    await admin.getByTestId('policy-save').click()
    await expect
      .poll(() => admin.getByTestId('policy-saved').innerText(), { timeout: 15_000 })
      .toMatch(/Saved as version 2\./)
    expect(await admin.getByTestId('policy-error-cpus').count()).toBe(0)
    await expect.poll(() => editor.locator('h2').innerText()).toBe('default, version 2')
    await expect.poll(() => admin.getByTestId('policy-version-default').innerText()).toBe('2')
    expect(server.app.policy().sandbox.cpus).toBe(2)

    const latest = admin.getByTestId('policy-history-2')
    expect(await latest.innerText()).toMatch(/Version 2 — Platform Administrator, .*: more CPU for the spring cohort/)
    await latest.locator('summary').click()
    expect(await latest.locator('.diff__line--removed').allInnerTexts()).toContain('-  cpus: 1.0')
    expect(await latest.locator('.diff__line--added').allInnerTexts()).toContain('+  cpus: 2')
    await shot('admin-policy-saved')
  })

  it('in YAML, an unknown key is listed with its line, and the line link selects it in the text', async () => {
    await openTab('policies')
    await admin.getByTestId('policy-mode-yaml').check()
    const yaml = admin.getByTestId('policy-yaml')
    const text = await yaml.inputValue()
    await yaml.fill(text.replace('  pids: 256\n', '  pids: 256\n  colour: blue\n'))
    await admin.getByTestId('policy-save').click()
    const banner = admin.getByTestId('policy-invalid')
    const line = text.split('\n').findIndex((l) => l === '  pids: 256') + 2
    await expect
      .poll(() => banner.innerText(), { timeout: 15_000 })
      .toContain(`/sandbox/colour (line ${line}): is not a key a policy may have`)
    await banner.getByRole('button', { name: `line ${line}` }).click()
    expect(
      await yaml.evaluate((el: HTMLTextAreaElement) => [
        el === document.activeElement,
        el.value.slice(el.selectionStart, el.selectionEnd)
      ])
    ).toEqual([true, '  colour: blue'])
    await shot('admin-policy-yaml-invalid')
    expect((await server.app.policies.versions('default')).length).toBe(2)
  })
})
