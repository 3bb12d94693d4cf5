import { decimals } from './cells.js'
import type { Column, Table } from './table.js'
import type { CellRef } from './types.js'
import { columnName } from './wording.js'

/**
 * Percentages and proportions hide counts: 25% of a row of 12 is 3 people. A ratio column's
 * implied counts are derived where the table allows it:
 * - share of its row's count: `count × pct / 100` comes out a whole number in every row (to the
 *   precision the percentage was printed with);
 * - share of a column total: the percentages add up to 100, so each is `total × pct / 100`.
 * Every reading that fits is checked; a column no reading fits is left to review.
 */

const RATIO_WORDS = new Set(['pct', 'percent', 'percentage', 'proportion', 'prop', 'share', 'ratio', 'rate', 'prevalence', 'incidence', 'frac', 'fraction'])
const RATIO_JA = /(率|割合|比率|構成比)$/
const MARGIN = /^(all|total|totals|overall|合計|総数|計|総計)$/i

export interface ImpliedCount {
  cell: CellRef
  /** the count the cell implies, rounded */
  implied: number
  /** how it was derived, for the reviewer: `n × 25% = 3` */
  how: string
}

export interface RatioReading {
  /** cells whose implied count is between 1 and threshold - 1 */
  small: ImpliedCount[]
  /** ratio columns no reading fits: their counts cannot be derived */
  underivable: Column[]
  /** ratio columns whose implied counts were derived and checked */
  derived: Column[]
}

/** A column of percentages, proportions or ratios, by its name or its printed `%`. */
export function ratioColumn(table: Table, c: Column): boolean {
  if (c.kind !== 'numeric' || c.role === 'count' || c.role === 'key' || c.role === 'identifier') return false
  const words = c.name.normalize('NFKC').toLowerCase().split(/[^a-z0-9%]+/)
  if (words.some((w) => RATIO_WORDS.has(w) || w === '%') || c.name.includes('%') || RATIO_JA.test(c.name.trim()))
    return true
  return table.rows.some((row) => row[c.index]!.trim().endsWith('%'))
}

/** Rows that hold totals over the others (pandas margins "All", 合計): left out of column totals. */
export function marginRows(table: Table): Set<number> {
  const keys = table.columns.filter((c) => c.kind === 'text')
  const rows = new Set<number>()
  table.rows.forEach((row, r) => {
    if (keys.some((k) => MARGIN.test(row[k.index]!.trim()))) rows.add(r)
  })
  return rows
}

export function readRatios(table: Table, threshold: number, individualsPerRow?: number[]): RatioReading {
  const reading: RatioReading = { small: [], underivable: [], derived: [] }
  const ratios = table.columns.filter((c) => ratioColumn(table, c))
  if (ratios.length === 0) return reading
  const bases: { name: string; values: (number | null)[] }[] = table.columns
    .filter((c) => c.role === 'count')
    .map((c) => ({ name: columnName(c), values: c.values! }))
  if (individualsPerRow !== undefined && individualsPerRow.length === table.rows.length)
    bases.push({ name: 'the individuals counted in its row', values: individualsPerRow })
  const margins = marginRows(table)
  for (const ratio of ratios) {
    const scales = scalesOf(table, ratio)
    let fits = false
    for (const scale of scales) {
      for (const basis of bases) {
        const byRow = rowShares(table, ratio, basis, scale)
        if (byRow !== null) {
          fits = true
          reading.small.push(...byRow.filter((i) => i.implied > 0 && i.implied < threshold))
        }
        const byTotal = columnShares(table, ratio, basis, scale, margins)
        if (byTotal !== null) {
          fits = true
          reading.small.push(...byTotal.filter((i) => i.implied > 0 && i.implied < threshold))
        }
      }
    }
    ;(fits ? reading.derived : reading.underivable).push(ratio)
  }
  // one cell may be small under two readings: report it once
  const seen = new Set<string>()
  reading.small = reading.small.filter((i) => {
    const key = `${i.cell.row}:${i.cell.column}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return reading
}

/** Percent (out of 100) when the name or the values say so; proportions (out of 1) are also tried. */
function scalesOf(table: Table, c: Column): number[] {
  const percentLike =
    /pct|percent|%|率|割合/.test(c.name.normalize('NFKC').toLowerCase()) ||
    c.values!.some((v) => v !== null && v > 1) ||
    table.rows.some((row) => row[c.index]!.trim().endsWith('%'))
  return percentLike ? [100] : [1, 100]
}

function rowShares(
  table: Table,
  ratio: Column,
  basis: { name: string; values: (number | null)[] },
  scale: number
): ImpliedCount[] | null {
  const out: ImpliedCount[] = []
  for (let r = 0; r < table.rows.length; r++) {
    const p = ratio.values![r]
    if (p === null || p === undefined) continue
    const n = basis.values[r]
    if (n === null || n === undefined || p < 0 || p > scale) return null
    const implied = (n * p) / scale
    // the percentage was rounded to the digits printed: so many people more or less
    const slack = (n * 0.5 * 10 ** -decimals(table.rows[r]![ratio.index]!)) / scale + 1e-9
    const whole = Math.round(implied)
    // printed too coarsely to tell whether it is a share of this count at all
    if (slack >= 0.5 || Math.abs(implied - whole) > Math.max(slack, 1e-6)) return null
    out.push({ cell: { row: r, column: ratio.index }, implied: whole, how: `${basis.name} ${num(n)} × ${num(p)}/${scale}` })
  }
  return out
}

function columnShares(
  table: Table,
  ratio: Column,
  basis: { name: string; values: (number | null)[] },
  scale: number,
  margins: Set<number>
): ImpliedCount[] | null {
  let sum = 0
  let slack = 0
  let total = 0
  for (let r = 0; r < table.rows.length; r++) {
    if (margins.has(r)) continue
    const p = ratio.values![r]
    if (p !== null && p !== undefined) {
      sum += p
      slack += 0.5 * 10 ** -decimals(table.rows[r]![ratio.index]!)
    }
    total += basis.values[r] ?? 0
  }
  if (total <= 0 || Math.abs(sum - scale) > slack + scale * 1e-6) return null
  const out: ImpliedCount[] = []
  for (let r = 0; r < table.rows.length; r++) {
    const p = ratio.values![r]
    if (p === null || p === undefined || margins.has(r)) continue
    out.push({
      cell: { row: r, column: ratio.index },
      implied: Math.round((total * p) / scale),
      how: `${num(p)}/${scale} of the total ${num(total)} of ${basis.name}`
    })
  }
  return out
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))))
