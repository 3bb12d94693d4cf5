import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer } from '../support/demo-server.js'
import { requireDocker } from '../support/sandbox.js'
import {
  myRequestCard,
  openReview,
  openWorkspace,
  outboxFile,
  reviewFile,
  speak,
  submitFromCart,
  submitReview,
  untar,
  voteOn,
  writeOutbox
} from './airlock-steps.js'
import { launchChromium, SCREENSHOTS, signedInPage } from './chromium.js'
import { ensureWebBuilt } from './web-build.js'

/**
 * An exception to a failing check, end to end in three browsers: a researcher's corrected table
 * differs from the one they sent before by a group of 3 and fails the differencing check, which the
 * demo policy (ndb-japan) lets be excepted. Reviewers cannot approve it until the researcher asks an
 * exception with a reason; each reviewer then approves only with an acknowledgement in their own
 * words (and ticks the checks of a table of costs that ask a person to look); the release package
 * records the exception, its reason and every acknowledgement.
 */

const FIRST = 'by-prefecture.csv'
const CORRECTED = 'by-prefecture-corrected.csv'
/** sums of costs without the largest contributions behind them: dominance and p-percent ask for a look */
const COSTS = 'costs-by-prefecture.csv'
const REASON =
  'The first table counted 3 Tokyo patients twice; that request is withdrawn and never leaves, so only the corrected counts are released.'
const ACK = {
  reviewer1: 'Checked: the earlier table is withdrawn, so nothing can be subtracted from this one outside.',
  reviewer2: 'Agreed: the withdrawn table never left, and the corrected counts are all above the threshold.'
}
const LOOKED = 'Each total is over 80 or more patients; none of the claims behind them is an outlier.'

let server: Awaited<ReturnType<typeof startDemoServer>>
let browser: Browser
const pages: Record<string, Page> = {}
let requestId = ''
const outboxBytes: Record<string, Buffer> = {}

const shot = (who: string, name: string) =>
  pages[who]!.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function signIn(who: string): Promise<Page> {
  pages[who] = await signedInPage(browser, server, who, ['open-workspace', 'review-queue'], { height: 900 })
  return pages[who]
}

const stored = async () => (await server.app.store.getAirlockRequest(requestId))!
const requestFile = (card: Locator, name: string) => card.locator(`[data-testid="request-file"][data-file="${name}"]`)

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

