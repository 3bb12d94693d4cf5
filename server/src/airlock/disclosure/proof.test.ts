import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkOutput, resolveAirlockParams, type Evidence, type RuleName } from './index.js'
import { checkRound } from './round.js'

// "pass" means proven: each case of issue 15 that used to pass now says review or fail, with the
// reason, under both presets.
const presets = [resolveAirlockParams({ preset: 'ndb-japan' }), resolveAirlockParams({ preset: 'acro-default' })]
const ndb = presets[0]!
const acro = presets[1]!
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const check = (csv: string, evidence: Evidence = {}, params = ndb) => {
  const bytes = Buffer.from(csv)
  return checkOutput({ name: 't.csv', bytes, sha256: sha(bytes), evidence, params })
}
const rule = (r: ReturnType<typeof check>, name: RuleName) => r.results.find((x) => x.rule === name)!

const SUM = 'region,F,M\nNorth,30090,100000\nSouth,25075,31093\n'
const MEAN = 'region,F,M\nNorth,1003,123456\nSouth,1003,1003\n'

describe('whole numbers of unknown role', () => {
  for (const params of presets) {
    it(`does not pass a sum or a mean read as counts (${params.preset})`, () => {
      for (const csv of [SUM, MEAN]) {
        const r = check(csv, {}, params)
        expect(r.outcome).not.toBe('pass')
        for (const name of ['threshold', 'dominance', 'p-percent'] as const) {
          expect(rule(r, name).outcome).toBe('review')
          expect(rule(r, name).columns).toEqual([1, 2])
        }
        expect(rule(r, 'threshold').message).toMatch(/whole numbers may be sums or means/)
        expect(rule(r, 'dominance').message).toMatch(/cannot be evaluated on "F", "M".*inferred, not declared/)
      }
    })
  }

  it('still fails a small value of unknown role at the threshold, as a count', () => {
    const r = check('region,F,M\nNorth,3,120\nSouth,40,50\n')
    expect(rule(r, 'threshold').outcome).toBe('fail')
    expect(rule(r, 'threshold').cells).toEqual([{ row: 0, column: 1 }])
  })

  it('decides on recorded contributions when the sum is declared: the dominated cell fails', () => {
    // North F: one unit holds 95% of 30090
    const contributions = [
      { row: 0, column: 1, top: [28586, 800], total: 30090, min: 2, individuals: 40 },
      { row: 0, column: 2, top: [9000, 8000], total: 100000, min: 5, individuals: 60 },
      { row: 1, column: 1, top: [4000, 3000], total: 25075, min: 1, individuals: 30 },
      { row: 1, column: 2, top: [5000, 4000], total: 31093, min: 3, individuals: 35 }
    ]
    for (const params of presets) {
      const r = check(SUM, { declaredRoles: { region: 'key', F: 'sum', M: 'sum' }, contributions }, params)
      expect(rule(r, 'dominance').outcome).toBe('fail')
      expect(rule(r, 'dominance').cells).toEqual([{ row: 0, column: 1 }])
      expect(rule(r, 'p-percent').outcome).toBe('fail')
      expect(rule(r, 'p-percent').cells).toEqual([{ row: 0, column: 1 }])
      expect(rule(r, 'threshold').outcome).toBe('pass')
    }
  })

  it("decides a declared mean on its underlying sum's contributions: a mean of one person fails", () => {
    const contributions = [
      { row: 0, column: 1, top: [1003], total: 1003, min: 1003, individuals: 1 },
      { row: 0, column: 2, top: [40000, 30000], total: 123456 * 30, min: 10, individuals: 30 },
      { row: 1, column: 1, top: [900, 800], total: 1003 * 40, min: 1, individuals: 40 },
      { row: 1, column: 2, top: [900, 800], total: 1003 * 40, min: 1, individuals: 40 }
    ]
    for (const params of presets) {
      const r = check(MEAN, { declaredRoles: { F: 'mean', M: 'mean' }, contributions }, params)
      expect(r.outcome).toBe('fail')
      for (const name of ['threshold', 'dominance', 'p-percent'] as const) {
        expect(rule(r, name).outcome).toBe('fail')
        expect(rule(r, name).cells).toEqual([{ row: 0, column: 1 }])
      }
      expect(rule(r, 'threshold').message).toMatch(/row 1 \(region North\) F has 1/)
    }
  })
})

