import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { createAccount } from '../../server/src/identity/accounts.js'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * The administration console in a browser, against the real gateway and the real engine, as one
 * administrator's afternoon: they edit a policy (a bad value is refused next to its field, a good
 * one saved as a new version), then suspend an organization and watch its researcher's session
 * end. One gateway and one signed-in administrator for the file; each part of the console has its
 * own describe block, opened with `openTab`.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let admin: Page

const shot = (name: string) => admin.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** Opens the console (from the overview, if not there yet) at one of its tabs. */
async function openTab(id: string): Promise<void> {
  if (!(await admin.getByTestId(`admin-tab-${id}`).isVisible())) await admin.getByTestId('open-admin').click()
  await admin.getByTestId(`admin-tab-${id}`).click()
}

beforeAll(async () => {
  await requireDocker()
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
  admin = await signedInPage(browser, server, 'admin', ['open-admin'], { height: 900 })
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

const ORGANIZATION = 'Kanto University Hospital Research Unit'
let sessionId = ''

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

describe('administration console: organizations and users', () => {
  it('a researcher has a running sandbox', async () => {
    sessionId = await researcherSession()
  }, 90_000)

  it("an administrator suspends the researcher's organization and the researcher's session ends", async () => {
    await openTab('organizations')
    const row = admin.locator(`[data-testid="org-row"][data-name="${ORGANIZATION}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await row.getAttribute('data-status')).toBe('active')
    expect(await row.getByTestId('cert-state').textContent()).toBe('valid')
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-organizations.png'), fullPage: true })

    await row.getByTestId('org-suspend').click()
    const dialog = row.getByTestId('org-confirm')
    await dialog.waitFor()
    // keyboard: the dialog takes focus in its reason field
    expect(await admin.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('confirm-reason')
    await admin.keyboard.type('Data-use agreement breach under investigation')
    expect(await dialog.innerText()).toMatch(/signed out at once/)
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-organization-suspend.png'), fullPage: true })
    await dialog.getByTestId('confirm-yes').click()
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('suspended')

    // the researcher's sandbox ends, with the reason
    await expect
      .poll(async () => (await server.app.store.getSandboxSession(sessionId))!.state, {
        timeout: 60_000,
        interval: 250
      })
      .toBe('stopped')
    const s = (await server.app.store.getSandboxSession(sessionId))!
    expect(s.reason).toBe(`${ORGANIZATION} is suspended`)
    expect(await server.app.sandboxDriver.list({ 'vre.session': sessionId })).toEqual([])
    const audit = await server.app.store.recentAudit(50)
    expect(audit.find((r) => r.action === 'organization.suspend')?.details.reason).toBe(
      'Data-use agreement breach under investigation'
    )

    // the users tab shows the researcher without a live session
    await openTab('users')
    const user = admin.locator('[data-testid="user-row"][data-username="researcher1"]')
    await user.waitFor({ timeout: 15_000 })
    expect(await user.getByTestId('user-live-sessions').innerText()).toBe('0')
    expect(await user.innerText()).toMatch(/suspended/)
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-users.png'), fullPage: true })
  }, 120_000)

  it('a refused change shows the server reason next to the form and changes nothing', async () => {
    await openTab('organizations')
    const row = admin.locator('[data-testid="org-row"][data-name="Minato Health Analytics"]')
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
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-certification-refused.png'), fullPage: true })
  }, 60_000)
})

describe('administration console: a project’s reviewers', () => {
  it('an administrator sees who reviews the demo project, is refused a reviewer of a member’s organization, and unassigns and assigns one', async () => {
    // a reviewer from researcher1's organization, who may not review the project researcher1 works in
    const made = await createAccount(
      server.app.store,
      server.app.keys,
      { username: 'reviewer3', displayName: 'Kobayashi Aoi', organization: ORGANIZATION, roles: ['reviewer'] },
      { actor: 'test', sourceIp: null }
    )
    const project = (await server.app.store.getProjectByTitle(DEMO_PROJECT))!
    const audited = async (action: string, outcome: string) =>
      (await server.app.store.recentAudit(50)).filter(
        (a) => a.action === action && a.target === project.id && a.outcome === outcome
      )
    await openTab('projects')
    const reviewers = admin
      .locator(`[data-testid="project-row"][data-title="${DEMO_PROJECT}"]`)
      .getByTestId('project-reviewers')
    const listed = () =>
      reviewers
        .getByTestId('project-reviewer')
        .evaluateAll((els) =>
          els.map((e) => `${e.getAttribute('data-username')}:${e.getAttribute('data-independent')}`)
        )
    await expect.poll(listed, { timeout: 15_000 }).toEqual(['reviewer1:true', 'reviewer2:true'])

    // refused, with the server's reason beside the picker; nothing changes, and the refusal is audited
    const picker = reviewers.getByTestId('assign-reviewer')
    await picker.locator('select').selectOption(made.user.id)
    await picker.getByRole('button').click()
    await expect
      .poll(() => picker.getByTestId('picker-error').innerText(), { timeout: 15_000 })
      .toMatch(/reviewer3 is of the organization of researcher1, a member of the project/i)
    expect(await listed()).toEqual(['reviewer1:true', 'reviewer2:true'])
    expect(await audited('project.reviewer_assign', 'denied')).toHaveLength(1)
    await shot('admin-project-reviewers-refused')

    // unassigned after a confirmation, then assigned again from the picker
    await reviewers
      .locator('[data-testid="project-reviewer"][data-username="reviewer2"]')
      .getByTestId('reviewer-unassign')
      .click()
    await reviewers.getByTestId('reviewer-confirm').getByTestId('confirm-yes').click()
    await expect.poll(listed, { timeout: 15_000 }).toEqual(['reviewer1:true'])
    expect(await audited('project.reviewer_unassign', 'success')).toHaveLength(1)
    const reviewer2 = (await server.app.store.getUserByUsername('reviewer2'))!
    await picker.locator('select').selectOption(reviewer2.id)
    await picker.getByRole('button').click()
    await expect.poll(listed, { timeout: 15_000 }).toEqual(['reviewer1:true', 'reviewer2:true'])
    expect(await picker.getByTestId('picker-error').count()).toBe(0)
  }, 60_000)
})