describe('the airlock in a browser: a failing check leaves only with an exception, its reason and each approving reviewer’s acknowledgement', () => {
  it('a corrected table fails the differencing check, and the researcher is told reviewers cannot approve it as it stands', async () => {
    const page = await signIn('researcher1')
    await openWorkspace(page)
    await writeOutbox(server, FIRST, 'prefecture,n\r\nTokyo,120\r\nOsaka,80\r\n')
    const first = await submitFromCart(page, [{ name: FIRST, why: 'Table 1: patients by prefecture' }])
    const firstId = (await first.getAttribute('data-request-id'))!

    await writeOutbox(server, CORRECTED, 'prefecture,n\r\nTokyo,117\r\nOsaka,80\r\n')
    await writeOutbox(server, COSTS, 'prefecture,patients,total_cost\r\nTokyo,117,1234560\r\nOsaka,80,987650\r\n')
    for (const name of [CORRECTED, COSTS]) outboxBytes[name] = await outboxFile(server, name)
    // an exception may be asked with the submission too, but only for a check the policy lets be
    // excepted: never the threshold under ndb-japan, and nothing is submitted
    const cart = page.getByTestId('airlock-cart')
    await cart.getByTestId('cart-refresh').click()
    const row = cart.locator(`[data-testid="cart-file"][data-path="outbox/${CORRECTED}"]`)
    await row.getByTestId('cart-pick').check()
    await row.getByTestId('cart-justification').fill('Table 1, Tokyo de-duplicated')
    await row.getByTestId('pick-exceptions-open').click()
    const threshold = row.locator('.pick-exceptions__rule[data-rule="threshold"]')
    await threshold.getByTestId('pick-exception').check()
    await threshold.getByTestId('pick-exception-reason').fill('Published by the ministry already.')
    await cart.getByTestId('cart-submit').click()
    await expect
      .poll(() => cart.getByTestId('cart-error').innerText(), { timeout: 15_000 })
      .toMatch(/The policy allows no exception for the threshold check \(only for dominance/)
    expect(await server.app.store.listAirlockRequests({ direction: 'export' })).toHaveLength(1)
    const refused = (await server.app.store.recentAudit(20)).find(
      (a) => a.action === 'export.submit' && a.outcome === 'denied'
    )
    expect(refused?.details).toMatchObject({ reason: expect.stringMatching(/no exception for the threshold check/) })
    await threshold.getByTestId('pick-exception').uncheck()
    const card = await submitFromCart(page, [
      { name: CORRECTED, why: 'Table 1, Tokyo de-duplicated' },
      { name: COSTS, why: 'Table 2: costs by prefecture' }
    ])
    requestId = (await card.getAttribute('data-request-id'))!
    expect(requestId).not.toBe(firstId)
    const file = requestFile(card, CORRECTED)
    // beside the first table still open, the 3 patients between them are a group below the threshold
    const differencing = file.locator('[data-testid="check-result"][data-rule="differencing"]')
    await expect.poll(() => differencing.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('fail')
    expect(await file.getByTestId('approve-blocked-why').innerText()).toMatch(
      /fails the differencing check and no exception was asked for it: it cannot be approved/
    )
    expect(await file.getByTestId('ask-exception').isEnabled()).toBe(true)
    // a check that asks for a look blocks nothing and takes no exception
    const costs = requestFile(card, COSTS)
    expect(await costs.getByTestId('file-outcome').getAttribute('data-outcome')).toBe('review')
    expect(await costs.getByTestId('approve-blocked').count()).toBe(0)
    expect(await costs.getByTestId('ask-exception').count()).toBe(0)
    await file.scrollIntoViewIfNeeded()
    await shot('researcher1', 'airlock-exception-blocked')

    // the first table will never leave: withdrawn
    const firstCard = page.locator(`[data-testid="export-request"][data-request-id="${firstId}"]`)
    await firstCard.getByTestId('request-withdraw').click()
    await firstCard.getByTestId('request-withdraw-confirm').click()
    await expect.poll(() => firstCard.getAttribute('data-state')).toBe('withdrawn')
  }, 90_000)

  it('the researcher asks an exception for the differencing check with a reason, and the block is lifted', async () => {
    const page = pages.researcher1!
    const card = page.locator(`[data-testid="export-request"][data-request-id="${requestId}"]`)
    const file = requestFile(card, CORRECTED)
    await file.getByTestId('ask-exception').click()
    const form = file.getByTestId('exception-form')
    // only the check that failed and that the policy lets be excepted is offered
    expect(
      await form
        .getByTestId('exception-rule')
        .locator('option')
        .evaluateAll((os) => os.map((o) => o.getAttribute('value')))
    ).toEqual(['differencing'])
    // no reason, no exception: said beside the form, nothing sent
    await form.getByTestId('exception-send').click()
    expect(await form.getByTestId('exception-error').innerText()).toMatch(/Say why the file may pass/)
    expect((await stored()).exceptions).toEqual([])
    await form.getByTestId('exception-reason').fill(REASON)
    await form.getByTestId('exception-send').click()

    const asked = file.locator('[data-testid="file-exception"][data-rule="differencing"]')
    await asked.waitFor({ timeout: 15_000 })
    expect(await asked.innerText()).toContain(REASON)
    expect(await file.getByTestId('approve-blocked').count()).toBe(0)
    // every failing check has its exception: nothing is left to ask
    expect(await file.getByTestId('ask-exception').count()).toBe(0)
    expect((await stored()).exceptions).toMatchObject([{ rule: 'differencing', reason: REASON }])
    await file.scrollIntoViewIfNeeded()
    await shot('researcher1', 'airlock-exception-asked')
    await speak(page, 'ja')
    await expect.poll(() => asked.innerText()).toMatch(/差分による特定/)
    await file.scrollIntoViewIfNeeded()
    await shot('researcher1', 'airlock-exception-asked-ja')
    await speak(page, 'en')
  }, 60_000)

  it('the first reviewer reads the exception and cannot approve without acknowledging it in their own words', async () => {
    const page = await signIn('reviewer1')
    const reviewPage = await openReview(page, server, requestId)
    const file = reviewFile(reviewPage, CORRECTED)
    // the exception and its reason are there before any vote
    expect(await file.locator('[data-testid="file-exception"][data-rule="differencing"]').innerText()).toContain(REASON)
    // a failing check an exception may cover: the table is shown, the 3 patients' cell highlighted
    const flagged = file.getByTestId('preview-cell-flagged')
    await expect.poll(() => flagged.count(), { timeout: 15_000 }).toBe(1)
    expect(await flagged.innerText()).toBe('117')
    expect(await flagged.getAttribute('data-rules')).toBe('differencing')
    const form = file.getByTestId('vote-form')
    expect(await form.getByTestId('vote-approve').isEnabled()).toBe(true)
    await form.getByTestId('vote-approve').check()
    // a hand-written table: nothing proves its "n" counts people rather than summing something, so
    // dominance and p-percent ask for a look too, each a tick
    const corrected = form.locator('[data-testid="ack"][data-kind="review"]')
    expect(await corrected.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))).toEqual([
      'dominance',
      'p-percent'
    ])
    for (const box of await form.getByTestId('ack-review').all()) await box.check()
    const ack = form.locator('[data-testid="ack"][data-rule="differencing"][data-kind="exception"]')
    expect(await ack.getByTestId('ack-reason').innerText()).toContain(REASON)

    // without a comment: the form holds it back
    await form.getByTestId('vote-save').click()
    expect(await form.getByTestId('vote-error').innerText()).toMatch(/Acknowledge each check above/)
    // with the researcher's words: the gateway refuses it, saying why
    await ack.getByTestId('ack-comment').fill(REASON)
    await form.getByTestId('vote-save').click()
    await expect
      .poll(() => form.getByTestId('vote-error').innerText(), { timeout: 15_000 })
      .toMatch(/Acknowledge the exception for the differencing check of .* in your own words/)
    expect((await stored()).votes).toEqual([])
    await shot('reviewer1', 'airlock-exception-ack-refused')

    await voteOn(reviewPage, CORRECTED, { vote: 'approve', acknowledge: ACK.reviewer1 })

    // the table of costs: approving it takes a tick for each check that asks a person to look
    const costs = reviewFile(reviewPage, COSTS).getByTestId('vote-form')
    await costs.getByTestId('vote-approve').check()
    const looks = costs.locator('[data-testid="ack"][data-kind="review"]')
    expect(await looks.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))).toEqual([
      'dominance',
      'p-percent'
    ])
    await costs.getByTestId('vote-save').click()
    expect(await costs.getByTestId('vote-error').innerText()).toMatch(/Acknowledge each check above/)
    for (const box of await costs.getByTestId('ack-review').all()) await box.check()
    await looks.first().getByTestId('ack-review-comment').fill(LOOKED)
    await costs.getByTestId('vote-save').click()
    await costs.getByTestId('vote-saved').waitFor({ timeout: 15_000 })
    await submitReview(reviewPage)

    const votes = (await stored()).votes
    const on = async (name: string) => {
      const id = (await stored()).files.find((f) => f.name === name)!.id
      return votes.filter((v) => v.fileId === id).map((v) => v.acknowledgements)
    }
    expect(await on(CORRECTED)).toEqual([
      expect.arrayContaining([
        { rule: 'differencing', kind: 'exception', comment: ACK.reviewer1 },
        { rule: 'dominance', kind: 'review', comment: null },
        { rule: 'p-percent', kind: 'review', comment: null }
      ])
    ])
    expect(await on(COSTS)).toEqual([
      [
        { rule: 'dominance', kind: 'review', comment: LOOKED },
        { rule: 'p-percent', kind: 'review', comment: null }
      ]
    ])
    expect((await stored()).request.state).toBe('in_review')
  }, 60_000)

  it('the second reviewer acknowledges it too and approves: the table is released', async () => {
    const page = await signIn('reviewer2')
    const reviewPage = await openReview(page, server, requestId)
    // the first reviewer's vote and acknowledgement stay hidden until this review is in
    expect(await reviewPage.getByTestId('vote').count()).toBe(0)
    expect(await reviewPage.innerText()).not.toContain(ACK.reviewer1)
    await voteOn(reviewPage, CORRECTED, { vote: 'approve', acknowledge: ACK.reviewer2 })
    await voteOn(reviewPage, COSTS, { vote: 'approve' })
    await submitReview(reviewPage)
    await expect.poll(() => reviewPage.getAttribute('data-state')).toBe('released')
    // each reviewer's exception acknowledgement, and their ticks for dominance and p-percent
    const acks = reviewFile(reviewPage, CORRECTED).getByTestId('vote-ack')
    await expect.poll(() => acks.count()).toBe(6)
    expect((await acks.allInnerTexts()).filter((t) => t.includes(ACK.reviewer1) || t.includes(ACK.reviewer2))).toHaveLength(2)
    await shot('reviewer2', 'airlock-exception-released')
  }, 60_000)

  it('the researcher downloads the release package: the manifest’s digest is the outbox bytes’, and the controls record the exception and both acknowledgements', async () => {
    const page = pages.researcher1!
    const card = await myRequestCard(page, requestId, 'released')
    // the acknowledgements are for the researcher to read too
    expect(await requestFile(card, CORRECTED).innerText()).toContain(ACK.reviewer2)
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByTestId('request-package').click()])
    expect(download.suggestedFilename()).toBe(`release-${requestId}.tar.gz`)
    await expect.poll(() => card.getByTestId('request-status').innerText()).toMatch(/release package was downloaded/)
    const entries = await untar(await readFile((await download.path())!))
    const top = `release-${requestId}`

    const manifest = JSON.parse(entries.get(`${top}/manifest.json`)!.toString()) as {
      request: string
      files: { name: string; path: string; size: number; sha256: string }[]
    }
    expect(manifest.request).toBe(requestId)
    expect(manifest.files.map((f) => f.name).sort()).toEqual([CORRECTED, COSTS].sort())
    for (const f of manifest.files) {
      const bytes = outboxBytes[f.name]!
      expect(f).toEqual({ name: f.name, path: `files/${f.name}`, size: bytes.length, sha256: sha256(bytes) })
      expect(entries.get(`${top}/files/${f.name}`)).toEqual(bytes)
    }

    const controls = JSON.parse(entries.get(`${top}/controls.json`)!.toString())
    expect(controls.review).toMatchObject({
      reviewersRequired: 2,
      exceptionRules: expect.arrayContaining(['differencing'])
    })
    expect(controls.reviewers.map((r: { reviewer: string }) => r.reviewer)).toEqual(['reviewer1', 'reviewer2'])
    const f = controls.files.find((x: { name: string }) => x.name === CORRECTED)
    const sum = sha256(outboxBytes[CORRECTED]!)
    expect(f).toMatchObject({ name: CORRECTED, sha256: sum, state: 'released', outcome: 'fail' })
    expect(f.checks.find((c: { rule: string }) => c.rule === 'differencing')).toMatchObject({ outcome: 'fail' })
    expect(f.exceptions).toEqual([
      { rule: 'differencing', reason: REASON, requestedBy: 'researcher1', requestedAt: expect.any(String) }
    ])
    const decisions = f.decisions as { reviewer: string; vote: string; sha256: string; acknowledgements: unknown[] }[]
    expect(decisions.map((d) => d.reviewer).sort()).toEqual(['reviewer1', 'reviewer2'])
    for (const d of decisions) {
      expect(d).toMatchObject({ vote: 'approve', sha256: sum })
      expect(d.acknowledgements).toEqual(
        expect.arrayContaining([
          { rule: 'differencing', kind: 'exception', comment: ACK[d.reviewer as keyof typeof ACK] },
          { rule: 'dominance', kind: 'review', comment: null },
          { rule: 'p-percent', kind: 'review', comment: null }
        ])
      )
      expect(d.acknowledgements).toHaveLength(3)
    }
    // and the looks taken at the table of costs, with what the first reviewer found
    const costs = controls.files.find((x: { name: string }) => x.name === COSTS)
    expect(costs).toMatchObject({ state: 'released', outcome: 'review', exceptions: [] })
    const byReviewer = Object.fromEntries(
      costs.decisions.map((d: { reviewer: string; acknowledgements: unknown[] }) => [d.reviewer, d.acknowledgements])
    )
    expect(byReviewer).toEqual({
      reviewer1: [
        { rule: 'dominance', kind: 'review', comment: LOOKED },
        { rule: 'p-percent', kind: 'review', comment: null }
      ],
      reviewer2: [
        { rule: 'dominance', kind: 'review', comment: null },
        { rule: 'p-percent', kind: 'review', comment: null }
      ]
    })
    await shot('researcher1', 'airlock-exception-package')
  }, 90_000)
})
