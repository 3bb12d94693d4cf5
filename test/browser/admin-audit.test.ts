import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
const pages: Record<string, Page> = {}
let sessionId = ''

async function signIn(who: string): Promise<Page> {
  const page = await signedInPage(browser, server, who, ['open-workspace', 'open-admin'])
  pages[who] = page
  return page
}

beforeAll(async () => {
  await requireDocker()
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('the audit console in a browser', () => {
  it('a researcher works in the terminal (recorded)', async () => {
    const page = await signIn('researcher1')
    await page.getByTestId('open-workspace').click()
    await expect.poll(() => page.getByTestId('terminal').getAttribute('data-link'), { timeout: 30_000 }).toBe('open')
    await page.locator('.xterm-helper-textarea').focus()
    await page.keyboard.type('echo "recorded-$((6 * 7))"\n')
    await expect.poll(() => page.locator('.xterm-rows').innerText(), { timeout: 15_000 }).toMatch(/recorded-42/)
    const [s] = await server.app.store.listSandboxSessions({ states: ['running'] })
    sessionId = s!.id
  }, 90_000)

  it('a researcher runs a notebook cell (its source goes to the data-operation log)', async () => {
    const page = pages.researcher1!
    await page.getByRole('tab', { name: 'Files' }).click()
    await page.getByTestId('files').waitFor({ timeout: 10_000 })
    await page.getByTestId('new-notebook').click()
    const notebook = page.getByTestId('notebook')
    await notebook.waitFor({ timeout: 15_000 })
    await notebook.getByTestId('add-sql-cell').click()
    const cell = notebook.getByTestId('notebook-cell').last()
    await cell.getByTestId('cell-source').fill(`select count(*) as audited_cell from patients -- ${'x'.repeat(600)}`)
    await cell.getByTestId('cell-source').press('Control+Enter')
    await cell.getByTestId('output-table').waitFor({ timeout: 30_000 })
  }, 60_000)

  it('an administrator checks the chain, finds the session in the log and plays its terminal back', async () => {
    const page = await signIn('admin')
    await page.getByTestId('open-admin').click()
    await page.getByTestId('admin-tab-audit').click()
    await page.getByTestId('audit-verify').click()
    await expect
      .poll(() => page.getByTestId('audit-chain').innerText(), { timeout: 15_000 })
      .toMatch(/^Intact: \d+ records/)

    await page.getByTestId('audit-session').fill(sessionId)
    await page.getByTestId('audit-search').click()
    const rows = page.getByTestId('audit-row')
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('audit-results').innerText()).toMatch(/session\.start/)
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-audit-search.png'), fullPage: true })

    // a cell's record shows an excerpt of its source, and leads to the whole of it in the log
    const excerpt = page.getByTestId('audit-excerpt').first()
    expect(await excerpt.innerText()).toMatch(/^select count\(\*\) as audited_cell from patients -- x+…$/)
    await page.getByTestId('audit-full-log').first().click()
    const operation = page.getByTestId('operation-row').first()
    await operation.waitFor({ timeout: 15_000 })
    expect(await operation.innerText()).toContain(`-- ${'x'.repeat(600)}`)
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-audit-data-operations.png'), fullPage: true })

    await page.getByTestId('recording-session').fill(sessionId)
    await page.getByTestId('recording-load').click()
    await page.getByTestId('recording-part-1').click()
    const player = page.getByTestId('recording-player')
    await player.waitFor({ timeout: 15_000 })
    await player.locator('select').selectOption('32')
    await page.getByTestId('player-toggle').click()
    await expect.poll(() => player.locator('.xterm-rows').innerText(), { timeout: 30_000 }).toMatch(/recorded-42/)
    // what was typed is listed beside the screen
    expect(await player.locator('.player__typed').innerText()).toContain('echo \\"recorded-$((6 * 7))\\"')
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-audit-playback.png'), fullPage: true })
    // and the playback itself is in the log
    const viewed = await server.app.store.searchAudit({ action: 'recording.view', session: sessionId, limit: 5 })
    expect(viewed).toHaveLength(1)
  }, 90_000)

  it('an administrator sees the session live and ends it with a reason, which the researcher is shown', async () => {
    const page = pages.admin!
    await page.getByTestId('admin-tab-monitoring').click()
    const row = page.locator(`[data-testid="monitoring-session"][data-session-id="${sessionId}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await row.innerText()).toContain('researcher1')
    // the engine's figures arrive with the next refresh at the latest
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toMatch(/\d+\.\d%/)
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-monitoring.png'), fullPage: true })
    await row.getByTestId('monitoring-end').click()
    await row.getByTestId('monitoring-end-reason').fill('Left running over the weekend')
    await row.getByTestId('monitoring-end-confirm').click()
    await expect
      .poll(async () => (await server.app.sessions.get(sessionId))!.state, { timeout: 60_000 })
      .toBe('stopped')
    expect((await server.app.sessions.get(sessionId))!.reason).toBe(
      'ended by an administrator: Left running over the weekend'
    )
    // the researcher's workspace says the session ended, and why
    await expect
      .poll(() => pages.researcher1!.getByTestId('session-ended').innerText(), { timeout: 30_000 })
      .toContain('Left running over the weekend')
    await pages.researcher1!.screenshot({ path: join(SCREENSHOTS, 'workspace-ended-by-admin.png') })
  }, 120_000)
})
