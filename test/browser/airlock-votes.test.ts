import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import {
  myRequestCard,
  openReview,
  openWorkspace,
  queueItem,
  reviewFile,
  speak,
  submitFromCart,
  submitReview,
  voteOn,
  writeOutbox
} from './airlock-steps.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * Per-file review with hidden votes, in three browsers: a researcher submits two tables; the first
 * reviewer approves one, returns the other and submits; the second opens the request without
 * seeing the first one's votes until their own review is in; the researcher reads each file's
 * state and the comment on the one returned.
 */

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
const pages: Record<string, Page> = {}
let requestId = ''

const shot = (who: string, name: string) =>
  pages[who]!.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

async function signIn(who: string): Promise<Page> {
  pages[who] = await signedInPage(browser, server, who, ['open-workspace', 'review-queue'], { height: 900 })
  return pages[who]
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

describe('the airlock in a browser: each file is decided on its own, and votes stay hidden until one’s own review is in', () => {
  it('a researcher submits two tables in one request', async () => {
    const page = await signIn('researcher1')
    await openWorkspace(page)
    await writeOutbox(server, 'by-age.csv', 'age_band,n\r\n0-64,1203\r\n65+,800\r\n')
    await writeOutbox(server, 'by-sex.csv', 'sex,patients\r\nF,1011\r\nM,992\r\n')
    const card = await submitFromCart(page, [
      { name: 'by-age.csv', why: 'Table 1 of the paper: patients by age band' },
      { name: 'by-sex.csv', why: 'Table 2 of the paper: patients by sex' }
    ])
    requestId = (await card.getAttribute('data-request-id'))!
    const states = card.getByTestId('request-file').getByTestId('file-state')
    await expect
      .poll(() => states.evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))))
      .toEqual(['pending', 'pending'])
  }, 90_000)

  it('the first reviewer approves one, returns the other with a comment, and submits the review', async () => {
    const page = await signIn('reviewer1')
    const reviewPage = await openReview(page, server, requestId)
    // nothing voted yet: the submit button is held back, saying why in the server's words
    const submit = reviewPage.getByTestId('review-submit-button')
    expect(await submit.isDisabled()).toBe(true)
    expect(await reviewPage.getByTestId('review-submit-button-why').innerText()).toMatch(/Vote on every file first/)

    await voteOn(reviewPage, 'by-age.csv', { vote: 'approve' })
    await voteOn(reviewPage, 'by-sex.csv', {
      vote: 'return',
      comment: 'Add the patients of unknown sex as a third row, or say why there are none.'
    })
    // a second comment, for reviewers only, on the approved file
    await voteOn(reviewPage, 'by-age.csv', {
      vote: 'approve',
      comment: 'Counts match the query; bands are wide.',
      visibility: 'reviewers'
    })
    await expect
      .poll(() => reviewPage.getByTestId('review-progress').innerText())
      .toBe('You have voted on 2 of 2 files.')
    await shot('reviewer1', 'airlock-votes-drafts')
    await submitReview(reviewPage)
    expect(await reviewPage.getByTestId('review-done').innerText()).toMatch(
      /Your review is in. The request is now in review/
    )
    // the votes are final now: the forms give way to the votes, each saying why it can't change
    expect(await reviewPage.getByTestId('vote-form').count()).toBe(0)
    expect(await reviewPage.getByTestId('vote-why-not').first().innerText()).toMatch(/your votes are final/)
    expect((await server.app.store.getAirlockRequest(requestId))!.request.state).toBe('in_review')

    const item = await queueItem(page, server, requestId)
    expect(await item.getAttribute('data-my-review')).toBe('submitted')
    expect(await item.getByTestId('review-item-reviews').innerText()).toBe('1 of 2')
  }, 60_000)

  it('the second reviewer sees none of the first one’s votes until their own review is in', async () => {
    const page = await signIn('reviewer2')
    const item = await queueItem(page, server, requestId)
    expect(await item.getAttribute('data-my-review')).toBe('none')
    const reviewPage = await openReview(page, server, requestId)
    expect(await reviewPage.getByTestId('votes-hidden').getAttribute('data-hidden')).toBe('true')
    expect(await reviewPage.getByTestId('vote').count()).toBe(0)
    expect(await reviewPage.innerText()).not.toMatch(/unknown sex|bands are wide/)
    await shot('reviewer2', 'airlock-votes-hidden')

    await voteOn(reviewPage, 'by-age.csv', { vote: 'approve' })
    // a draft is the reviewer's own: still nothing of the first reviewer's
    expect(await reviewPage.locator('[data-testid="vote"][data-reviewer="reviewer1"]').count()).toBe(0)
    await voteOn(reviewPage, 'by-sex.csv', { vote: 'return', comment: 'Agreed: the unknowns are missing.' })
    await submitReview(reviewPage)
    await expect.poll(() => reviewPage.getAttribute('data-state')).toBe('returned')

    // now both reviews are in, each file shows both votes; the reviewers-only comment among them
    const firstOnes = reviewPage.locator('[data-testid="vote"][data-reviewer="reviewer1"]')
    await expect.poll(() => firstOnes.count()).toBe(2)
    expect(await reviewFile(reviewPage, 'by-age.csv').innerText()).toMatch(/bands are wide/)
    expect(await reviewFile(reviewPage, 'by-sex.csv').innerText()).toMatch(/unknown sex/)
    await shot('reviewer2', 'airlock-votes-open')
    await speak(page, 'ja')
    await shot('reviewer2', 'airlock-votes-open-ja')
    await speak(page, 'en')
    expect((await server.app.store.getAirlockRequest(requestId))!.request.state).toBe('returned')
  }, 60_000)

  it('the researcher reads each file’s state and the comment on the returned one, but not the reviewers-only one', async () => {
    const page = pages.researcher1!
    const card = await myRequestCard(page, requestId, 'returned')
    const file = (name: string) => card.locator(`[data-testid="request-file"][data-file="${name}"]`)
    expect(await file('by-age.csv').getAttribute('data-state')).toBe('approved')
    expect(await file('by-sex.csv').getAttribute('data-state')).toBe('returned')
    await expect.poll(() => file('by-sex.csv').innerText()).toMatch(/Add the patients of unknown sex/)
    expect(await file('by-sex.csv').getByTestId('vote-comment').count()).toBe(2)
    expect(await file('by-age.csv').innerText()).not.toMatch(/bands are wide/)
    expect(await file('by-age.csv').innerText()).toMatch(/The comment is for reviewers only/)
    await card.scrollIntoViewIfNeeded()
    await shot('researcher1', 'airlock-votes-researcher')
    await speak(page, 'ja')
    await expect.poll(() => file('by-sex.csv').getByTestId('file-state').innerText()).toBe('差し戻し')
    await shot('researcher1', 'airlock-votes-researcher-ja')
    await speak(page, 'en')
  }, 60_000)
})
