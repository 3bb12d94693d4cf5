import type { AirlockParams } from './params.js'
import { readRatios, type ImpliedCount } from './ratios.js'
import { riskSetDrops } from './survival.js'
import type { Column, Table } from './table.js'
import { unreadNumbers } from './text-numbers.js'
import type { CellRef, Evidence, RuleResult } from './types.js'
import { cellList, columnNames, count, examples, quote, result, rowLabel, rowsOf, sortCells, valueName } from './wording.js'

/**
 * Minimum threshold: no released cell may rest on fewer than `threshold` individuals. Zero is left
 * to the zeros rule, so that a policy may allow zeros (the NDB rule bars 1 to 9, not 0).
 *
 * With `individualsPerRow` the rule counts people as the recorded query found them, whatever the
 * table prints: a row of 40 claims from 3 patients fails. The evidence only ever adds failures,
 * though: a printed count below the threshold fails even when its row draws on more individuals,
 * because a printed count can itself count people in a smaller group (8 deaths among 12 patients
 * are 8 people), and the NDB rules hide small counts of claims as well as of patients. So do the
 * counts that percentages imply (25% of 12 is 3) and the individuals recorded behind a sum's cell.
 *
 * Without evidence the rule reads the columns that look like counts. It passes only when every
 * number that may count people is known to be a count (by name or declaration) and is 0 or at least
 * the threshold; whole numbers of unknown role (possibly sums or means), percentages whose counts
 * cannot be derived, or no count at all: review, with the reason.
 */
export function thresholdRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const found = unreadNumbers(thresholdOnNumbers(table, evidence, params), table, params.threshold)
  // a cell's query whose people could not be counted: its printed counts may count records (claims,
  // visits), not people, so they prove nothing
  if (evidence.recountUnavailable !== undefined && found.outcome === 'pass') {
    return result(
      'threshold',
      'review',
      `The table came from a notebook cell's query, but the individuals behind its rows could not be counted (the reason is shown with the query). Its printed counts may count records rather than people: check each row against the threshold of ${params.threshold} individuals by hand.`
    )
  }
  return found
}

function thresholdOnNumbers(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const t = params.threshold
  const counts = table.columns.filter((c) => c.role === 'count')
  const small = smallCounts(counts, t)
  const perRow = evidence.individualsPerRow
  const problem = perRow === undefined ? null : evidenceProblem(perRow, table.rows.length)
  if (perRow !== undefined && problem !== null) {
    return result(
      'threshold',
      'review',
      `The individuals counted behind each row cannot be used: ${problem}. Check every cell against the threshold of ${t} by hand, or export the result again.`
    )
  }
  const ratios = readRatios(table, t, perRow)
  const fewCells = fewContributors(table, evidence, t)
  const drops = riskSetDrops(table, t)
  const alsoSmall = sortCells([...ratios.small.map((i) => i.cell), ...fewCells.map((f) => f.cell), ...drops.map((d) => d.cell)])
  const extra: string[] = []
  if (drops.length > 0) {
    extra.push(
      `The number at risk drops by between 1 and ${t - 1} people from one time to the next in ${count(drops.length, 'row')} (those who had the event or were censored in between): ${examples(drops, (d) => `${rowLabel(table, d.cell.row)} drops by ${d.drop}`)}.`
    )
  }
  if (ratios.small.length > 0) {
    extra.push(
      `${count(ratios.small.length, 'percentage implies', 'percentages imply')} a count between 1 and ${t - 1}: ${examples(ratios.small, (i) => describeImplied(table, i))}.`
    )
  }
  if (fewCells.length > 0) {
    extra.push(
      `${count(fewCells.length, 'cell rests', 'cells rest')} on fewer than ${t} individuals, as recorded with its contributions: ${examples(fewCells, (f) => `${rowLabel(table, f.cell.row)} ${valueName(table.columns[f.cell.column]!)} has ${f.individuals}`)}.`
    )
  }

  if (perRow !== undefined) {
    const fewRows: number[] = []
    for (let r = 0; r < perRow.length; r++) if (perRow[r]! > 0 && perRow[r]! < t) fewRows.push(r)
    const inFewRows = new Set(fewRows)
    const smallElsewhere = small.filter((c) => !inFewRows.has(c.row))
    if (fewRows.length === 0 && smallElsewhere.length === 0 && alsoSmall.length === 0) {
      if (ratios.underivable.length > 0) return underivable(ratios.underivable, t, true)
      return result(
        'threshold',
        'pass',
        `Every row draws on ${t} or more individuals (counted from the recorded query), and no printed count is between 1 and ${t - 1}.`
      )
    }
    const statistics = statisticColumns(table, counts)
    const cells = sortCells([...fewRows.flatMap((r) => statistics.map((c) => ({ row: r, column: c }))), ...small, ...alsoSmall])
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
    return result('threshold', 'fail', [...parts, ...extra].join(' '), { cells, rows: rowsOf(cells) })
  }

  if (small.length > 0 || alsoSmall.length > 0) {
    const parts =
      small.length > 0
        ? [
            `${count(small.length, 'cell counts', 'cells count')} between 1 and ${t - 1}, below the threshold of ${t}: ${cellList(table, small)}.`
          ]
        : []
    const cells = sortCells([...small, ...alsoSmall])
    return result('threshold', 'fail', [...parts, ...extra].join(' '), { cells, rows: rowsOf(cells) })
  }
  if (table.columns.every((c) => c.kind !== 'numeric')) {
    return result(
      'threshold',
      'pass',
      'Nothing to check: the table holds no numbers, so no cell counts people (whether its rows list individuals is for the row-level rule).'
    )
  }
  const uncertain = counts.filter((c) => c.uncertain)
  const reasons: string[] = []
  const columns: number[] = []
  if (uncertain.length > 0) {
    columns.push(...uncertain.map((c) => c.index))
    reasons.push(
      `No cell of ${columnNames(uncertain)} is between 1 and ${t - 1}, but nothing declares what ${uncertain.length === 1 ? 'this column holds' : 'these columns hold'}: whole numbers may be sums or means, and a mean of one person looks like a count of 1,000. Export the result from a notebook cell so that the individuals behind each row are counted, or check by hand how many people each cell rests on.`
    )
  }
  if (ratios.underivable.length > 0) {
    const r = underivable(ratios.underivable, t, false)
    columns.push(...(r.columns ?? []))
    reasons.push(r.message)
  }
  const known = counts.filter((c) => !c.uncertain)
  if (known.length === 0 && uncertain.length === 0 && !coveredByContributions(table, evidence, t)) {
    reasons.push(
      `No column looks like a count, so the checker cannot tell which numbers count people: check every cell against the threshold of ${t} by hand, or export the result from a notebook cell so that the individuals behind each row are counted.`
    )
  }
  if (reasons.length > 0) return result('threshold', 'review', reasons.join(' '), { columns })
  if (known.length === 0) {
    return result(
      'threshold',
      'pass',
      `Every cell rests on ${t} or more individuals, as recorded with its contributions, and no column counts anything else.`
    )
  }
  return result(
    'threshold',
    'pass',
    `Every count in ${columnNames(known)} is 0 or at least ${t} (read from the printed table; the individuals behind each row were not counted).`
  )
}

