import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { Locator, Page } from 'playwright-core'
import { extract } from 'tar-stream'
import { expect } from 'vitest'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import type { DemoServer } from '../support/demo-server.js'

/**
 * What the airlock's browser tests do as people would: a researcher writes outputs in the sandbox
 * and submits them from the export cart; a reviewer opens a request from the queue, votes on each
 * file and submits the review. And what the tests read back: outbox bytes, a release package.
 */

/** Writes `work/outbox/<name>` in the running sandbox, as the researcher would in the terminal; returns its bytes. */
export async function writeOutbox(server: DemoServer, name: string, content: string): Promise<string> {
  const [s] = await server.app.store.listSandboxSessions({ states: ['running'] })
  const path = `${WORK_DIR}/outbox/${name}`
  const r = await runInSandbox(server.app.sandboxDriver, s!.sandboxId!, {
    cmd: ['sh', '-c', `cat > ${path} && cat ${path}`],
    input: content
  })
  expect(r.exitCode, r.stderr).toBe(0)
  return r.stdout
}

/** The bytes of `work/outbox/<name>` as they are in the running sandbox now. */
export async function outboxFile(server: DemoServer, name: string): Promise<Buffer> {
  const [s] = await server.app.store.listSandboxSessions({ states: ['running'] })
  const r = await runInSandbox(server.app.sandboxDriver, s!.sandboxId!, {
    cmd: ['base64', '-w0', `${WORK_DIR}/outbox/${name}`]
  })
  expect(r.exitCode, r.stderr).toBe(0)
  return Buffer.from(r.stdout, 'base64')
}

/** The entries of a .tar.gz (a release package), by path. */
export async function untar(bytes: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  const x = extract()
  x.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('end', () => {
      out.set(header.name, Buffer.concat(chunks))
      next()
    })
  })
  await new Promise<void>((resolve, reject) => {
    x.on('finish', resolve)
    x.on('error', reject)
    Readable.from([bytes]).pipe(createGunzip()).pipe(x)
  })
  return out
}

/** Opens the researcher's workspace and waits for the terminal, so a sandbox runs. */
export async function openWorkspace(page: Page): Promise<void> {
  await page.getByTestId('open-workspace').click()
  await expect.poll(() => page.getByTestId('terminal').getAttribute('data-link'), { timeout: 30_000 }).toBe('open')
}

/** Picks outbox files in the Airlock tab's cart, says why for each, submits; the new request's card. */
export async function submitFromCart(page: Page, files: { name: string; why: string }[]): Promise<Locator> {
  await page.getByTestId('tab-airlock').click()
  const cart = page.getByTestId('airlock-cart')
  await cart.getByTestId('cart-refresh').click()
  for (const f of files) {
    const row = cart.locator(`[data-testid="cart-file"][data-path="outbox/${f.name}"]`)
    await row.waitFor({ timeout: 15_000 })
    await row.getByTestId('cart-pick').check()
    await row.getByTestId('cart-justification').fill(f.why)
  }
  const cards = page.getByTestId('export-request')
  const known = new Set(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-request-id'))))
  await cart.getByTestId('cart-submit').click()
  // the request just submitted is shown first, once the gateway has copied and checked its files
  let id: string | null = null
  await expect
    .poll(
      async () => {
        id = (await cards.count()) > 0 ? await cards.first().getAttribute('data-request-id') : null
        return id !== null && !known.has(id)
      },
      { timeout: 30_000 }
    )
    .toBe(true)
  return page.locator(`[data-testid="export-request"][data-request-id="${id}"]`)
}

/** The researcher's card of a request in the workspace's Airlock tab, read afresh and opened. */
export async function myRequestCard(page: Page, requestId: string, state: string): Promise<Locator> {
  // from the overview, loaded afresh (a reload would stay in the workspace, which has its own URL)
  await page.goto(new URL('/', page.url()).href)
  await page.getByTestId('open-workspace').click()
  await page.getByTestId('tab-airlock').click()
  const card = page.locator(`[data-testid="export-request"][data-request-id="${requestId}"]`)
  await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe(state)
  if ((await card.getByTestId('request-toggle').getAttribute('aria-expanded')) !== 'true') {
    await card.getByTestId('request-toggle').click()
  }
  await card.getByTestId('request-file').first().waitFor({ timeout: 15_000 })
  return card
}

/** The queue's row of a request, after reading the queue again. */
export async function queueItem(page: Page, server: DemoServer, requestId: string): Promise<Locator> {
  await page.goto(server.url)
  const item = page.locator(`[data-testid="review-item"][data-request-id="${requestId}"]`)
  await item.waitFor({ timeout: 15_000 })
  return item
}

/** Opens a request from the reviewer's queue: the review page. */
export async function openReview(page: Page, server: DemoServer, requestId: string): Promise<Locator> {
  await (await queueItem(page, server, requestId)).getByTestId('review-open').click()
  const reviewPage = page.getByTestId('review-page')
  await reviewPage.waitFor({ timeout: 15_000 })
  await reviewPage.getByTestId('review-file').first().waitFor({ timeout: 15_000 })
  return reviewPage
}

export const reviewFile = (reviewPage: Locator, name: string) =>
  reviewPage.locator(`[data-testid="review-file"][data-file="${name}"]`)

export interface VoteInput {
  vote: 'approve' | 'return' | 'reject'
  comment?: string
  /** who reads the comment; the researcher (and reviewers) unless said */
  visibility?: 'researcher' | 'reviewers'
  /** the reviewer's comment on each excepted check (ticks each review outcome too) */
  acknowledge?: string
}

/** Votes on one file and saves the vote as a draft. */
export async function voteOn(reviewPage: Locator, name: string, v: VoteInput): Promise<void> {
  const form = reviewFile(reviewPage, name).getByTestId('vote-form')
  await form.getByTestId(`vote-${v.vote}`).check()
  if (v.vote === 'approve') {
    for (const box of await form.getByTestId('ack-review').all()) await box.check()
    for (const text of await form.getByTestId('ack-comment').all()) await text.fill(v.acknowledge ?? '')
  }
  if (v.comment !== undefined) await form.getByTestId('vote-comment').fill(v.comment)
  if (v.visibility !== undefined) await form.getByTestId(`vote-visibility-${v.visibility}`).check()
  await form.getByTestId('vote-save').click()
  await form.getByTestId('vote-saved').waitFor({ timeout: 15_000 })
}

/** Submits the reviewer's review and waits for the page to say it is in. */
export async function submitReview(reviewPage: Locator): Promise<void> {
  await reviewPage.getByTestId('review-submit-button').click()
  await reviewPage.getByTestId('review-done').waitFor({ timeout: 15_000 })
}

/** Switches the page's language with the switch in the top bar. */
export async function speak(page: Page, language: 'en' | 'ja'): Promise<void> {
  await page.getByTestId('language-switch').locator(`button[lang="${language}"]`).first().click()
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(language)
}
