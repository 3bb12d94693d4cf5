import { describe, expect, it } from 'vitest'
import { parseDelimited } from './table-parse'

const csv = (text: string, maxRows = 100) => parseDelimited(text, ',', maxRows)

describe('reading CSV for the preview', () => {
  it('takes the first record as the header and counts the data rows', () => {
    expect(csv('age,n\n30,12\n40,8\n')).toEqual({ header: ['age', 'n'], rows: [['30', '12'], ['40', '8']], totalRows: 2 })
  })

  it('reads the last record without a final newline', () => {
    expect(csv('a,b\n1,2')).toEqual({ header: ['a', 'b'], rows: [['1', '2']], totalRows: 1 })
  })

  it('ends records at LF, CRLF or a lone CR alike', () => {
    const expected = { header: ['a', 'b'], rows: [['1', '2'], ['3', '4']], totalRows: 2 }
    expect(csv('a,b\r\n1,2\r\n3,4\r\n')).toEqual(expected)
    expect(csv('a,b\r1,2\r3,4')).toEqual(expected)
    expect(csv('a,b\n1,2\r\n3,4\r')).toEqual(expected)
  })

  it('drops a byte-order mark and skips blank lines, as the checks do', () => {
    expect(csv('\uFEFFa,b\n\n1,2\n\r\n\n3,4\n\n')).toEqual({ header: ['a', 'b'], rows: [['1', '2'], ['3', '4']], totalRows: 2 })
  })

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const text = 'name,note\n"Smith, J","said ""hi"""\n"two\r\nlines",x\n'
    expect(csv(text).rows).toEqual([
      ['Smith, J', 'said "hi"'],
      ['two\r\nlines', 'x']
    ])
  })

  it('counts a quoted empty field and a line of one comma as records, not blank lines', () => {
    expect(csv('a\n""\n,\n').rows).toEqual([[''], ['', '']])
  })

  it('keeps a stray quote inside a field as text instead of refusing the file', () => {
    expect(csv('a,b\n5" pipe,x\n').rows).toEqual([['5" pipe', 'x']])
  })

  it('shows short and long rows as they are', () => {
    expect(csv('a,b,c\n1\n1,2,3,4\n').rows).toEqual([['1'], ['1', '2', '3', '4']])
  })

  it('keeps the first rows asked for but counts them all', () => {
    const text = ['n', ...Array.from({ length: 10 }, (_, i) => String(i))].join('\n')
    const table = csv(text, 3)
    expect(table.rows).toEqual([['0'], ['1'], ['2']])
    expect(table.totalRows).toBe(10)
    expect(csv(text, 0).rows).toEqual([])
  })

  it('has no header and no rows for an empty file, or one of blank lines', () => {
    expect(csv('')).toEqual({ header: [], rows: [], totalRows: 0 })
    expect(csv('\n\r\n\n')).toEqual({ header: [], rows: [], totalRows: 0 })
    expect(csv('only,a,header\n')).toEqual({ header: ['only', 'a', 'header'], rows: [], totalRows: 0 })
  })

  it('reads unicode as it is', () => {
    expect(csv('都道府県,人数\n東京都,"1,234"\n').rows).toEqual([['東京都', '1,234']])
  })
})

describe('reading TSV', () => {
  it('splits on tabs and leaves commas alone', () => {
    expect(parseDelimited('a\tb\n1,5\t"x\ty"\n', '\t', 10)).toEqual({
      header: ['a', 'b'],
      rows: [['1,5', 'x\ty']],
      totalRows: 1
    })
  })
})
