import { describe, expect, it } from 'vitest'
import { countLikeName, identifierLikeName, parseTable, readNumber, tableFromRecords, TableError } from './table.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const roles = (text: string) => Object.fromEntries(csv(text).columns.map((c) => [c.name, c.role]))

describe('parseTable', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const t = csv('name,note,n\n"Tokyo, central","said ""hi""",12\n"two\nlines",x,15\n')
    expect(t.columns.map((c) => c.name)).toEqual(['name', 'note', 'n'])
    expect(t.rows).toEqual([
      ['Tokyo, central', 'said "hi"', '12'],
      ['two\nlines', 'x', '15']
    ])
  })

  it('drops a byte-order mark, reads CRLF and Japanese headers', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('都道府県,性別,患者数\r\n東京都,男,120\r\n鳥取県,女,15\r\n')
    ])
    const t = parseTable(bytes, { format: 'csv' })
    expect(t.columns.map((c) => c.name)).toEqual(['都道府県', '性別', '患者数'])
    expect(t.columns[2]!.values).toEqual([120, 15])
    expect(t.columns[2]!.role).toBe('count')
    expect(t.rows[1]).toEqual(['鳥取県', '女', '15'])
  })

  it('reads TSV with tabs inside quoted fields', () => {
    const t = parseTable(Buffer.from('group\tn\n"a\tb"\t11\nc\t12\n'), { format: 'tsv' })
    expect(t.rows).toEqual([
      ['a\tb', '11'],
      ['c', '12']
    ])
  })

  it('skips blank lines and keeps a header-only table as zero rows', () => {
    expect(csv('a,n\n\n1,2\n\n').rows).toEqual([['1', '2']])
    expect(csv('a,n\n').rows).toEqual([])
  })

  it('names the line of a record with the wrong number of fields', () => {
    expect(() => csv('a,b\n1,2\n3\n')).toThrow(/record on line 3 has 1 field where the header has 2/)
  })

  it('says a quote was never closed', () => {
    expect(() => csv('a,b\n1,"2\n')).toThrow(/quoted field opened on line 2 is never closed/)
  })

  it('refuses Shift_JIS bytes with a sentence that says how to fix them', () => {
    // "患者数" in Shift_JIS
    const sjis = Buffer.concat([Buffer.from([0x8a, 0xb3, 0x8e, 0xd2, 0x90, 0x94]), Buffer.from('\n1\n')])
    expect(() => parseTable(sjis, { format: 'csv' })).toThrow(/not UTF-8 text.*save it as UTF-8/)
  })

  it('stops at the cell and byte caps', () => {
    const body = 'a,b\n' + '1,2\n'.repeat(10)
    expect(() => parseTable(Buffer.from(body), { format: 'csv', limits: { maxCells: 21 } })).toThrow(
      /more than 21 cells/
    )
    expect(parseTable(Buffer.from(body), { format: 'csv', limits: { maxCells: 22 } }).rows).toHaveLength(10)
    expect(() => parseTable(Buffer.from(body), { format: 'csv', limits: { maxBytes: 10 } })).toThrow(
      /more than the 10 the checks read/
    )
  })

  it('refuses an empty file', () => {
    expect(() => csv('')).toThrow(TableError)
    expect(() => csv('')).toThrow(/no header row/)
  })
})

describe('readNumber', () => {
  it('reads plain, grouped, percentage and full-width numbers', () => {
    expect(readNumber(' 12 ')).toBe(12)
    expect(readNumber('1,234')).toBe(1234)
    expect(readNumber('12.5%')).toBe(12.5)
    expect(readNumber('１２')).toBe(12)
    expect(readNumber('1e3')).toBe(1000)
    expect(readNumber('-0.5')).toBe(-0.5)
  })

  it('treats empty cells and suppression marks as no value, and words as text', () => {
    for (const s of ['', 'NA', 'NaN', '-', '*', '<10', '< 5', '10未満', '‐', '秘匿', '＊'])
      expect(readNumber(s)).toBeNull()
    expect(readNumber('Tokyo')).toBeUndefined()
    expect(readNumber('40-49')).toBeUndefined()
    expect(readNumber('1,23')).toBeUndefined()
  })
})

