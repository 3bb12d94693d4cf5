import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { openReview, openWorkspace, reviewFile, submitFromCart, writeOutbox } from './airlock-steps.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * 3,000 visits by date, ward and result: no id column and no column the datasets' catalog marks (a
 * table keyed by marked quasi-identifiers such as sex or prefecture fails outright), yet a list of
 * individual records for a reviewer to judge.
 */
const WARDS = ['East', 'West', 'North', 'South', 'ICU', 'Day care']
const ROWS = Array.from(
  { length: 3000 },
  (_, i) =>
    `${new Date(Date.UTC(1940, 0, 1) + i * 7 * 86_400_000).toISOString().slice(0, 10)},${i % 2 ? 'positive' : 'negative'},${WARDS[i % 6]}`
)

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
const pages: Record<string, Page> = {}
let requestId = ''

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

describe('the airlock in a browser: a table that may list individuals is shown to its reviewer only as an excerpt', () => {
  it('a researcher sends a 3,000-row table without an id column; the row-level check asks for review', async () => {
    const page = await signedInPage(browser, server, 'researcher1', ['open-workspace'])
    pages.researcher1 = page
    await openWorkspace(page)
    await writeOutbox(server, 'people.csv', `visit_date,result,ward\n${ROWS.join('\n')}\n`)
    const card = await submitFromCart(page, [{ name: 'people.csv', why: 'Who came to the clinics' }])
    requestId = (await card.getAttribute('data-request-id'))!
    const rowLevel = card.locator('[data-testid="check-result"][data-rule="row-level"]')
    await expect.poll(() => rowLevel.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('review')
  }, 90_000)

  it('the reviewer reads its header, its first 50 rows and its row count, with why no more; its bytes are never fetched', async () => {
    const page = await signedInPage(browser, server, 'reviewer1', ['review-queue'], { height: 900 })
    pages.reviewer1 = page
    const file = reviewFile(await openReview(page, server, requestId), 'people.csv')
    const excerpt = file.getByTestId('preview-excerpt')
    await excerpt.waitFor({ timeout: 15_000 })
    expect(await file.getByTestId('preview-excerpt-why').innerText()).toMatch(
      /people\.csv may hold individual records .* its first 50 rows and its row count, never the whole file/
    )
    const table = excerpt.getByTestId('preview-table')
    expect((await table.locator('thead th').allInnerTexts()).slice(1)).toEqual(['visit_date', 'result', 'ward'])
    expect(await table.locator('tbody tr').count()).toBe(50)
    expect(await table.locator('tbody tr').first().locator('td').allInnerTexts()).toEqual(ROWS[0]!.split(','))
    expect(await excerpt.getByTestId('preview-rows-not-shown').innerText()).toMatch(/Showing 50 of 3,000 rows/)
    expect(await file.innerText()).not.toContain(ROWS[50]!)
    await page.screenshot({ path: join(SCREENSHOTS, 'airlock-excerpt.png'), fullPage: true })

    const previews = (await server.app.store.recentAudit(100)).filter((a) => a.target === requestId)
    expect(previews.filter((a) => a.action === 'review.excerpt' && a.outcome === 'success')).toHaveLength(1)
    // the page never asked for the bytes: no preview of them, granted or refused
    expect(previews.filter((a) => a.action === 'review.preview')).toEqual([])
  }, 60_000)
})
