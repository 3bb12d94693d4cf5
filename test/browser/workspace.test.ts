import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { launchChromium, SCREENSHOTS, submitSignIn } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let page: Page

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
const terminalText = () => page.locator('.xterm-rows').innerText()

beforeAll(async () => {
  await requireDocker()
  await ensureWebBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDemoServer()
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' })
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('the researcher workspace in a browser (real gateway, real sandbox)', () => {
  it('signs in with TOTP, starts a session with visible progress, and opens the terminal', async () => {
    await submitSignIn(page, server, 'researcher1')
    await page.getByTestId('open-workspace').click()
    await page.getByTestId('start-progress').waitFor({ timeout: 5_000 })
    await screenshot('workspace-starting')
    await expect.poll(() => page.getByTestId('terminal').getAttribute('data-link'), { timeout: 30_000 }).toBe('open')
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/researcher@vre:~\$/)
  }, 90_000)

  it('runs echo in the terminal and shows its output', async () => {
    await page.locator('.xterm-helper-textarea').focus()
    await page.keyboard.type('echo "browser-$((6 * 7))"\n')
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/browser-42/)
    await screenshot('workspace-terminal')
  }, 30_000)

  it('reconnects a dropped socket to the same shell', async () => {
    await page.keyboard.type('export VRE_MARK=kept-$$\n')
    for (const client of server.app.websocketServer.clients) client.terminate()
    await expect.poll(() => page.getByTestId('terminal').getAttribute('data-link'), { timeout: 15_000 }).toBe('lost')
    await expect.poll(() => page.getByTestId('terminal').getAttribute('data-link'), { timeout: 15_000 }).toBe('open')
    await page.locator('.xterm-helper-textarea').focus()
    await page.keyboard.type('echo "mark=$VRE_MARK"\n')
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/mark=kept-\d+/)
  }, 40_000)

  it('shows the data catalog beside the terminal, searchable', async () => {
    const catalog = page.getByTestId('catalog')
    await expect.poll(() => catalog.getByTestId('catalog-table').count(), { timeout: 10_000 }).toBeGreaterThan(3)
    await expect
      .poll(() => catalog.locator('[data-table="patients"] summary').innerText())
      .toMatch(/patients\s+2,000 rows/)
    // the columns the dataset marks say so, and why, before anyone writes a query
    const patients = catalog.locator('[data-table="patients"]')
    await patients.locator('summary').click()
    const person = patients.locator('tr[data-column="person_id"]')
    expect(await person.getAttribute('data-mark')).toBe('identifier')
    expect(await person.getByTestId('catalog-mark').getAttribute('title')).toMatch(/individual-level data/)
    expect(await patients.locator('tr[data-column="sex"]').getAttribute('data-mark')).toBe('quasi-identifier')
    expect(await patients.locator('tr[data-mark]').count()).toBe(5)
    await patients.locator('summary').click()
    const all = await catalog.getByTestId('catalog-table').count()
    await catalog.getByTestId('catalog-search').fill('HbA1c')
    // only the matching tables remain, and each says why
    await expect.poll(() => catalog.getByTestId('catalog-table').count(), { timeout: 10_000 }).toBeLessThan(all)
    const shown = await catalog.getByTestId('catalog-table').allTextContents()
    expect(shown.length).toBeGreaterThan(0)
    for (const text of shown) expect(text.toLowerCase()).toContain('hba1c')
    await screenshot('workspace-catalog')
    await catalog.getByTestId('catalog-search').fill('')
    await page.locator('.xterm-helper-textarea').focus()
  }, 30_000)

  it('creates a notebook from the Files view and runs a SQL cell on the demo dataset', async () => {
    await page.getByRole('tab', { name: 'Files' }).click()
    await page.getByTestId('files').waitFor({ timeout: 10_000 })
    await page.getByTestId('new-notebook').click()
    const notebook = page.getByTestId('notebook')
    await notebook.waitFor({ timeout: 15_000 })
    await notebook.getByTestId('add-sql-cell').click()
    const cell = notebook.getByTestId('notebook-cell').last()
    await cell.getByTestId('cell-source').fill('select sex, count(*) as n from patients group by all order by sex')
    await cell.getByTestId('cell-source').press('Control+Enter')
    const table = cell.getByTestId('output-table')
    await table.waitFor({ timeout: 30_000 })
    expect(await table.locator('thead').innerText()).toMatch(/sex[\s\S]*n/)
    const rows = await table.locator('tbody tr').allInnerTexts()
    expect(rows).toHaveLength(2)
    const total = rows.map((r) => Number(r.split(/\s+/).at(-1))).reduce((a, b) => a + b, 0)
    expect(total).toBe(2000)
    await screenshot('workspace-notebook-sql')
  }, 60_000)

  it('shows at most the row cap and says how many rows are not shown', async () => {
    const notebook = page.getByTestId('notebook')
    await notebook.getByTestId('add-sql-cell').click()
    const cell = notebook.getByTestId('notebook-cell').last()
    await cell.getByTestId('cell-source').fill('select range as k from range(1500)')
    await cell.getByTestId('cell-source').press('Control+Enter')
    await cell.getByTestId('rows-not-shown').waitFor({ timeout: 30_000 })
    expect(await cell.getByTestId('rows-not-shown').innerText()).toMatch(/500 rows not shown/)
    expect(await cell.locator('[data-testid="output-table"] tbody tr').count()).toBe(1000)
  }, 60_000)

  it('runs a Python cell that draws a figure and shows it as an image', async () => {
    const notebook = page.getByTestId('notebook')
    await notebook.getByTestId('add-python-cell').click()
    const cell = notebook.getByTestId('notebook-cell').last()
    await cell
      .getByTestId('cell-source')
      .fill(
        [
          'import vre, matplotlib.pyplot as plt',
          'df = vre.sql("select sex, count(*) as n from patients group by all order by sex")',
          'plt.bar(df["sex"], df["n"])',
          'plt.title("patients by sex")',
          'plt.show()'
        ].join('\n')
      )
    await cell.getByTestId('cell-run').click()
    const image = cell.getByTestId('output-image')
    await image.waitFor({ timeout: 90_000 })
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(100)
    await image.scrollIntoViewIfNeeded()
    await screenshot('workspace-notebook-figure')
  }, 120_000)

  it('blocks copying a result out of the notebook; pasting in works', async () => {
    const notebook = page.getByTestId('notebook')
    const outcome = await notebook
      .getByTestId('output-table')
      .first()
      .evaluate((table) => {
        let verdict: string | null = null
        const probe = (e: ClipboardEvent) => (verdict = e.defaultPrevented ? 'blocked' : 'allowed')
        document.addEventListener('copy', probe)
        window.getSelection()!.selectAllChildren(table)
        document.execCommand('copy')
        document.removeEventListener('copy', probe)
        return verdict
      })
    expect(outcome).toBe('blocked')
    await page.getByTestId('copy-blocked').waitFor({ timeout: 5_000 })
    const source = notebook.getByTestId('notebook-cell').first().getByTestId('cell-source')
    const pasted = await source.evaluate((el: HTMLTextAreaElement) => {
      const data = new DataTransfer()
      data.setData('text/plain', ' -- pasted')
      const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
      el.dispatchEvent(event)
      return event.defaultPrevented
    })
    expect(pasted).toBe(false)
  }, 30_000)

  it('sends a result to the outbox as CSV with its query, and saves the notebook', async () => {
    const notebook = page.getByTestId('notebook')
    const cell = notebook.getByTestId('notebook-cell').first()
    await cell.getByTestId('export-csv').click()
    await cell.getByTestId('export-name').fill('patients-by-sex')
    await cell.getByTestId('export-name').press('Enter')
    await expect
      .poll(() => cell.getByTestId('export-result').innerText(), { timeout: 30_000 })
      .toMatch(/outbox\/patients-by-sex\.csv/)
    expect(await notebook.getByTestId('notebook-state').innerText()).toBe('Unsaved changes')
    await notebook.getByTestId('notebook-save').click()
    await expect
      .poll(() => notebook.getByTestId('notebook-state').innerText(), { timeout: 15_000 })
      .toBe('All changes saved')
    await page.getByRole('tab', { name: 'Files' }).click()
    const files = page.getByTestId('files')
    for (const folder of ['outbox', 'notebooks']) {
      await files.locator(`[data-path="${folder}"] button[aria-expanded="false"]`).click()
    }
    for (const path of ['outbox/patients-by-sex.csv', 'outbox/patients-by-sex.sql']) {
      await files.locator(`[data-testid="file-row"][data-path="${path}"]`).waitFor({ timeout: 15_000 })
    }
    expect(await files.locator('[data-testid="file-row"][data-path$=".ipynb"]').count()).toBe(1)
    await screenshot('workspace-files')
    await page.getByRole('tab', { name: 'Terminal' }).click()
    await page.locator('.xterm-helper-textarea').focus()
  }, 60_000)

  it('blocks copying out of the terminal and shows the watermark', async () => {
    await page.keyboard.press('Control+Shift+C')
    await page.getByTestId('copy-blocked').waitFor({ timeout: 5_000 })
    const copied = await page.evaluate(() => {
      let data: string | null = null
      const probe = (e: ClipboardEvent) => (data = e.defaultPrevented ? 'blocked' : 'allowed')
      document.addEventListener('copy', probe)
      const sel = window.getSelection()!
      sel.selectAllChildren(document.querySelector('.workspace')!)
      document.execCommand('copy')
      document.removeEventListener('copy', probe)
      return data
    })
    expect(copied).toBe('blocked')
    const mark = page.getByTestId('watermark')
    await expect.poll(() => mark.innerText()).toMatch(/researcher1 · [0-9a-f]{8} · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
    await expect.poll(() => page.getByTestId('time-left').textContent()).toMatch(/^\d+ min left$/)
    await screenshot('workspace-visiting-controls')
  }, 30_000)
})
