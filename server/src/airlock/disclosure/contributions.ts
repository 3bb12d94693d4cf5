import type { Column, Table } from './table.js'
import type { CellRef, Contribution, Evidence, RuleResult } from './types.js'
import { cellList, columnNames, count, result, sortCells } from './wording.js'

/** The recorded contributions the magnitude rules can use, and what they leave unchecked. */
export interface MagnitudeEvidence {
  /** well-formed contributions, each `top` sorted largest first */
  usable: Contribution[]
  /** why some recorded contributions were set aside */
  problems: string[]
  /** columns holding sums or other magnitudes */
  magnitudes: Column[]
  /** filled cells of those columns with no usable contribution */
  uncovered: CellRef[]
}

// Rounding in the sandbox's sums must not make consistent evidence look inconsistent.
const SLACK = 1e-9

/** Shared by n,k dominance and p-percent, so both read the evidence the same way. */
export function magnitudeEvidence(table: Table, evidence: Evidence): MagnitudeEvidence {
  const usable: Contribution[] = []
  const problems: string[] = []
  for (const c of evidence.contributions ?? []) {
    const where = `row ${c.row + 1}, column ${c.column + 1}`
    if (!Number.isInteger(c.row) || c.row < 0 || c.row >= table.rows.length) {
      problems.push(`contributions recorded for row ${c.row + 1}, which the table does not have`)
    } else if (!Number.isInteger(c.column) || c.column < 0 || c.column >= table.columns.length) {
      problems.push(`contributions recorded for column ${c.column + 1}, which the table does not have`)
    } else if (!Number.isFinite(c.total) || c.top.some((v) => !Number.isFinite(v) || v < 0)) {
      problems.push(`the contributions recorded for ${where} are not all non-negative numbers`)
    } else {
      const top = [...c.top].sort((a, b) => b - a)
      const sum = top.reduce((s, v) => s + v, 0)
      if (sum > c.total * (1 + SLACK) + SLACK) {
        problems.push(`the largest contributions recorded for ${where} add up to more than its total`)
      } else {
        usable.push({ row: c.row, column: c.column, top, total: c.total })
      }
    }
  }
  const magnitudes = table.columns.filter((c) => c.role === 'magnitude')
  const covered = new Set(usable.map((c) => `${c.row}:${c.column}`))
  const uncovered: CellRef[] = []
  for (const m of magnitudes) {
    m.values!.forEach((v, r) => {
      if (v !== null && !covered.has(`${r}:${m.index}`)) uncovered.push({ row: r, column: m.index })
    })
  }
  return { usable, problems, magnitudes, uncovered: sortCells(uncovered) }
}

/** Set-aside evidence, as a sentence to end a message with. */
export function setAside(problems: string[]): string {
  return problems.length > 0 ? ` Some recorded contributions were set aside: ${problems.join('; ')}.` : ''
}

/**
 * The outcome of a magnitude rule that found no failing cell: pass when every magnitude cell was
 * checked (or there is none), review when some could not be.
 */
export function magnitudeVerdict(
  rule: 'dominance' | 'p-percent',
  describe: string,
  table: Table,
  found: MagnitudeEvidence
): RuleResult {
  const { usable, problems, magnitudes, uncovered } = found
  if (usable.length === 0 && problems.length === 0) {
    if (magnitudes.length === 0) {
      return result(
        rule,
        'pass',
        `Does not apply: no column holds sums or other magnitudes, and no contributions were recorded.`
      )
    }
    return result(
      rule,
      'review',
      `${columnNames(magnitudes)} ${magnitudes.length === 1 ? 'holds' : 'hold'} sums, means or other magnitudes, and the largest individual contributions to ${magnitudes.length === 1 ? 'its' : 'their'} cells were not recorded, so ${describe} cannot be checked: ask how the values were computed, or check by hand that no cell rests on one or two people.`,
      { columns: magnitudes.map((c) => c.index) }
    )
  }
  if (uncovered.length === 0 && problems.length === 0) {
    return result(
      rule,
      'pass',
      `No cell fails ${describe}: ${count(usable.length, 'cell', 'cells')} checked against recorded contributions.`
    )
  }
  const parts = [`No cell with recorded contributions fails ${describe}.`]
  if (uncovered.length > 0) {
    parts.push(
      `${count(uncovered.length, 'magnitude cell has', 'magnitude cells have')} no recorded contributions and must be checked by hand: ${cellList(table, uncovered)}.`
    )
  }
  return result(rule, 'review', parts.join(' ') + setAside(problems), { cells: uncovered })
}
