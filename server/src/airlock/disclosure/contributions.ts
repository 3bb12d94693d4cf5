import type { Column, Table } from './table.js'
import type { CellRef, Contribution, Evidence, RuleResult } from './types.js'
import { cellList, columnNames, count, examples, num, result, rowLabel, sortCells, valueName } from './wording.js'

/** The recorded contributions the magnitude rules can use, and what they leave unchecked. */
export interface MagnitudeEvidence {
  /** well-formed contributions with a positive total and no negative part, each `top` sorted largest first */
  usable: Contribution[]
  /** cells with a negative contribution: the rules cannot be evaluated on them (ACRO: review) */
  negative: Contribution[]
  /** cells whose total is 0 (every contribution 0): there is no share to compute */
  zeroTotal: Contribution[]
  /** why some recorded contributions were set aside */
  problems: string[]
  /** columns the rules must cover: sums, means and other magnitudes, and whole numbers of unknown role */
  magnitudes: Column[]
  /** maxima and minima: each cell is one individual's value, which no share can clear */
  extremes: Column[]
  /** filled cells of `magnitudes` with no usable contribution */
  uncovered: CellRef[]
}

// Rounding in the sandbox's sums must not make consistent evidence look inconsistent.
const SLACK = 1e-9

/**
 * Whole numbers whose role nothing declares: a count by its values or only by its name may as well
 * be a sum or a mean (a column named "n" can hold anything), so dominance and p-percent must decide it.
 */
export const maybeSum = (c: Column) => c.uncertain || (c.role === 'count' && !c.declared)

/** Columns dominance and p-percent must decide: magnitudes, and whole numbers that may be sums. */
export function magnitudeColumns(table: Table): Column[] {
  return table.columns.filter(
    (c) => c.kind === 'numeric' && (c.role === 'magnitude' || maybeSum(c)) && !isExtreme(c)
  )
}

const isExtreme = (c: Column) => c.aggregate === 'min' || c.aggregate === 'max'

/** Shared by n,k dominance and p-percent, so both read the evidence the same way. */
export function magnitudeEvidence(table: Table, evidence: Evidence): MagnitudeEvidence {
  const usable: Contribution[] = []
  const negative: Contribution[] = []
  const zeroTotal: Contribution[] = []
  const problems: string[] = []
  // a declared extreme may print text (first(diagnosis), arg_max(facility, cost)): one person's value all the same
  const extremes = table.columns.filter((c) => (c.kind === 'numeric' || (c.declared && c.kind === 'text')) && isExtreme(c))
  for (const c of evidence.contributions ?? []) {
    const where = `row ${c.row + 1}, column ${c.column + 1}`
    if (!Number.isInteger(c.row) || c.row < 0 || c.row >= table.rows.length) {
      problems.push(`contributions recorded for row ${c.row + 1}, which the table does not have`)
    } else if (!Number.isInteger(c.column) || c.column < 0 || c.column >= table.columns.length) {
      problems.push(`contributions recorded for column ${c.column + 1}, which the table does not have`)
    } else if (
      !Number.isFinite(c.total) ||
      c.top.length === 0 ||
      c.top.some((v) => !Number.isFinite(v)) ||
      (c.min !== undefined && !Number.isFinite(c.min))
    ) {
      problems.push(`the contributions recorded for ${where} are not all numbers`)
    } else if (extremes.some((e) => e.index === c.column)) {
      // a maximum's contributions do not make it safe: it is still one person's value
    } else {
      const top = [...c.top].sort((a, b) => b - a)
      const min = Math.min(c.min ?? Infinity, ...top)
      const sorted = { ...c, top, min }
      if (min < 0) negative.push(sorted)
      else if (top.reduce((s, v) => s + v, 0) > c.total * (1 + SLACK) + SLACK) {
        problems.push(`the largest contributions recorded for ${where} add up to more than its total`)
      } else if (c.total <= 0) zeroTotal.push(sorted)
      else usable.push(sorted)
    }
  }
  const magnitudes = magnitudeColumns(table)
  const width = table.columns.length
  const covered = new Set([...usable, ...negative, ...zeroTotal].map((c) => c.row * width + c.column))
  // row by row, then column by column, each cell once: in order as built
  const uncovered: CellRef[] = []
  for (let r = 0; r < table.rows.length; r++) {
    for (const m of magnitudes) {
      if (m.values![r] !== null && !covered.has(r * width + m.index)) uncovered.push({ row: r, column: m.index })
    }
  }
  return { usable, negative, zeroTotal, problems, magnitudes, extremes, uncovered }
}

/** Set-aside evidence, as a sentence to end a message with. */
export function setAside(problems: string[]): string {
  return problems.length > 0 ? ` Some recorded contributions were set aside: ${problems.join('; ')}.` : ''
}

const at = (table: Table, c: { row: number; column: number }) =>
  `${rowLabel(table, c.row)} ${valueName(table.columns[c.column]!)}`