function underivable(columns: Column[], t: number, perRow: boolean): RuleResult {
  return result(
    'threshold',
    'review',
    `${columnNames(columns)} ${columns.length === 1 ? 'holds percentages or ratios' : 'hold percentages or ratios'} whose underlying counts cannot be derived from the table${perRow ? ' or the individuals counted behind each row' : ''}: a share of a small group (1 of 12 is 8.3%) discloses the count it hides. Add the counts beside the percentages, or check by hand that each rests on at least ${t} people.`,
    { columns: columns.map((c) => c.index) }
  )
}

function describeImplied(table: Table, i: ImpliedCount): string {
  return `${rowLabel(table, i.cell.row)} ${valueName(table.columns[i.cell.column]!)} = ${quote(table.rows[i.cell.row]![i.cell.column]!.trim())} is ${count(i.implied, 'person', 'people')} (${i.how})`
}

/** Sum-like cells whose recorded contributions come from 1 to threshold - 1 individuals. */
function fewContributors(table: Table, evidence: Evidence, t: number): { cell: CellRef; individuals: number }[] {
  const found: { cell: CellRef; individuals: number }[] = []
  for (const c of evidence.contributions ?? []) {
    const n = c.individuals
    if (n === undefined || !Number.isInteger(n) || n <= 0 || n >= t) continue
    if (c.row < 0 || c.row >= table.rows.length || c.column < 0 || c.column >= table.columns.length) continue
    found.push({ cell: { row: c.row, column: c.column }, individuals: n })
  }
  return found.sort((a, b) => a.cell.row - b.cell.row || a.cell.column - b.cell.column)
}

/** Every filled numeric cell has recorded contributions from at least `t` individuals. */
function coveredByContributions(table: Table, evidence: Evidence, t: number): boolean {
  const ok = new Set(
    (evidence.contributions ?? [])
      .filter((c) => c.individuals !== undefined && c.individuals >= t)
      .map((c) => `${c.row}:${c.column}`)
  )
  const numeric = table.columns.filter((c) => c.kind === 'numeric' && c.role !== 'key')
  if (numeric.length === 0 || ok.size === 0) return false
  return numeric.every((c) => c.values!.every((v, r) => v === null || ok.has(`${r}:${c.index}`)))
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
