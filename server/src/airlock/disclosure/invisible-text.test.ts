import { describe, expect, it } from 'vitest'
import { encodedTextRule } from './hidden-content.js'
import { checkOutput, resolveAirlockParams } from './index.js'
import { createHash } from 'node:crypto'

const params = resolveAirlockParams({ preset: 'ndb-japan' })
const ROWS = Buffer.from(
  Array.from({ length: 20 }, (_, i) => `${100234 + i * 37},F,1961-04,13,LLE\n`).join('')
)
/** Each byte of `data` as eight zero-width characters (space for 1, non-joiner for 0). */
const zeroWidth = (data: Buffer) =>
  [...data].map((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((k) => ((b >> k) & 1 ? '\u200b' : '\u200c')).join('')).join('')
/** Each byte of `data` as one variation selector (VS1 to VS256). */
const selectors = (data: Buffer) =>
  [...data].map((b) => String.fromCodePoint(b < 16 ? 0xfe00 + b : 0xe0100 + b - 16)).join('')
const check = (name: string, text: string) => {
  const bytes = Buffer.from(text)
  return checkOutput({ name, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), params })
}

describe('text a reviewer cannot see', () => {
  it('fails rows hidden as zero-width characters in a Markdown note, saying where', () => {
    const r = check('notes.md', `# Results\n\nMean age 54.${zeroWidth(ROWS)}\n`)
    expect(r.outcome).toBe('fail')
    expect(r.results.find((x) => x.rule === 'file-type' && x.outcome === 'fail')).toMatchObject({
      message: expect.stringMatching(new RegExp(`^"notes\\.md" holds ${ROWS.length * 8} invisible characters .*first on line 3\\..*cannot leave`)),
      rows: [2]
    })
  })

  it('fails rows hidden as variation selectors after one emoji, and in the cells of a CSV', () => {
    expect(encodedTextRule('notes.txt', Buffer.from(`Done 👍${selectors(ROWS)}\n`)).outcome).toBe('fail')
    const r = check('by-region.csv', `region,n\nNorth${selectors(ROWS)},120\nSouth,340\n`)
    expect(r.outcome).toBe('fail')
    expect(r.results.some((x) => /invisible characters/.test(x.message) && x.outcome === 'fail')).toBe(true)
  })

  it('sends whitespace-coded lines (spaces and tabs at line ends) to review with the reason', () => {
    const lines = [...ROWS.subarray(0, 60)].map((b, i) => `Line ${i} of the notes.${b.toString(2).replace(/0/g, ' ').replace(/1/g, '\t')}`)
    const r = encodedTextRule('notes.txt', Buffer.from(lines.join('\n')))
    expect(r).toMatchObject({
      outcome: 'review',
      message: expect.stringMatching(/^"notes\.txt" has \d+ spaces or tabs at the ends of 50 or more lines, first on line 1\./)
    })
  })

  it('passes ordinary text: a byte order mark, an emoji with its joiner, Markdown line breaks, Japanese', () => {
    const text = '\ufeff# 結果\u3000概要\n\nMean age 54.  \nFamily 👨\u200d👩\u200d👧 sizes: 3.2 on average.\n'
    expect(encodedTextRule('notes.md', Buffer.from(text))).toMatchObject({ outcome: 'pass' })
  })
})