describe('column roles', () => {
  it('knows counts by name, in English and Japanese', () => {
    for (const name of [
      'n',
      'count',
      'cnt',
      'claim_count',
      'num_visits',
      'n_patients',
      'patients',
      'people',
      'patientCount'
    ])
      expect(countLikeName(name), name).toBe(true)
    for (const name of ['件数', '人数', '患者数', '受診者数', '症例数']) expect(countLikeName(name), name).toBe(true)
    for (const name of ['discount', 'account', 'age', 'region', '点数', 'mean_cost'])
      expect(countLikeName(name), name).toBe(false)
  })

  it('knows identifiers by name', () => {
    for (const name of ['id', 'person_id', 'patientId', 'PATIENT_ID', '患者ID', '個人番号', 'kojin_no', 'mrn'])
      expect(identifierLikeName(name), name).toBe(true)
    for (const name of ['idle_days', 'valid', 'n', 'patients']) expect(identifierLikeName(name), name).toBe(false)
  })

  it('reads a whole-number column named like a count as a count, and a fractional one as a magnitude', () => {
    expect(roles('region,n,mean_cost\nA,12,100.5\nB,30,99\n')).toEqual({
      region: 'key',
      n: 'count',
      mean_cost: 'magnitude'
    })
    expect(roles('region,n\nA,1.5\nB,2\n')).toEqual({ region: 'key', n: 'magnitude' })
  })

  it('reads unnamed whole-number columns of a grouped table as counts, as in a cross-tabulation', () => {
    expect(roles('region,male,female\nA,12,3\nB,40,50\n')).toEqual({ region: 'key', male: 'count', female: 'count' })
    expect(roles('age_band,total\n0-9,12\n10-19,40\n')).toEqual({ age_band: 'key', total: 'count' })
  })

  it('keeps whole numbers named like keys as keys', () => {
    expect(roles('year,age,n\n2020,40,12\n2021,41,13\n')).toEqual({ year: 'key', age: 'key', n: 'count' })
    expect(roles('診療年月,年齢,件数\n202001,40,12\n202002,41,13\n')).toEqual({
      診療年月: 'key',
      年齢: 'key',
      件数: 'count'
    })
  })

  it('cannot tell what whole numbers are when nothing in the table is a group label', () => {
    expect(roles('a,b\n1,2\n3,4\n')).toEqual({ a: 'key', b: 'key' })
  })

  it('reads rates and estimates as statistics, not counts or magnitudes', () => {
    expect(roles('region,n,rate,有病率\nA,12,0.5,0.1\nB,30,0.25,0.2\n')).toEqual({
      region: 'key',
      n: 'count',
      rate: 'statistic',
      有病率: 'statistic'
    })
  })

  it('finds identifier columns only where the values are mostly unique', () => {
    expect(roles('person_id,age\nP0A1B2C3D4E5,40\nP0A1B2C3D4E6,41\n').person_id).toBe('identifier')
    const repeated = 'person_id,visits\n' + 'P0A1B2C3D4E5,1\n'.repeat(5) + 'P0A1B2C3D4E6,2\n'.repeat(5)
    expect(roles(repeated).person_id).toBe('key')
  })

  it('needs code-like values to read a column named after a person as an identifier', () => {
    expect(roles('patient,n\nA0001,12\nA0002,13\nA0003,15\n').patient).toBe('identifier')
    expect(roles('patient_age_band,n\n0-9,12\n10-19,13\n20-29,15\n').patient_age_band).toBe('key')
  })

  it('recognises the index column pandas writes, and does not count it', () => {
    const t = csv(',region,n\n0,A,12\n1,B,13\n')
    expect(t.columns[0]!.role).toBe('key')
    expect(t.columns[0]!.why).toMatch(/pandas/)
  })

  it('takes roles from the recorded query over the heuristics', () => {
    const t = parseTable(Buffer.from('region,visits,x\nA,1.5,3\nB,2,4\n'), {
      format: 'csv',
      roles: { x: 'magnitude', visits: 'count' }
    })
    expect(t.columns.map((c) => [c.name, c.role, c.why])).toEqual([
      ['region', 'key', 'text: read as a group label'],
      ['visits', 'count', 'given by the recorded query'],
      ['x', 'magnitude', 'given by the recorded query']
    ])
  })

  it('treats suppressed cells as no value, so a suppressed count column is still a count', () => {
    const t = csv('region,n\nA,12\nB,<10\nC,*\n')
    expect(t.columns[1]!.role).toBe('count')
    expect(t.columns[1]!.values).toEqual([12, null, null])
    expect(t.columns[1]!.filled).toBe(1)
  })
})

describe('tableFromRecords', () => {
  it('reads an array of flat objects, keys in order of first appearance', () => {
    const t = tableFromRecords([
      { region: 'A', n: 12 },
      { region: 'B', n: 3, note: null }
    ])!
    expect(t.columns.map((c) => [c.name, c.role])).toEqual([
      ['region', 'key'],
      ['n', 'count'],
      ['note', 'key']
    ])
    expect(t.rows).toEqual([
      ['A', '12', ''],
      ['B', '3', '']
    ])
  })

  it('gives null for JSON that is not a flat table', () => {
    expect(tableFromRecords({ a: 1 })).toBeNull()
    expect(tableFromRecords([])).toBeNull()
    expect(tableFromRecords([{ a: { b: 1 } }])).toBeNull()
    expect(tableFromRecords([1, 2])).toBeNull()
  })
})
