import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkOutput, resolveAirlockParams, type Evidence } from './index.js'
import { parseTable } from './table.js'
import { capMessage, MESSAGE_MAX, QUOTE_MAX, quote, result } from './wording.js'

const ndb = resolveAirlockParams({ preset: 'ndb-japan' })
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
/** The longest run of `ch` in `text`: how much of a planted value a message carries. */
const longestRun = (text: string, ch: string) =>
  Math.max(0, ...(text.match(new RegExp(`${ch}+`, 'g')) ?? []).map((m) => m.length))

describe('quote', () => {
  it('keeps text up to the cap as it is', () => {
    expect(quote('Tottori')).toBe('Tottori')
    expect(quote('x'.repeat(QUOTE_MAX))).toBe('x'.repeat(QUOTE_MAX))
  })

  it('cuts longer text to the cap, ending in an ellipsis, without splitting a character', () => {
    expect(quote('x'.repeat(QUOTE_MAX + 1))).toBe(`${'x'.repeat(QUOTE_MAX - 1)}…`)
    const cut = quote('😀'.repeat(100))
    expect(Array.from(cut)).toHaveLength(QUOTE_MAX)
    expect(cut).toBe(`${'😀'.repeat(QUOTE_MAX - 1)}…`)
    expect(quote('鳥取県'.repeat(50), 10)).toBe('鳥取県鳥取県鳥取県…')
  })
})

describe('capMessage', () => {
  it('leaves a message within the cap alone', () => {
    expect(capMessage('3 cells count between 1 and 9.')).toBe('3 cells count between 1 and 9.')
  })

  it('cuts a longer one to MESSAGE_MAX bytes of UTF-8, saying so, whole characters only', () => {
    const capped = capMessage('患者'.repeat(5000))
    expect(bytes(capped)).toBeLessThanOrEqual(MESSAGE_MAX)
    expect(bytes(capped)).toBeGreaterThan(MESSAGE_MAX - 10)
    expect(capped).toMatch(/^(患者)+患?… \(cut at 2048 bytes\)$/)
  })

  it('is applied to every rule result', () => {
    expect(bytes(result('threshold', 'fail', 'x'.repeat(1_000_000)).message)).toBeLessThanOrEqual(MESSAGE_MAX)
  })
})

describe('what the checks quote of a file with huge labels and names', () => {
  // three 2 MB group labels in a table with small counts: a whole dataset fitted in one message
  const label = (ch: string) => ch.repeat(2_000_000)
  const header = 'Q'.repeat(100_000)
  const csv = `region_${header},n\nA${label('L')},3\nB${label('L')},4\nC${label('L')},5\n`
  const check = (content: string, evidence: Evidence = {}, params = ndb) => {
    const b = Buffer.from(content)
    return checkOutput({ name: `${'N'.repeat(300)}.csv`, bytes: b, sha256: sha(b), evidence, params })
  }
  const bounded = (results: { rule: string; message: string }[]) => {
    for (const r of results) {
      expect(bytes(r.message), r.rule).toBeLessThanOrEqual(MESSAGE_MAX)
      for (const ch of ['L', 'Q', 'N']) expect(longestRun(r.message, ch), `${r.rule}: ${ch}`).toBeLessThan(QUOTE_MAX)
    }
  }

  it('names each row, value and column in at most QUOTE_MAX characters, and each message in MESSAGE_MAX bytes', () => {
    const report = check(csv)
    const threshold = report.results.find((r) => r.rule === 'threshold')!
    expect(threshold.outcome).toBe('fail')
    expect(threshold.cells).toHaveLength(3)
    // the rows are still told apart, by their labels' first characters
    expect(threshold.message).toContain(`${'L'.repeat(QUOTE_MAX - 2)}…`)
    bounded(report.results)
  })

  it('bounds the wording of the individuals recount, dominance and p-percent the same way', () => {
    const report = check(csv.replace(',n\n', ',n,total_cost\n').replace(/,(\d)\n/g, ',$1,100\n'), {
      individualsPerRow: [1, 2, 3],
      contributions: [{ row: 0, column: 2, top: [99, 1], total: 100 }]
    })
    for (const rule of ['threshold', 'dominance', 'p-percent']) {
      expect(report.results.find((r) => r.rule === rule)!.outcome, rule).toBe('fail')
    }
    bounded(report.results)
  })

  it('bounds the wording of differencing, which quotes an earlier release too', () => {
    const earlier = parseTable(Buffer.from(csv.replace(',3\n', ',12\n')), { format: 'csv' })
    const report = check(csv, {
      earlierReleases: [{ name: `${'N'.repeat(500)}.csv`, sha256: '0'.repeat(64), table: earlier }]
    })
    const differencing = report.results.find((r) => r.rule === 'differencing')!
    expect(differencing.outcome).toBe('fail')
    expect(differencing.message).toContain(`${'N'.repeat(QUOTE_MAX - 2)}…`)
    bounded(report.results)
  })

  it('quotes at most a bounded part of a line of text output', () => {
    const text = `${'I'.repeat(1_000_000)}_id 12\n${['A1B2C3D4E5F6', 'B1B2C3D4E5F6', 'C1B2C3D4E5F6'].join(' ')}\n`
    const b = Buffer.from(text)
    const report = checkOutput({ name: 'log.txt', bytes: b, sha256: sha(b), params: ndb })
    const rowLevel = report.results.find((r) => r.rule === 'row-level')!
    expect(rowLevel.message).toMatch(/line 1 "I{63}…"/)
    for (const r of report.results) {
      expect(bytes(r.message), r.rule).toBeLessThanOrEqual(MESSAGE_MAX)
      expect(longestRun(r.message, 'I'), r.rule).toBeLessThan(QUOTE_MAX)
    }
  })
})
