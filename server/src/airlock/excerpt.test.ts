import { describe, expect, it } from 'vitest'
import type { AirlockFileRow, AirlockRequestDetail } from '../store/types.js'
import { EXCERPT_CELL_CHARS, EXCERPT_CHARS, EXCERPT_COLUMNS, EXCERPT_ROWS, excerptOf, hasExcerpt } from './excerpt.js'
import { userCanReadBytes } from './gate.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe("a file's excerpt", () => {
  it('is a table of the header and the first rows of a CSV, with every row counted', () => {
    const rows = Array.from({ length: 120 }, (_, i) => `p${i},${i % 2 ? 'M' : 'F'}`)
    const x = excerptOf('people.csv', bytes(`id_like,sex\n${rows.join('\n')}\n`))
    expect(x).toMatchObject({ format: 'table', header: ['id_like', 'sex'], totalRows: 120, cut: false })
    expect(x.format === 'table' && x.rows).toEqual(rows.slice(0, EXCERPT_ROWS).map((r) => r.split(',')))
  })

  it('cuts long cells and columns past the bound, and stops at its size, counting what it leaves out', () => {
    const long = 'x'.repeat(5000)
    const x = excerptOf('wide.tsv', bytes(`a\tb\n${long}\tshort\n`))
    expect(x).toMatchObject({ format: 'table', cut: true, totalRows: 1 })
    if (x.format !== 'table') throw new Error('a table')
    expect(x.rows[0]![0]).toHaveLength(EXCERPT_CELL_CHARS)
    expect(x.rows[0]![0]!.endsWith('…')).toBe(true)
    const many = Array.from({ length: 80 }, (_, i) => `c${i}`)
    const wide = excerptOf('many.csv', bytes(`${many.join(',')}\n${many.map(() => '1').join(',')}\n`))
    expect(wide.format === 'table' && wide.header).toHaveLength(EXCERPT_COLUMNS)
    expect(wide.cut).toBe(true)
    // 50 rows of 150-character cells would pass the whole excerpt's bound: fewer are shown
    const heavy = Array.from({ length: 60 }, () => Array.from({ length: 10 }, () => 'y'.repeat(150)).join(','))
    const h = excerptOf('heavy.csv', bytes(`${many.slice(0, 10).join(',')}\n${heavy.join('\n')}\n`))
    if (h.format !== 'table') throw new Error('a table')
    expect(h.rows.length).toBeLessThan(EXCERPT_ROWS)
    expect(JSON.stringify(h).length).toBeLessThan(EXCERPT_CHARS * 1.2)
    expect(h.totalRows).toBe(60)
  })

  it('reads JSON records as a table, other JSON and text as lines, and a broken table as lines too', () => {
    const records = JSON.stringify(Array.from({ length: 70 }, (_, i) => ({ n: i, s: 'F' })))
    expect(excerptOf('r.json', bytes(records))).toMatchObject({ format: 'table', header: ['n', 's'], totalRows: 70 })
    const text = Array.from({ length: 1200 }, (_, i) => `line ${i}`).join('\n')
    const t = excerptOf('log.txt', bytes(`${text}\n`))
    expect(t).toMatchObject({ format: 'text', totalLines: 1200 })
    expect(t.format === 'text' && t.lines).toEqual(text.split('\n').slice(0, EXCERPT_ROWS))
    expect(excerptOf('broken.csv', bytes('a,b\n1,2,3\n'))).toMatchObject({ format: 'text', totalLines: 2 })
    expect(hasExcerpt('people.csv') && hasExcerpt('notes.md') && !hasExcerpt('figure.png')).toBe(true)
  })
})

describe('who reads a file whole', () => {
  const request = (direction: 'export' | 'import'): AirlockRequestDetail =>
    ({ request: { direction } }) as unknown as AirlockRequestDetail
  const file = (name: string, rowLevel?: string): AirlockFileRow =>
    ({
      name,
      checks: rowLevel === undefined ? [] : [{ rule: 'row-level', outcome: rowLevel }]
    }) as unknown as AirlockFileRow

  it('a reviewer reads an aggregate and a figure whole; a table that may list individuals, or any other export, only in part', () => {
    expect(userCanReadBytes(request('export'), file('by-sex.csv', 'pass'))).toEqual({ ok: true })
    expect(userCanReadBytes(request('export'), file('figure.png'))).toEqual({ ok: true })
    expect(userCanReadBytes(request('export'), file('people.csv', 'review'))).toMatchObject({
      ok: false,
      status: 403,
      why: expect.stringMatching(/^people\.csv may hold individual records \(its row-level check did not pass\)/)
    })
    expect(userCanReadBytes(request('export'), file('notes.txt'))).toMatchObject({
      ok: false,
      why: expect.stringMatching(/\(it was not checked for them\)/)
    })
    expect(userCanReadBytes(request('export'), file('report.pdf'))).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^report\.pdf is not shown: .* a \.pdf file cannot be shown in part/)
    })
    // an import's bytes came from outside
    expect(userCanReadBytes(request('import'), file('codes.csv', 'review'))).toEqual({ ok: true })
  })
})
