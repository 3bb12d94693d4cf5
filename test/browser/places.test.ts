import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { submitFromCart, writeOutbox } from './airlock-steps.js'
import { launchChromium, signedInPage, submitSignIn } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * Every screen of the web app is a place with its own URL: reloading it comes back to the same
 * screen (after the session resumes silently), back and forward move between places, an address
 * the app has no place for says so, and a place someone may not see gives what the app always
 * gave them. One gateway for the file: a researcher with a running session and one export request,
 * a reviewer and an administrator.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let researcher: Page
let projectId = ''
let requestId = ''

const WORKSPACE_TABS = ['terminal', 'notebook', 'files', 'airlock'] as const
const ADMIN_TABS = ['policies', 'organizations', 'users', 'approvals', 'projects', 'audit', 'monitoring']

const path = (page: Page) => new URL(page.url()).pathname
const at = (page: Page, place: string) => new URL(place, server.url).href
const heading = (page: Page) => page.locator('h1').innerText()
const selectedTab = (page: Page) => page.locator('[role="tab"][aria-selected="true"]').getAttribute('data-testid')

/** Reloads the page; resolves once the silent resume has answered and the app is past "checking your session". */
async function reload(page: Page): Promise<void> {
  const resumed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'))
  await page.reload()
  expect((await resumed).status()).toBe(200)
}

