import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import {
  checkImport,
  checkOutput,
  DigestMismatch,
  resolveAirlockParams,
  type Evidence,
  type RuleName
} from './index.js'

const ndb = resolveAirlockParams({ preset: 'ndb-japan' })
const acro = resolveAirlockParams({ preset: 'acro-default' })
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const check = (name: string, content: string | Buffer, evidence: Evidence = {}, params = ndb) => {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content
  return checkOutput({ name, bytes, sha256: sha(bytes), evidence, params })
}
const rules = (r: { results: { rule: RuleName }[] }) => r.results.map((x) => x.rule)
/** a real 4 by 3 PNG, as re-encoding writes one */
const PNG = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#336699' } }).png().toBuffer()

describe('checkOutput', () => {
  it('runs every table rule on a CSV and reports the worst outcome', () => {
    const r = check('by-region.csv', 'region,n\nA,12\nB,3\n')
    expect(rules(r)).toEqual([
      'file-type',
      'file-type',
      'threshold',
      'zeros',
      'dominance',
      'p-percent',
      'residual-df',
      'row-level',
      'differencing',
      'repeats'
    ])
    expect(r.outcome).toBe('fail')
    expect(r.results.find((x) => x.rule === 'threshold')!.cells).toEqual([{ row: 1, column: 1 }])
    expect(r.table!.columns.map((c) => c.role)).toEqual(['key', 'count'])
  })

  it('passes a safe aggregate, and reviews one with a sum it cannot check', () => {
    const declared = { declaredRoles: { region: 'key', n: 'count' } } as const
    expect(check('ok.csv', 'region,n\nA,12\nB,30\n', declared).outcome).toBe('pass')
    // the same table with nothing to say "n" counts people rather than summing something: review
    expect(check('ok.csv', 'region,n\nA,12\nB,30\n').outcome).toBe('review')
    expect(check('cost.csv', 'region,n,total_cost\nA,12,1000\nB,30,2000\n').outcome).toBe('review')
  })

  it('reads a TSV with the table rules, with the positions of the cells at risk', () => {
    const r = check('t.tsv', '\ufeff性別\t年代\t患者数\r\n男\t40代\t25\r\n女\t40代\t0\r\n', {}, acro)
    expect(r.results.find((x) => x.rule === 'zeros')!.cells).toEqual([{ row: 1, column: 2 }])
  })

  it('uses the individuals behind each row', () => {
    const r = check('claims.csv', 'region,claims\nA,40\nB,25\n', { individualsPerRow: [3, 25] })
    expect(r.results.find((x) => x.rule === 'threshold')!.rows).toEqual([0])
  })

  it('fails a malformed CSV at the file type rule and reads no further', () => {
    const r = check('broken.csv', 'a,b\n1\n')
    expect(r.outcome).toBe('fail')
    expect(rules(r)).toEqual(['file-type', 'repeats'])
    expect(r.results[0]!.message).toMatch(
      /"broken.csv" is named \.csv but cannot be checked as a table: The record on line 2/
    )
  })

  it('fails a disallowed type and a file over the cap without reading them', () => {
    expect(rules(check('cohort.parquet', 'PAR1'))).toEqual(['file-type', 'repeats'])
    const small = resolveAirlockParams({ preset: 'ndb-japan', maxExportFileMiB: 1 })
    const r = check('big.csv', Buffer.alloc(1024 * 1024 + 1, 0x61), {}, small)
    expect(r.outcome).toBe('fail')
    expect(rules(r)).toEqual(['file-type', 'repeats'])
  })

  it('sends a figure without its table to review, and with it to pass', () => {
    const alone = check('fig.png', PNG)
    expect(rules(alone)).toEqual(['file-type', 'file-type', 'file-type', 'images', 'repeats'])
    expect(alone.outcome).toBe('review')
    // with its table the images rule passes, but pixels can still carry data: a reviewer compares them
    const withTable = check('fig.png', PNG, { requestFiles: ['fig.csv'] })
    expect(withTable.results.find((x) => x.rule === 'images')!.outcome).toBe('pass')
    expect(withTable.outcome).toBe('review')
    expect(withTable.results[2]!.message).toMatch(/pixels can still carry data that looks like noise or texture/)
    // a policy that lists PNG among the types that can pass lets the checks decide
    const lenient = resolveAirlockParams({ preset: 'ndb-japan', passTypes: ['csv', 'png'] })
    expect(check('fig.png', PNG, { requestFiles: ['fig.csv'] }, lenient).outcome).toBe('pass')
  })

  it('sends a PDF to review', () => {
    const r = check('report.pdf', '%PDF-1.7\n')
    expect(r.outcome).toBe('review')
    expect(r.results.find((x) => x.rule === 'images')!.message).toMatch(/cannot read/)
  })

  it('checks text for residual df and row-level data', () => {
    const r = check('model.txt', 'Df Residuals:  4\n')
    expect(rules(r)).toEqual(['file-type', 'file-type', 'file-type', 'residual-df', 'row-level', 'repeats'])
    expect(r.outcome).toBe('fail')
    // free text: the rules find nothing, but words can spell data: review at best
    const notes = check('notes.md', '# Notes\nMean age 54.\n')
    expect(notes.outcome).toBe('review')
    expect(notes.results[2]!.message).toMatch(/free text can spell data/)
  })

  it('reads JSON records as a table, and other JSON as text, but passes neither: a reviewer reads it whole', () => {
    const records = check(
      't.json',
      JSON.stringify([
        { region: 'A', n: 12 },
        { region: 'B', n: 4 }
      ])
    )
    expect(records.results.find((x) => x.rule === 'threshold')!.cells).toEqual([{ row: 1, column: 1 }])
    const other = check('meta.json', JSON.stringify({ model: 'ols', note: 'Df Residuals: 50' }))
    expect(rules(other)).toEqual(['file-type', 'file-type', 'file-type', 'residual-df', 'row-level', 'repeats'])
    expect(other.outcome).toBe('review')
    expect(other.results[2]).toMatchObject({
      outcome: 'review',
      message: expect.stringMatching(
        /"meta\.json" is a \.json file: a reviewer must read the whole file, because the checks cannot prove it holds nothing more than they read\. The policy lets only these types pass on their checks alone: \.csv \.tsv\./
      )
    })
    // a policy that lists JSON among the types that can pass lets its checks decide
    const lenient = resolveAirlockParams({ preset: 'ndb-japan', passTypes: ['csv', 'json'] })
    expect(check('meta.json', JSON.stringify({ figure: 2, note: 'age bands' }), {}, lenient).outcome).toBe('pass')
  })

  it('reviews a type the policy allows but no rule reads', () => {
    const params = resolveAirlockParams({ preset: 'ndb-japan', exportTypes: ['csv', 'docx'] })
    const r = check('paper.docx', 'PK', {}, params)
    expect(r.outcome).toBe('review')
    expect(r.results[0]!.message).toMatch(/no rules for it/)
  })

  it('flags bytes released before, whatever the file is called now', () => {
    const bytes = Buffer.from('region,n\nA,12\nB,30\n')
    const r = check('renamed.csv', bytes, { earlierReleases: [{ name: 'first.csv', sha256: sha(bytes) }] })
    expect(r.outcome).toBe('review')
    expect(r.results.at(-1)).toMatchObject({ rule: 'repeats', outcome: 'review' })
  })

  it('refuses bytes that are not the ones recorded', () => {
    const bytes = Buffer.from('region,n\nA,12\n')
    expect(() => checkOutput({ name: 'a.csv', bytes, sha256: sha(Buffer.from('other')), params: ndb })).toThrow(
      DigestMismatch
    )
  })
})

describe('checkImport', () => {
  it('checks type, size and content against the import list', () => {
    expect(checkImport({ name: 'analysis.py', bytes: Buffer.from('print(1)\n'), params: ndb }).outcome).toBe('pass')
    expect(checkImport({ name: 'tool.exe', bytes: Buffer.from('MZ'), params: ndb }).outcome).toBe('fail')
  })
})
