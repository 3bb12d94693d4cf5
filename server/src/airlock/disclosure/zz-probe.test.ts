import { createHash } from 'node:crypto'
import { it } from 'vitest'
import { checkOutput, resolveAirlockParams } from './index.js'
const P = [resolveAirlockParams({ preset: 'ndb-japan' }), resolveAirlockParams({ preset: 'acro-default' })]
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const cases: Record<string, string> = {
  rateSum: 'region,n,rate\nNorth,50,30090\nSouth,60,25075\n',
  footnote: 'region,n\nNorth,3\nSouth,40\nSource,NDB 2020\n',
  footnote2: 'region,n,total_cost\nNorth,50,30090\nSouth,60,25075\nSource,NDB,see text\n',
  allrow: 'age,F,M\n30,3,50\n40,40,60\nAll,43,110\n',
  unit: 'region,n\nNorth,3 people\nSouth,40 people\n',
}
it('probe', () => {
  for (const [k, csv] of Object.entries(cases)) for (const params of P) {
    const bytes = Buffer.from(csv)
    const r = checkOutput({ name: 't.csv', bytes, sha256: sha(bytes), evidence: {}, params })
    console.log(r.outcome === 'pass' ? 'PASS' : '    ', k, params.preset, r.outcome, r.results.map((x) => `${x.rule}:${x.outcome}`).join(' '))
  }
})
