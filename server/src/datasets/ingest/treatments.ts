/** A column's treatment as SQL over the source, and as the words the catalog shows for it. */
import { DATE_TYPES, INTEGRAL, NUMERIC, quote, sqlString } from './source.js'
import type { IngestSpec, SpecColumn, SpecTable } from './spec.js'

function asDate(expr: string, type: string): string {
  return DATE_TYPES.has(type) ? expr : `CAST(${expr} AS DATE)`
}

function asNumber(expr: string, type: string): string {
  return NUMERIC.test(type) ? expr : `CAST(${expr} AS DOUBLE)`
}

export function columnSql(t: SpecTable, c: SpecColumn, type: string): string {
  const x = `s.${quote(c.source)}`
  const tr = c.treatment
  switch (tr.kind) {
    case 'person':
      return 'p.pseudonym'
    case 'drop':
      throw new Error('a dropped column is never selected')
    case 'keep':
      return tr.type !== undefined && tr.type !== type ? `CAST(${x} AS ${tr.type})` : x
    case 'date':
      if (tr.format === 'month') {
        return `strftime(CAST(strptime(${x} || '-15', '%Y-%m-%d') AS DATE) + p.shift, '%Y-%m')`
      }
      if (type === 'DATE') return `${x} + p.shift`
      if (DATE_TYPES.has(type)) return `${x} + to_days(p.shift)`
      return `CAST(${x} AS DATE) + p.shift`
    case 'quasi':
      switch (tr.rule) {
        case 'year':
          return `CAST(year(${asDate(x, type)}) AS INTEGER)`
        case 'year-month':
          return `strftime(${asDate(x, type)}, '%Y-%m')`
        case 'age': {
          const age = `CAST(date_sub('year', ${asDate(x, type)}, DATE ${sqlString(tr.at!)}) AS INTEGER)`
          return tr.max !== undefined ? `least(${age}, ${tr.max})` : age
        }
        case 'truncate':
          return `left(regexp_replace(CAST(${x} AS VARCHAR), '[^0-9]', '', 'g'), ${tr.digits})`
        case 'top-code':
          return `least(${asNumber(x, type)}, ${tr.max})`
        case 'bottom-code':
          return `greatest(${asNumber(x, type)}, ${tr.min})`
        case 'band':
          return INTEGRAL.test(type) && Number.isInteger(tr.width)
            ? `CAST(floor(${x} / ${tr.width}) AS BIGINT) * ${tr.width}` // floor, not //, which rounds -3 up to 0
            : `floor(${asNumber(x, type)} / ${tr.width}) * ${tr.width}`
      }
  }
  throw new Error(`no SQL for ${t.name}.${c.source}`)
}

/** The catalog description: the spec's words, then what was done to the column. */
export function describeColumn(spec: IngestSpec, c: SpecColumn): string {
  const tr = c.treatment
  const n = spec.person.dateShiftDays
  const said = c.description
  const add = (note: string) => (said === '' ? note : `${said} ${note}`)
  switch (tr.kind) {
    case 'person':
      return spec.person.description
    case 'date':
      return add(
        tr.format === 'month'
          ? `Month moved with the person's date offset (at most ${n} days either way).`
          : `Moved by a per-person offset of at most ${n} days either way; intervals between one person's dates are exact.`
      )
    case 'quasi':
      switch (tr.rule) {
        case 'year':
          return add('Generalized to the year.')
        case 'year-month':
          return add("Generalized to year and month, 'YYYY-MM'.")
        case 'age':
          return add(
            `Age in whole years on ${tr.at}` + (tr.max !== undefined ? `; ${tr.max} means ${tr.max} or older.` : '.')
          )
        case 'truncate':
          return add(`Only the first ${tr.digits} digits are kept.`)
        case 'top-code':
          return add(`Top-coded: values above ${tr.max} are shown as ${tr.max}.`)
        case 'bottom-code':
          return add(`Bottom-coded: values below ${tr.min} are shown as ${tr.min}.`)
        case 'band':
          return add(`Rounded down to a multiple of ${tr.width}.`)
      }
      break
    default:
      return said
  }
  return said
}