describe('maxima, negatives and zero totals', () => {
  it('sends a declared or named maximum to review whatever its contributions', () => {
    const declared = check('region,top_cost\nA,500\nB,700\n', {
      declaredRoles: { top_cost: 'max' },
      contributions: [
        { row: 0, column: 1, top: [500, 1], total: 5000, individuals: 20 },
        { row: 1, column: 1, top: [700, 1], total: 7000, individuals: 20 }
      ]
    })
    const named = check('region,n,最大点数\nA,20,500\nB,30,700\n')
    for (const r of [declared, named]) {
      expect(rule(r, 'dominance').outcome).toBe('review')
      expect(rule(r, 'dominance').message).toMatch(/maxima or minima: each cell is one individual's own value/)
      expect(rule(r, 'p-percent').outcome).toBe('review')
    }
  })

  it('reviews a cell with a negative contribution, saying why, as ACRO does', () => {
    const r = check('region,balance\nA,100\n', {
      declaredRoles: { balance: 'sum' },
      contributions: [{ row: 0, column: 1, top: [90, 60], total: 100, min: -50, individuals: 12 }]
    })
    expect(rule(r, 'dominance').outcome).toBe('review')
    expect(rule(r, 'dominance').cells).toEqual([{ row: 0, column: 1 }])
    expect(rule(r, 'dominance').message).toMatch(/negative contribution .*smallest -50/)
  })

  it('fails an all-zero sum at p-percent where zeros are disclosive (ACRO), and reviews it otherwise', () => {
    const evidence: Evidence = {
      declaredRoles: { cost: 'sum' },
      contributions: [{ row: 0, column: 1, top: [0, 0], total: 0, min: 0, individuals: 15 }]
    }
    const a = check('region,cost\nA,0\n', evidence, acro)
    expect(rule(a, 'p-percent').outcome).toBe('fail')
    expect(rule(a, 'p-percent').message).toMatch(/the total is 0/)
    expect(rule(a, 'dominance').outcome).toBe('review')
    const n = check('region,cost\nA,0\n', evidence, ndb)
    expect(rule(n, 'p-percent').outcome).toBe('review')
    expect(rule(n, 'p-percent').message).toMatch(/total is 0/)
  })
})

describe('percentages', () => {
  it('fails the counts a percentage of its row implies: 25% of 12 and 2.5% of 40', () => {
    for (const params of presets) {
      const r = rule(check('group,n,pct\nA,12,25.0\nB,40,2.5\n', {}, params), 'threshold')
      expect(r.outcome).toBe('fail')
      expect(r.cells).toEqual([
        { row: 0, column: 2 },
        { row: 1, column: 2 }
      ])
      expect(r.message).toMatch(/pct = 25.0 is 3 people/)
      expect(r.message).toMatch(/pct = 2.5 is 1 person/)
    }
  })

  it('reviews percentages whose counts cannot be derived', () => {
    const r = rule(check('group,n,pct_change\nA,120,13.7\nB,400,-2.2\n'), 'threshold')
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/"pct_change" holds percentages or ratios whose underlying counts cannot be derived/)
  })
})

describe('checkRound and the recount', () => {
  const file = (csv: string, evidence: Evidence) => {
    const bytes = Buffer.from(csv)
    return { name: 'by-region.csv', sha256: sha(bytes), bytes, evidence }
  }
  it('passes a table without a count column on the individuals the recount found', () => {
    const [report] = checkRound({
      params: ndb,
      files: [file('region,mean_cost\nA,1200.5\nB,980.25\n', { individualsPerRow: [40, 25] })],
      earlier: []
    })
    const t = report!.results.find((r) => r.rule === 'threshold')!
    expect(t.outcome).toBe('pass')
    expect(t.message).toMatch(/counted from the recorded query/)
  })

  it("keeps the table alone's failing printed count over the recount's pass", () => {
    const [report] = checkRound({
      params: ndb,
      files: [file('region,n\nA,40\nB,4\n', { individualsPerRow: [40, 25] })],
      earlier: []
    })
    const t = report!.results.find((r) => r.rule === 'threshold')!
    expect(t.outcome).toBe('fail')
    expect(t.cells).toEqual([{ row: 1, column: 1 }])
  })
})