beforeAll(async () => {
  await requireDocker()
  await ensureWebBuilt()
  server = await startDemoServer()
  browser = await launchChromium()
  researcher = await signedInPage(browser, server, 'researcher1', ['open-workspace'], { height: 900 })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('the web app has places', () => {
  it('the overview is at / and stays there across a reload', async () => {
    expect(path(researcher)).toBe('/')
    await reload(researcher)
    await researcher.getByTestId('open-workspace').waitFor({ timeout: 15_000 })
    expect(path(researcher)).toBe('/')
    expect(await heading(researcher)).toBe('Overview')
  })

  it('the workspace and each of its tabs has a URL, and a reload comes back to that tab of the same project', async () => {
    const card = researcher.getByTestId('project-card').first()
    projectId = (await card.getAttribute('data-project-id'))!
    const title = await card.locator('h3').innerText()
    await card.getByTestId('open-workspace').click()
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}`)
    await expect
      .poll(() => researcher.getByTestId('terminal').getAttribute('data-link'), { timeout: 30_000 })
      .toBe('open')
    expect(await heading(researcher)).toBe(title)

    for (const tab of [...WORKSPACE_TABS.slice(1), WORKSPACE_TABS[0]]) {
      await researcher.getByTestId(`tab-${tab}`).click()
      const url = tab === 'terminal' ? `/projects/${projectId}` : `/projects/${projectId}/${tab}`
      await expect.poll(() => path(researcher)).toBe(url)
      await reload(researcher)
      // the same session is reopened, at the same tab
      await expect.poll(() => selectedTab(researcher), { timeout: 30_000 }).toBe(`tab-${tab}`)
      expect(path(researcher)).toBe(url)
      expect(await heading(researcher)).toBe(title)
    }
    await expect
      .poll(() => researcher.getByTestId('terminal').getAttribute('data-link'), { timeout: 30_000 })
      .toBe('open')
    expect((await server.app.store.listSandboxSessions({ states: ['running'] })).length).toBe(1)
  }, 180_000)

  it('back and forward move between tabs and out to the overview, and the arrow keys leave no history', async () => {
    await researcher.getByTestId('tab-files').click()
    await researcher.getByTestId('tab-airlock').click()
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}/airlock`)
    await researcher.goBack()
    await expect.poll(() => selectedTab(researcher)).toBe('tab-files')
    expect(path(researcher)).toBe(`/projects/${projectId}/files`)
    await researcher.goForward()
    await expect.poll(() => selectedTab(researcher)).toBe('tab-airlock')

    // the arrow keys step to the next tab in place: back then leaves the tab walked from, not each step
    await researcher.getByTestId('tab-airlock').press('Home')
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}`)
    await researcher.getByTestId('tab-terminal').press('ArrowRight')
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}/notebook`)
    await researcher.goBack()
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}/files`)

    await researcher.getByTestId('workspace-back').click()
    await researcher.getByTestId('open-workspace').waitFor({ timeout: 15_000 })
    expect(path(researcher)).toBe('/')
    await researcher.goBack()
    await expect.poll(() => selectedTab(researcher), { timeout: 30_000 }).toBe('tab-files')
  }, 90_000)

  it('one of the researcher’s requests has a URL that opens it in the Airlock tab, across a reload', async () => {
    await writeOutbox(server, 'places.csv', 'age_band,n\r\n0-64,1203\r\n65+,800\r\n')
    const submitted = await submitFromCart(researcher, [{ name: 'places.csv', why: 'Counts by age band' }])
    requestId = (await submitted.getAttribute('data-request-id'))!

    const place = `/projects/${projectId}/airlock/${requestId}`
    await researcher.goto(at(researcher, place))
    const card = researcher.locator(`[data-testid="export-request"][data-request-id="${requestId}"]`)
    await expect.poll(() => card.getAttribute('aria-current'), { timeout: 30_000 }).toBe('location')
    expect(await selectedTab(researcher)).toBe('tab-airlock')
    expect(await card.getByTestId('request-toggle').getAttribute('aria-expanded')).toBe('true')
    await reload(researcher)
    await expect.poll(() => card.getAttribute('aria-current'), { timeout: 30_000 }).toBe('location')
    expect(path(researcher)).toBe(place)
    expect(await card.getByTestId('request-toggle').getAttribute('aria-expanded')).toBe('true')

    // closing it leaves its URL for the tab's; opening it again puts it back
    await card.getByTestId('request-toggle').click()
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}/airlock`)
    // the address changes first; the card renders as no longer current right after
    await expect.poll(() => card.getAttribute('aria-current')).toBeNull()
    await card.getByTestId('request-toggle').click()
    await expect.poll(() => path(researcher)).toBe(place)
  }, 120_000)

  it('leaving the workspace with unsaved edits asks first, for a link and for back alike; its own tabs do not', async () => {
    await researcher.getByTestId('workspace-back').click()
    await researcher.getByTestId('open-workspace').click()
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}`)
    await researcher.getByTestId('tab-files').click()
    await researcher.getByTestId('files').waitFor({ timeout: 30_000 })
    await researcher.getByTestId('new-notebook').click()
    const notebook = researcher.getByTestId('notebook')
    await notebook.waitFor({ timeout: 15_000 })
    await notebook.getByTestId('add-sql-cell').click()
    await notebook.getByTestId('notebook-cell').last().getByTestId('cell-source').fill('select 1')
    await expect.poll(() => notebook.getByTestId('notebook-state').innerText()).toBe('Unsaved changes')
    expect(path(researcher)).toBe(`/projects/${projectId}/notebook`)

    // another tab of the same workspace keeps the notebook open: nothing to ask
    await researcher.getByTestId('tab-terminal').click()
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}`)
    expect(await researcher.getByTestId('unsaved-warning').count()).toBe(0)

    // the link back to the overview asks; staying keeps the place and the edits
    await researcher.getByTestId('workspace-back').click()
    await researcher.getByTestId('unsaved-warning').waitFor({ timeout: 5_000 })
    expect(path(researcher)).toBe(`/projects/${projectId}`)
    await researcher.getByRole('button', { name: 'Stay and keep editing' }).click()
    expect(await researcher.getByTestId('unsaved-warning').count()).toBe(0)
    expect(path(researcher)).toBe(`/projects/${projectId}`)

    // back through the workspace's own tabs, then out of it: asked there, and discarding goes
    for (const tab of ['notebook', 'files', 'terminal']) {
      await researcher.goBack()
      await expect.poll(() => selectedTab(researcher)).toBe(`tab-${tab}`)
      expect(await researcher.getByTestId('unsaved-warning').count()).toBe(0)
    }
    await researcher.goBack()
    await researcher.getByTestId('unsaved-warning').waitFor({ timeout: 5_000 })
    await expect.poll(() => path(researcher)).toBe(`/projects/${projectId}`)
    await researcher.getByTestId('unsaved-discard').click()
    await researcher.getByTestId('open-workspace').waitFor({ timeout: 15_000 })
    expect(path(researcher)).toBe('/')
  }, 90_000)

  it('the review of a request has a URL a reviewer can reload and come back to', async () => {
    const reviewer = await signedInPage(browser, server, 'reviewer1', ['review-queue'], { height: 900 })
    const place = `/reviews/${requestId}`
    await reviewer.goto(at(reviewer, place))
    const page = reviewer.getByTestId('review-page')
    await page.getByTestId('review-file').first().waitFor({ timeout: 15_000 })
    expect(await page.getAttribute('data-request-id')).toBe(requestId)
    const title = await heading(reviewer)
    expect(title).toMatch(/places\.csv/)
    await reload(reviewer)
    await page.getByTestId('review-file').first().waitFor({ timeout: 15_000 })
    expect(path(reviewer)).toBe(place)
    expect(await heading(reviewer)).toBe(title)

    await reviewer.getByTestId('review-back').click()
    await reviewer.getByTestId('review-queue').waitFor({ timeout: 15_000 })
    expect(path(reviewer)).toBe('/')
    await reviewer.goBack()
    await page.getByTestId('review-file').first().waitFor({ timeout: 15_000 })
    expect(path(reviewer)).toBe(place)
    await reviewer.getByTestId('review-back').click()
    await reviewer.locator(`[data-testid="review-item"][data-request-id="${requestId}"]`).getByTestId('review-open').click()
    await expect.poll(() => path(reviewer)).toBe(place)
    await reviewer.context().close()
  }, 90_000)

  it('each tab of the console, and a record inside one, has a URL that a reload comes back to', async () => {
    const admin = await signedInPage(browser, server, 'admin', ['open-admin'], { height: 900 })
    await admin.getByTestId('open-admin').click()
    await expect.poll(() => path(admin)).toBe('/admin')
    await expect.poll(() => selectedTab(admin)).toBe(`admin-tab-${ADMIN_TABS[0]}`)
    const console = await heading(admin)

    for (const tab of ADMIN_TABS.slice(1)) {
      await admin.getByTestId(`admin-tab-${tab}`).click()
      await expect.poll(() => path(admin)).toBe(`/admin/${tab}`)
      await reload(admin)
      await expect.poll(() => selectedTab(admin), { timeout: 15_000 }).toBe(`admin-tab-${tab}`)
      expect(await admin.locator(`#admin-panel-${tab}[role="tabpanel"]`).count()).toBe(1)
      expect(await heading(admin)).toBe(console)
    }
    await admin.goBack()
    await expect.poll(() => selectedTab(admin)).toBe(`admin-tab-${ADMIN_TABS.at(-2)}`)

    const user = (await server.app.store.getUserByUsername('researcher1'))!
    const record = `/admin/users/${user.id}`
    await admin.goto(at(admin, record))
    await expect.poll(() => selectedTab(admin), { timeout: 15_000 }).toBe('admin-tab-users')
    await reload(admin)
    await expect.poll(() => selectedTab(admin), { timeout: 15_000 }).toBe('admin-tab-users')
    expect(path(admin)).toBe(record)

    // a tab the console does not have is no place
    await admin.goto(at(admin, '/admin/settings'))
    await admin.getByTestId('not-found').waitFor({ timeout: 15_000 })
    expect(await admin.getByTestId('admin-back').count()).toBe(0)
    await admin.context().close()
  }, 120_000)

  it('an address the app has no place for shows "page not found", with the way to the overview', async () => {
    for (const unknown of ['/no/such/place', `/projects/${projectId}/settings`]) {
      await researcher.goto(at(researcher, unknown))
      await researcher.getByTestId('not-found').waitFor({ timeout: 15_000 })
      expect(await heading(researcher)).toBe('Page not found')
      expect(path(researcher)).toBe(unknown)
    }
    await researcher.getByTestId('not-found-overview').click()
    await researcher.getByTestId('open-workspace').waitFor({ timeout: 15_000 })
    expect(path(researcher)).toBe('/')
  })

  it('a researcher asking for the console, or for a project not theirs, gets the overview as before', async () => {
    for (const refused of ['/admin', '/admin/users', '/projects/not-a-project-of-theirs/files']) {
      await researcher.goto(at(researcher, refused))
      await researcher.getByTestId('open-workspace').waitFor({ timeout: 15_000 })
      expect(path(researcher)).toBe('/')
      expect(await heading(researcher)).toBe('Overview')
      expect(await researcher.getByTestId('open-admin').count()).toBe(0)
    }
  })

  it('signed out, a place asks for sign-in and opens once signed in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })
    const page = await context.newPage()
    const place = `/projects/${projectId}/files`
    await submitSignIn(page, server, 'researcher1', place)
    await page.getByTestId('files').waitFor({ timeout: 30_000 })
    expect(path(page)).toBe(place)
    expect(await selectedTab(page)).toBe('tab-files')
    await context.close()
  }, 60_000)
})
