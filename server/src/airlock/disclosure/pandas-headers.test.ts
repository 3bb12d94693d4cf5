import { describe, expect, it } from 'vitest'
import { parseTable } from './table.js'

// Written by pandas 2 to_csv (pivot_table and crosstab over a synthetic frame), byte for byte.
const PIVOT_MEAN_COUNT = `,mean,mean,count,count
sex,F,M,F,M
region,,,,
North,483.53846153846155,541.75,13,20
South,524.9230769230769,501.35714285714283,13,14
`
const PIVOT_TWO_INDEX = `,,sum,sum,count,count
sex,,F,M,F,M
region,age,,,,
North,40-49,6034,4849,8,11
North,50-59,3982,3234,5,5
South,40-49,2015,3731,6,5
South,50-59,5995,4961,10,10
`
const CROSSTAB_TWO_COLUMNS_MARGINS = `sex,F,F,M,M,All
age,40-49,50-59,40-49,50-59,
region,,,,,
North,8,5,11,5,29
South,6,10,5,10,31
All,14,15,16,15,60
`
// R write.csv(df): a first header cell "" over the row names 1, 2, ...; missing values as NA
const R_WRITE_CSV = `"","region","n","mean_cost"
"1","North",12,NA
"2","South",40,980.5
`
// broom::tidy(lm(...)) written with write.csv(row.names = FALSE)
const BROOM_TIDY = `"term","estimate","std.error","statistic","p.value"
"(Intercept)",1.2,0.3,4,0.004
"x",0.5,0.1,5,0.001
`

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })

describe('pandas multi-line headers', () => {
  it('joins the levels of a pivot table with aggfunc=[mean, count] into one name per column', () => {
    const t = csv(PIVOT_MEAN_COUNT)
    expect(t.columns.map((c) => c.name)).toEqual(['region', 'mean F', 'mean M', 'count F', 'count M'])
    expect(t.rows).toHaveLength(2)
    expect(t.columns.map((c) => c.role)).toEqual(['key', 'magnitude', 'magnitude', 'count', 'count'])
    expect(t.columns[3]!.values).toEqual([13, 13])
  })

  it('takes two index names from their row and leaves the data rows whole', () => {
    const t = csv(PIVOT_TWO_INDEX)
    expect(t.columns.map((c) => c.name)).toEqual(['region', 'age', 'sum F', 'sum M', 'count F', 'count M'])
    expect(t.rows[1]).toEqual(['North', '50-59', '3982', '3234', '5', '5'])
    expect(t.columns[4]!.role).toBe('count')
  })

  it('reads a crosstab over two column factors with "All" margins', () => {
    const t = csv(CROSSTAB_TWO_COLUMNS_MARGINS)
    expect(t.columns.map((c) => c.name)).toEqual(['region', 'F 40-49', 'F 50-59', 'M 40-49', 'M 50-59', 'All'])
    expect(t.rows.map((r) => r[0])).toEqual(['North', 'South', 'All'])
    expect(t.columns.slice(1).every((c) => c.kind === 'numeric' && c.role === 'count')).toBe(true)
  })

  it('keeps a plain table whose data row has empty cells as it is', () => {
    const t = csv('region,n,m\nA,1,2\nB,,\nC,30,40\n')
    expect(t.columns.map((c) => c.name)).toEqual(['region', 'n', 'm'])
    expect(t.rows).toHaveLength(3)
  })
})

describe('R and broom output', () => {
  it('reads R write.csv row names as a key and NA as no value', () => {
    const t = csv(R_WRITE_CSV)
    expect(t.columns[0]!.role).toBe('key')
    expect(t.columns[2]!.role).toBe('count')
    expect(t.columns[3]!.values).toEqual([null, 980.5])
  })

  it('reads broom::tidy columns as statistics', () => {
    const t = csv(BROOM_TIDY)
    expect(t.columns.slice(1).map((c) => c.role)).toEqual(['statistic', 'statistic', 'statistic', 'statistic'])
  })
})
