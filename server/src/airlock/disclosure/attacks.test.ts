import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkOutput, resolveAirlockParams, type RuleName } from './index.js'

// Tables a researcher could write into the outbox by hand (no provenance), built to pass.
const presets = [resolveAirlockParams({ preset: 'ndb-japan' }), resolveAirlockParams({ preset: 'acro-default' })]
const check = (csv: string, params: (typeof presets)[number]) => {
  const bytes = Buffer.from(csv)
  return checkOutput({ name: 't.csv', bytes, sha256: createHash('sha256').update(bytes).digest('hex'), params })
}
const rule = (r: ReturnType<typeof check>, name: RuleName) => r.results.find((x) => x.rule === name)!

describe('numbers hidden in text columns', () => {
  for (const params of presets) {
    it(`does not pass a count of 3 made text by a footnote row or a unit (${params.preset})`, () => {
      for (const csv of [
        'region,n\nNorth,3\nSouth,40\nSource,NDB 2020\n',
        'region,n\nNorth,3 people\nSouth,40 people\n',
        'region,n,total_cost\nNorth,50,30090\nSouth,60,25075\nSource,NDB,see text\n'
      ]) {
        const r = check(csv, params)
        expect(r.outcome, csv).not.toBe('pass')
        expect(rule(r, 'threshold')).toMatchObject({
          outcome: 'review',
          message: expect.stringMatching(/holds? numbers among text .* not checked/)
        })
      }
    })
  }

  it('still reads labels as labels: age bands, and columns named as keys', () => {
    const r = check('age_group,region,n\n40-49,North,30\n90+,South,40\n', presets[0]!)
    expect(rule(r, 'threshold').outcome).toBe('pass')
  })
})
