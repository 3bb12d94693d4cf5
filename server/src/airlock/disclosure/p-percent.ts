import { magnitudeEvidence, magnitudeVerdict, setAside } from './contributions.js'
import type { AirlockParams } from './params.js'
import type { Table } from './table.js'
import type { CellRef, Evidence, RuleResult } from './types.js'
import { count, examples, num, percent, result, rowLabel, rowsOf, sortCells, valueName } from './wording.js'

/**
 * p-percent: the second-largest contributor to a sum knows the total and their own value, so they
 * can estimate the largest to within the rest, `total - top1 - top2`. The cell fails when that
 * rest is less than `p` of the largest contribution. With one or two contributors the rest is 0,
 * so the cell always fails. A rule with p = 0 never fails.
 *
 * A cell whose total is 0 (every contribution 0) fails where zeros are disclosive, as in ACRO
 * (its p-ratio check returns "zeros are disclosive" for such a cell), and goes to review otherwise.
 */
export function pPercentRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const p = params.pPercent
  const found = magnitudeEvidence(table, evidence)
  const failing: { cell: CellRef; ratio: number; zero?: true }[] = []
  const zeros = params.zerosDisclosive && p > 0 ? found.zeroTotal : []
  for (const c of zeros) failing.push({ cell: { row: c.row, column: c.column }, ratio: 0, zero: true })
  if (zeros.length > 0) found.zeroTotal = []
  for (const c of found.usable) {
    const top1 = c.top[0] ?? 0
    if (top1 <= 0) continue
    const rest = c.total - top1 - (c.top[1] ?? 0)
    if (p > 0 && rest < p * top1)
      failing.push({ cell: { row: c.row, column: c.column }, ratio: Math.max(0, rest) / top1 })
  }
  const describe = `the p-percent rule (p = ${num(p)}: the rest of a total beyond its two largest contributions must be at least ${percent(p)} of the largest)`
  if (failing.length > 0) {
    failing.sort((a, b) => a.cell.row - b.cell.row || a.cell.column - b.cell.column)
    const cells = sortCells(failing.map((f) => f.cell))
    return result(
      'p-percent',
      'fail',
      `${count(failing.length, 'cell lets', 'cells let')} the second-largest contributor estimate the largest closely: ${examples(failing, (f) => `in ${rowLabel(table, f.cell.row)} ${valueName(table.columns[f.cell.column]!)}, ${f.zero ? 'the total is 0' : `the rest is ${percent(f.ratio)} of the largest`}`)}; the rule needs at least ${percent(p)}.${zeros.length > 0 ? ` A total of 0 means every contribution is 0, and zeros are disclosive under this policy.` : ''}${setAside(found.problems)}`,
      { cells, rows: rowsOf(cells) }
    )
  }
  return magnitudeVerdict('p-percent', describe, table, found)
}
