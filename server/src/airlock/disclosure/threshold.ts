import type { AirlockParams } from './params.js'
import type { Column, Table } from './table.js'
import type { CellRef, Evidence, RuleResult } from './types.js'
import { cellList, columnNames, count, examples, result, rowLabel, rowsOf, sortCells } from './wording.js'

/**
 * Minimum threshold: no released cell may rest on fewer than `threshold` individuals. Zero is left
 * to the zeros rule, so that a policy may allow zeros (the NDB rule bars 1 to 9, not 0).
 *
 * With `individualsPerRow` the rule counts people as the recorded query found them, whatever the
 * table prints: a row of 40 claims from 3 patients fails. The evidence only ever adds failures,
 * though: a printed count below the threshold fails even when its row draws on more individuals,
 * because a printed count can itself count people in a smaller group (8 deaths among 12 patients
 * are 8 people), and the NDB rules hide small counts of claims as well as of patients.
 *
 * Without evidence the rule reads the columns that look like counts. When none does, it cannot tell
 * which numbers count people, and asks for review rather than pass.
 */
export function thresholdRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const t = params.threshold
  const counts = table.columns.filter((c) => c.role === 'count')
  const small = smallCounts(counts, t)
  const perRow = evidence.individualsPerRow

  if (perRow !== undefined) {
    const problem = evidenceProblem(perRow, table.rows.length)
    if (problem !== null) {
      return result(
        'threshold',
        'review',
        `The individuals counted behind each row cannot be used: ${problem}. Check every cell against the threshold of ${t} by hand, or export the result again.`
      )
    }
    const fewRows: number[] = []
    for (let r = 0; r < perRow.length; r++) if (perRow[r]! > 0 && perRow[r]! < t) fewRows.push(r)
    const inFewRows = new Set(fewRows)
    const smallElsewhere = small.filter((c) => !inFewRows.has(c.row))
    if (fewRows.length === 0 && smallElsewhere.length === 0) {
      return result(
        'threshold',
        'pass',
        `Every row draws on ${t} or more individuals (counted from the recorded query), and no printed count is between 1 and ${t - 1}.`
      )
    }
    const statistics = statisticColumns(table, counts)
    const cells = sortCells([...fewRows.flatMap((r) => statistics.map((c) => ({ row: r, column: c }))), ...small])
    const parts: string[] = []
    if (fewRows.length > 0) {
      parts.push(
        `${count(fewRows.length, 'row draws', 'rows draw')} on fewer than ${t} individuals, counted from the recorded query whatever the table prints: ${examples(fewRows, (r) => `${rowLabel(table, r)} has ${perRow[r]}`)}.`
      )
    }
    if (smallElsewhere.length > 0) {
      parts.push(
        `${count(smallElsewhere.length, 'printed count is', 'printed counts are')} between 1 and ${t - 1} although ${smallElsewhere.length === 1 ? 'its row draws' : 'their rows draw'} on ${t} or more individuals; a printed count can itself count people in a smaller group, so it is held to the threshold too: ${cellList(table, smallElsewhere)}.`
      )
    }
    return result('threshold', 'fail', parts.join(' '), { cells, rows: rowsOf(cells) })
  }

  if (counts.length === 0) {
    return result(
      'threshold',
      'review',
      `No column looks like a count, so the checker cannot tell which numbers count people: check every cell against the threshold of ${t} by hand, or export the result from a notebook cell so that the individuals behind each row are counted.`
    )
  }
  if (small.length === 0) {
    return result(
      'threshold',
      'pass',
      `Every count in ${columnNames(counts)} is 0 or at least ${t} (read from the printed table; the individuals behind each row were not counted).`
    )
  }
  return result(
    'threshold',
    'fail',
    `${count(small.length, 'cell counts', 'cells count')} between 1 and ${t - 1}, below the threshold of ${t}: ${cellList(table, small)}.`,
    { cells: small, rows: rowsOf(small) }
  )
}

function smallCounts(counts: Column[], t: number): CellRef[] {
  const cells: CellRef[] = []
  for (const c of counts) {
    const values = c.values ?? []
    for (let r = 0; r < values.length; r++) {
      const v = values[r]
      if (v !== null && v !== undefined && v > 0 && v < t) cells.push({ row: r, column: c.index })
    }
  }
  return sortCells(cells)
}

/** The cells to mark in a row that rests on too few individuals: its numbers, or all of it. */
function statisticColumns(table: Table, counts: Column[]): number[] {
  if (counts.length > 0) return counts.map((c) => c.index)
  const numbers = table.columns.filter((c) => c.role === 'magnitude' || c.role === 'statistic')
  return (numbers.length > 0 ? numbers : table.columns).map((c) => c.index)
}

export function evidenceProblem(perRow: number[], rows: number): string | null {
  if (perRow.length !== rows) return `they cover ${perRow.length} rows but the table has ${rows}`
  const bad = perRow.findIndex((n) => !Number.isInteger(n) || n < 0)
  return bad === -1 ? null : `the count for row ${bad + 1} is ${perRow[bad]}, not a whole number of people`
}
