import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { openReview, openWorkspace, reviewFile, submitFromCart } from './airlock-steps.js'
import { launchChromium, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * What the recount found, read by the reviewer beside the query: a table a notebook cell sent to
 * the outbox is recounted from its query, and the review page says so, with what each column
 * computes; a query it could not recount says why.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
let researcher: Page
const requests: Record<string, string> = {}

beforeAll(async () => {
  await requireDocker()
  await ensureWebBuilt()
  server = await startDemoServer()
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Opens a new notebook from the Files view. */
async function newNotebook(): Promise<void> {
  await researcher.getByRole('tab', { name: 'Files' }).click()
  await researcher.getByTestId('files').waitFor({ timeout: 10_000 })
  await researcher.getByTestId('new-notebook').click()
  await researcher.getByTestId('notebook').waitFor({ timeout: 15_000 })
}

/** Runs a new SQL cell of the open notebook and sends its result to the outbox as NAME.csv. */
async function exportFromNotebook(source: string, name: string): Promise<void> {
  const notebook = researcher.getByTestId('notebook')
  await notebook.getByTestId('add-sql-cell').click()
  const cell = notebook.getByTestId('notebook-cell').last()
  await cell.getByTestId('cell-source').fill(source)
  await cell.getByTestId('cell-source').press('Control+Enter')
  await cell.getByTestId('output-table').waitFor({ timeout: 30_000 })
  await cell.getByTestId('export-csv').click()
  await cell.getByTestId('export-name').fill(name)
  await cell.getByTestId('export-name').press('Enter')
  await expect
    .poll(() => cell.getByTestId('export-result').innerText(), { timeout: 30_000 })
    .toMatch(new RegExp(`outbox/${name}\\.csv`))
}

describe('the reviewer reads what the recount found', () => {
  it('a researcher sends two results from notebook cells: one the recount can count, one it cannot', async () => {
    researcher = await signedInPage(browser, server, 'researcher1', ['open-workspace'])
    await openWorkspace(researcher)
    await newNotebook()
    await exportFromNotebook(
      'select sex, count(*) as n, avg(points) as mean_points from claims join patients using (person_id) group by sex order by sex',
      'counted'
    )
    await exportFromNotebook(
      'create temp table claims as select * replace (claim_id as person_id) from dataset.main.claims;\nselect facility_id, count(*) as n from claims group by 1 order by 1 limit 5',
      'shadowed'
    )
    for (const name of ['counted', 'shadowed']) {
      const card = await submitFromCart(researcher, [{ name: `${name}.csv`, why: 'Table 1 of the paper' }])
      requests[name] = (await card.getAttribute('data-request-id'))!
    }
  }, 120_000)

  it("shows the reviewer the recount's roles beside the query, and why a query could not be recounted", async () => {
    const page = await signedInPage(browser, server, 'reviewer1', ['review-queue'], { height: 900 })
    const counted = reviewFile(await openReview(page, server, requests.counted!), 'counted.csv')
    const found = counted.getByTestId('review-recount')
    await expect.poll(() => found.innerText(), { timeout: 15_000 }).toMatch(/People were recounted from the query/)
    expect(await found.innerText()).toMatch(/sex = key, n = count, mean_points = mean/)

    const shadowed = reviewFile(await openReview(page, server, requests.shadowed!), 'shadowed.csv')
    await expect
      .poll(() => shadowed.getByTestId('review-recount').innerText(), { timeout: 15_000 })
      .toMatch(/could not be recounted: .*makes a table named claims, like the dataset's table/)
  }, 60_000)
})
