import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from './disclosure/params.js'
import { parseTable } from './disclosure/table.js'
import { thresholdRule } from './disclosure/threshold.js'
import type { RuleName } from './disclosure/types.js'
import { unavailable, REASON_MAX } from './recount.js'
import {
  checkForRequester,
  checkForReviewer,
  COORDINATES_MAX,
  provenanceForRequester,
  provenanceForReviewer,
  REQUESTER_SENTENCES
} from './requester-view.js'

const ndb = resolveAirlockParams({ preset: 'ndb-japan' })

describe("the requester's view of the checks on their export", () => {
  const table = parseTable(Buffer.from('region,n\nTottori-secret-label,3\nShimane,40\n'), { format: 'csv' })
  const found = thresholdRule(table, {}, ndb) as unknown as Record<string, unknown>

  it('gives the fixed sentence of the rule and outcome, quoting nothing of the file, with where it found it', () => {
    expect(found.message).toContain('Tottori-secret-label')
    const seen = checkForRequester(found)
    expect(seen).toEqual({
      rule: 'threshold',
      outcome: 'fail',
      message: REQUESTER_SENTENCES.threshold.fail,
      cells: [{ row: 0, column: 1 }],
      rows: [0],
      flagged: { cells: 1, rows: 1, columns: 0 }
    })
    expect(JSON.stringify(seen)).not.toContain('Tottori')
  })

  it('has a sentence for every rule and outcome', () => {
    const rules: RuleName[] = [
      'threshold',
      'zeros',
      'dominance',
      'p-percent',
      'residual-df',
      'row-level',
      'differencing',
      'repeats',
      'file-type',
      'images'
    ]
    for (const rule of rules) {
      for (const outcome of ['pass', 'review', 'fail'] as const) {
        expect(REQUESTER_SENTENCES[rule][outcome], `${rule} ${outcome}`).toMatch(/^[A-Z].*\.$/)
      }
    }
  })

  it('keeps only numbers from what was stored: the first coordinates, and how many there were', () => {
    const seen = checkForRequester({
      rule: 'zeros',
      outcome: 'fail',
      message: 'anything',
      cells: Array.from({ length: 5000 }, (_, i) => ({ row: i, column: 1, label: 'planted' })),
      rows: [1, 2, 'three', -1],
      columns: [7],
      extra: 'planted'
    })
    expect(seen.cells).toHaveLength(COORDINATES_MAX)
    expect(seen.cells[0]).toEqual({ row: 0, column: 1 })
    expect(seen.rows).toEqual([1, 2])
    expect(seen.flagged).toEqual({ cells: 5000, rows: 2, columns: 1 })
    expect(JSON.stringify(seen)).not.toContain('planted')
  })

  it('says a recount could not be used, but neither why nor the counts it found', () => {
    const p = { language: 'sql', source: 'select 1', rows: 2, recount: { unavailable: 'Binder Error: P0A1B2C3D4E5F' } }
    expect(provenanceForRequester(p)).toEqual({
      language: 'sql',
      source: 'select 1',
      rows: 2,
      recount: { unavailable: expect.not.stringContaining('P0A1') }
    })
    const counted = { source: 'x', recount: { person: 'c.person_id', ms: 3, individualsPerRow: [3, 40] } }
    expect(provenanceForRequester(counted)).toEqual({ source: 'x', recount: { counted: true } })
    expect(provenanceForRequester(null)).toBeNull()
  })
})

describe("a reviewer's view of what was stored before the caps", () => {
  it('caps an old message and a recount reason again', () => {
    const check = checkForReviewer({ rule: 'threshold', outcome: 'fail', message: 'x'.repeat(100_000), cells: [] })
    expect(Buffer.byteLength(check.message as string)).toBeLessThanOrEqual(2048)
    const p = provenanceForReviewer({ source: 's', recount: { unavailable: 'y'.repeat(100_000) } })
    expect(Array.from((p!.recount as { unavailable: string }).unavailable)).toHaveLength(REASON_MAX)
  })
})

describe('a recount that could not be used', () => {
  it(`keeps at most ${REASON_MAX} characters of why: a replayed query's error can quote data`, () => {
    const why = unavailable(
      `statement 1 of the cell failed when replayed: Invalid Input Error: ${'P0A1B2C3D4E5F,'.repeat(5000)}`
    )
    expect(Array.from(why.unavailable)).toHaveLength(REASON_MAX)
    expect(why.unavailable).toMatch(/^statement 1 of the cell failed when replayed: .*…$/)
    expect(unavailable('the recount answered something unexpected')).toEqual({
      unavailable: 'the recount answered something unexpected'
    })
  })
})