/**
 * The outcome of a magnitude rule that found no failing cell: pass when every cell that may be a
 * sum or mean was checked on recorded contributions (or the table has none), review with the
 * reason for each cell that could not be.
 */
export function magnitudeVerdict(
  rule: 'dominance' | 'p-percent',
  describe: string,
  table: Table,
  found: MagnitudeEvidence
): RuleResult {
  const { usable, negative, zeroTotal, problems, magnitudes, extremes, uncovered } = found
  const reasons: string[] = []
  const cells: CellRef[] = [...uncovered]
  const columns: number[] = []
  const uncertain = magnitudes.filter(maybeSum)
  const known = magnitudes.filter((c) => !maybeSum(c))
  const open = new Set(uncovered.map((u) => u.column))
  const uncoveredIn = (cols: Column[]) => {
    const wanted = new Set(cols.map((c) => c.index))
    return uncovered.filter((u) => wanted.has(u.column))
  }
  if (uncertain.some((c) => open.has(c.index))) {
    const cols = uncertain.filter((c) => open.has(c.index))
    columns.push(...cols.map((c) => c.index))
    reasons.push(
      `${sentence(describe)} cannot be evaluated on ${columnNames(cols)}: ${cols.length === 1 ? 'it holds' : 'they hold'} whole numbers whose role was inferred, not declared, so ${cols.length === 1 ? 'it' : 'they'} may be sums or means rather than counts, and no individual contributions were recorded. Export the result from a notebook cell so that its query declares what each column computes, or check by hand that no cell rests on one or two people.`
    )
  }
  if (known.some((c) => open.has(c.index))) {
    const cols = known.filter((c) => open.has(c.index))
    columns.push(...cols.map((c) => c.index))
    const missed = uncoveredIn(known)
    const which = usable.length > 0 ? `${count(missed.length, 'cell has', 'cells have')} no recorded contributions (${cellList(table, missed)})` : `the largest individual contributions to ${cols.length === 1 ? 'its' : 'their'} cells were not recorded`
    reasons.push(
      `${sentence(describe)} cannot be evaluated on ${columnNames(cols)}, which ${cols.length === 1 ? 'holds' : 'hold'} sums, means or other magnitudes: ${which}. Ask how the values were computed, or check by hand that no cell rests on one or two people.`
    )
  }
  if (extremes.length > 0) {
    columns.push(...extremes.map((c) => c.index))
    reasons.push(
      `${columnNames(extremes)} ${extremes.length === 1 ? 'holds maxima or minima' : 'hold maxima or minima'}: each cell is one individual's own value, which no share of a total can clear. Check by hand that none identifies a person, or drop the column.`
    )
  }
  if (negative.length > 0) {
    cells.push(...negative.map((c) => ({ row: c.row, column: c.column })))
    reasons.push(
      `${sentence(describe)} cannot be evaluated on ${count(negative.length, 'cell', 'cells')} with a negative contribution (${examples(negative, (c) => `${at(table, c)}: smallest ${num(c.min!)}`)}): shares of a total mean nothing when parts are negative (ACRO sends such tables to review too). Check these cells by hand.`
    )
  }
  if (zeroTotal.length > 0) {
    cells.push(...zeroTotal.map((c) => ({ row: c.row, column: c.column })))
    reasons.push(
      `${sentence(describe)} cannot be evaluated on ${count(zeroTotal.length, 'cell', 'cells')} whose total is 0 (${examples(zeroTotal, (c) => at(table, c))}): every contribution is 0, which tells something about everyone in the group. Check by hand whether that may be shown.`
    )
  }
  if (reasons.length === 0 && problems.length === 0) {
    if (usable.length > 0) {
      return result(
        rule,
        'pass',
        `No cell fails ${describe}: ${count(usable.length, 'cell', 'cells')} checked against recorded contributions.`
      )
    }
    return result(rule, 'pass', nothingToCheck(table))
  }
  const lead = usable.length > 0 ? `No cell with recorded contributions fails ${describe}. ` : ''
  if (reasons.length === 0) reasons.push(`${sentence(describe)} could not be checked on the recorded contributions.`)
  // a column with no recorded contribution at all is at issue as a whole: named by its column, its
  // cells are not each flagged (they would hide the cells another rule flags)
  const coveredColumns = new Set([...usable, ...negative, ...zeroTotal].map((c) => c.column))
  const whole = new Set(columns.filter((c) => !coveredColumns.has(c)))
  return result(rule, 'review', lead + reasons.join(' ') + setAside(problems), {
    cells: sortCells(cells.filter((c) => !whole.has(c.column))),
    columns
  })
}

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** Why a table with no sum, mean or number of unknown role has nothing for the magnitude rules. */
function nothingToCheck(table: Table): string {
  const numeric = table.columns.filter((c) => c.kind === 'numeric')
  if (numeric.length === 0) return 'Nothing to check: the table holds no numbers, so no cell can be dominated.'
  return `Nothing to check: every numeric column is a count, a key or a statistic by its name or declaration (${columnNames(numeric)}), none a sum or mean, and no contributions were recorded.`
}
