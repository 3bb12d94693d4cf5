import { magnitudeEvidence, magnitudeVerdict, setAside } from './contributions.js'
import type { AirlockParams } from './params.js'
import type { Table } from './table.js'
import type { CellRef, Evidence, RuleResult } from './types.js'
import { count, examples, percent, result, rowLabel, rowsOf, sortCells, valueName } from './wording.js'

/**
 * n,k dominance: a cell of a sum or mean fails when its `n` largest contributors make up at least
 * `k` of its total, because each of them can then estimate the others' values closely. A cell with
 * fewer than `n` contributors is all top contributors, so it fails too.
 *
 * Needs the largest contributions per cell, recomputed in the sandbox; the printed table cannot
 * show them. Without them every column that may be a sum or a mean goes to review: magnitudes, and
 * whole numbers whose role nothing declares (a crosstab of sums looks like one of counts). Maxima
 * and minima, negative contributions and zero totals go to review with the reason, as in ACRO.
 * Unlike ACRO (top n share > k) a share of exactly k fails, as DISCLOSURE.md states the rule.
 */
export function dominanceRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const { n, k } = params.dominance
  const found = magnitudeEvidence(table, evidence)
  const failing: { cell: CellRef; share: number }[] = []
  for (const c of found.usable) {
    const share = c.top.slice(0, n).reduce((s, v) => s + v, 0) / c.total
    if (share >= k) failing.push({ cell: { row: c.row, column: c.column }, share })
  }
  const rule = `the n,k dominance rule (the top ${n} may make up less than ${percent(k)} of a total)`
  if (failing.length > 0) {
    failing.sort((a, b) => a.cell.row - b.cell.row || a.cell.column - b.cell.column)
    const cells = sortCells(failing.map((f) => f.cell))
    return result(
      'dominance',
      'fail',
      `${count(failing.length, 'cell is', 'cells are')} dominated by a few individuals: ${examples(failing, (f) => `in ${rowLabel(table, f.cell.row)} ${valueName(table.columns[f.cell.column]!)}, the top ${n} make up ${percent(f.share)} of the total`)}; the limit is under ${percent(k)}.${setAside(found.problems)}`,
      { cells, rows: rowsOf(cells) }
    )
  }
  return magnitudeVerdict('dominance', rule, table, found)
}
