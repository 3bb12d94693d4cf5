import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkOutput, resolveAirlockParams } from '../index.js'
import { worst, type Outcome } from '../types.js'
import { CASES } from './cases.js'

// The public agreement suite: each case's outcome per rule, and whether it agrees with ACRO's
// status for the same table. Where it does not, the case must say why, and must really differ.
describe('agreement with ACRO', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const bytes = Buffer.from(c.csv)
      const report = checkOutput({
        name: 'table.csv',
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        evidence: c.evidence ?? {},
        params: resolveAirlockParams({ preset: c.preset })
      })
      const got: Record<string, Outcome> = {}
      for (const rule of Object.keys(c.ours)) got[rule] = report.results.find((r) => r.rule === rule)!.outcome
      expect(got).toEqual(c.ours)
      const ours = worst(Object.values(got))
      if (c.differs === undefined) expect(ours).toBe(c.acro)
      else expect(ours).not.toBe(c.acro)
    })
  }

  it('gives each wide table the verdict of its long form', () => {
    const pairs = new Map<string, Outcome[]>()
    for (const c of CASES) {
      const m = /^(.*) \((wide|long)\)$/.exec(c.name)
      if (m === null) continue
      pairs.set(m[1]!, [...(pairs.get(m[1]!) ?? []), worst(Object.values(c.ours))])
    }
    expect(pairs.size).toBeGreaterThanOrEqual(3)
    for (const [, outcomes] of pairs) expect(new Set(outcomes).size).toBe(1)
  })
})
