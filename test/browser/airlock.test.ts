import { readFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import { openReview, submitReview, voteOn } from './airlock-steps.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

const FREQ = `${WORK_DIR}/outbox/freq.csv`

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
const pages: Record<string, Page> = {}
let requestId = ''

const shot = (who: string, name: string) => pages[who]!.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })

async function signIn(who: string): Promise<Page> {
  // signed in once the overview shows: projects for a researcher, the queue for a reviewer
  const page = await signedInPage(browser, server, who, ['open-workspace', 'review-queue'])
  pages[who] = page
  return page
}

/** Writes the outbox file as the researcher would in the terminal. */
async function writeFreq(csv: string): Promise<string> {
  const [s] = await server.app.store.listSandboxSessions({ states: ['running'] })
  const r = await runInSandbox(server.app.sandboxDriver, s!.sandboxId!, {
    cmd: ['sh', '-c', `cat > ${FREQ} && cat ${FREQ}`],
    input: csv
  })
  expect(r.exitCode, r.stderr).toBe(0)
  return r.stdout
}

/** A reviewer opens the request from the queue and votes on its one file (a draft until submitted). */
async function review(who: string, vote: 'approve' | 'return', comment?: string) {
  const page = pages[who] ?? (await signIn(who))
  const reviewPage = await openReview(page, server, requestId)
  await voteOn(reviewPage, 'freq.csv', { vote, ...(comment === undefined ? {} : { comment }) })
  return { page, reviewPage }
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

describe('the airlock in a browser: a flagged table is returned, fixed, approved by two reviewers and downloaded', () => {
  it('a researcher sends a frequency table with a small cell and sees it flagged', async () => {
    const page = await signIn('researcher1')
    await page.getByTestId('open-workspace').click()
    await expect.poll(() => page.getByTestId('terminal').getAttribute('data-link'), { timeout: 30_000 }).toBe('open')
    await writeFreq('age_band,n\r\n0-19,3\r\n20-64,1200\r\n65+,800\r\n')
    await page.getByTestId('tab-airlock').click()
    const cart = page.getByTestId('airlock-cart')
    const row = cart.locator('[data-testid="cart-file"][data-path="outbox/freq.csv"]')
    await row.waitFor({ timeout: 15_000 })
    await row.getByTestId('cart-pick').check()
    await row.getByTestId('cart-justification').fill('Age distribution for table 2 of the paper')
    await cart.getByTestId('cart-submit').click()
    const request = page.getByTestId('export-request').first()
    await request.waitFor({ timeout: 30_000 })
    requestId = (await request.getAttribute('data-request-id'))!
    const threshold = request.locator('[data-testid="check-result"][data-rule="threshold"]')
    await expect.poll(() => threshold.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('fail')
    await shot('researcher1', 'airlock-flagged')
  }, 90_000)

  it('two reviewers read the small cell in the checks, are told why the table is neither shown nor approvable, and return it with a comment', async () => {
    const { reviewPage } = await review('reviewer1', 'return', 'The 0-19 band has 3 people: merge it with 20-64.')
    expect(await reviewPage.getByTestId('check-result').first().innerText()).toMatch(/row 1 \(age_band 0-19\) n = 3/)
    // the threshold takes no exception under the default policy: the table can never be approved as
    // it is, so its bytes are not shown (nor even asked for) and approving is held back, each saying why
    expect(await reviewPage.getByTestId('preview-withheld-why').innerText()).toMatch(
      /fails the threshold check, which no exception may cover/
    )
    expect(await reviewPage.getByTestId('preview-table').count()).toBe(0)
    expect(await reviewPage.getByTestId('vote-approve').isDisabled()).toBe(true)
    expect(await reviewPage.getByTestId('vote-approve-why').innerText()).toMatch(/fails the threshold check/)
    const previews = (await server.app.store.recentAudit(100)).filter(
      (a) => a.action === 'review.preview' && a.target === requestId
    )
    expect(previews).toEqual([])
    await shot('reviewer1', 'airlock-review')
    await submitReview(reviewPage)
    // one review of the two the policy needs decides nothing yet
    expect((await server.app.store.getAirlockRequest(requestId))!.request.state).toBe('in_review')
    const second = await review('reviewer2', 'return', 'Agreed: merge the small band.')
    await submitReview(second.reviewPage)
    expect((await server.app.store.getAirlockRequest(requestId))!.request.state).toBe('returned')
  }, 60_000)

  it('the researcher reads the comment, fixes the table and sends it again', async () => {
    await writeFreq('age_band,n\r\n0-64,1203\r\n65+,800\r\n')
    const page = pages.researcher1!
    await page.goto(server.url)
    await page.getByTestId('open-workspace').click()
    await page.getByTestId('tab-airlock').click()
    const card = page.locator(`[data-testid="export-request"][data-request-id="${requestId}"]`)
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('returned')
    if ((await card.getByTestId('request-toggle').getAttribute('aria-expanded')) !== 'true') {
      await card.getByTestId('request-toggle').click()
    }
    await expect.poll(() => card.innerText()).toMatch(/merge it with 20-64/)
    await card.getByTestId('request-resend').click()
    const form = card.getByTestId('resubmit-form')
    const file = form.locator('[data-testid="resubmit-file"][data-path="outbox/freq.csv"]')
    await file.waitFor({ timeout: 15_000 })
    if (!(await file.getByTestId('resubmit-pick').isChecked())) await file.getByTestId('resubmit-pick').check()
    await file.getByTestId('resubmit-justification').fill('Bands merged as the reviewer asked')
    await form.getByTestId('resubmit-submit').click()
    await expect
      .poll(async () => (await server.app.store.getAirlockRequest(requestId))!.request.round, { timeout: 15_000 })
      .toBe(2)
  }, 60_000)

  it('two reviewers approve, and the researcher downloads exactly the bytes in the outbox', async () => {
    for (const who of ['reviewer1', 'reviewer2']) {
      const { reviewPage } = await review(who, 'approve')
      await submitReview(reviewPage)
    }
    expect((await server.app.store.getAirlockRequest(requestId))!.request.state).toBe('released')

    const inOutbox = await writeFreq('age_band,n\r\n0-64,1203\r\n65+,800\r\n')
    const page = pages.researcher1!
    await page.goto(server.url)
    await page.getByTestId('open-workspace').click()
    await page.getByTestId('tab-airlock').click()
    const card = page.locator(`[data-testid="export-request"][data-request-id="${requestId}"]`)
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('released')
    if ((await card.getByTestId('request-toggle').getAttribute('aria-expanded')) !== 'true') {
      await card.getByTestId('request-toggle').click()
    }
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.locator('[data-testid="request-download"][data-file="freq.csv"]').click()
    ])
    const bytes = await readFile((await download.path())!, 'utf8')
    expect(bytes).toBe(inOutbox)
    expect(download.suggestedFilename()).toBe('freq.csv')
    await shot('researcher1', 'airlock-released')
  }, 90_000)
})
