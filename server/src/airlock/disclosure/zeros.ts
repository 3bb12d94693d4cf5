import type { AirlockParams } from './params.js'
import type { Table } from './table.js'
import { evidenceProblem } from './threshold.js'
import type { CellRef, Evidence, RuleResult } from './types.js'
import { cellList, columnNames, count, examples, result, rowLabel, rowsOf, sortCells } from './wording.js'

/**
 * Zeros: a count of 0 says that nobody in a group has an attribute, which can disclose something
 * about everyone in it. ACRO treats zeros as disclosive; the NDB rules allow them. The policy's
 * `zerosDisclosive` decides. A row the recorded query found no individuals for is a zero too.
 */
export function zerosRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const counts = table.columns.filter((c) => c.role === 'count')
  const zeros: CellRef[] = []
  for (const c of counts) {
    c.values!.forEach((v, r) => {
      if (v === 0) zeros.push({ row: r, column: c.index })
    })
  }
  const perRow = evidence.individualsPerRow
  const usable = perRow !== undefined && evidenceProblem(perRow, table.rows.length) === null
  const emptyRows = usable ? perRow.flatMap((n, r) => (n === 0 ? [r] : [])) : []

  if (!params.zerosDisclosive) {
    const found = zeros.length > 0 ? ` (${count(zeros.length, 'count cell is', 'count cells are')} 0)` : ''
    return result('zeros', 'pass', `Zeros are allowed by this policy (preset ${params.preset})${found}.`)
  }
  const numeric = table.columns.filter((c) => c.kind === 'numeric')
  if (counts.length === 0 && !usable && numeric.length === 0) {
    return result('zeros', 'pass', 'Nothing to check: the table holds no numbers, so no count can be 0.')
  }
  if (counts.length === 0 && !usable && numeric.every((c) => c.declared)) {
    return result(
      'zeros',
      'pass',
      `Nothing to check: no column counts people; the query declares what each numeric column computes (${columnNames(numeric)}).`
    )
  }
  if (counts.length === 0 && !usable) {
    return result(
      'zeros',
      'review',
      'Zeros are disclosive under this policy, and no column looks like a count, so the checker cannot tell whether any 0 counts people: check by hand.'
    )
  }
  const cells = sortCells([
    ...zeros,
    ...emptyRows.flatMap((r) => (counts.length > 0 ? counts : table.columns).map((c) => ({ row: r, column: c.index })))
  ])
  if (cells.length === 0) {
    const where = counts.length > 0 ? `${columnNames(counts)}` : 'the table'
    return result('zeros', 'pass', `No count in ${where} is 0.`)
  }
  const parts: string[] = []
  if (zeros.length > 0) {
    parts.push(
      `${count(zeros.length, 'count is', 'counts are')} 0, and zeros are disclosive under this policy (a group where nobody has an attribute tells something about everyone in it): ${cellList(table, zeros)}.`
    )
  }
  if (emptyRows.length > 0) {
    parts.push(
      `${count(emptyRows.length, 'row draws', 'rows draw')} on no individuals at all (counted from the recorded query): ${examples(emptyRows, (r) => rowLabel(table, r))}.`
    )
  }
  return result('zeros', 'fail', parts.join(' '), { cells, rows: rowsOf(cells) })
}
