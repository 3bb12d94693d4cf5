import { missing, normalized } from './cells.js'
import { keyLikeName } from './roles.js'
import type { Column, Table } from './table.js'
import type { RuleResult } from './types.js'
import { columnNames, result } from './wording.js'

// A cell that starts with a number: "3", "3 people", "n=3" after its prefix, "1,2". Age bands and
// open ranges ("40-49", "90+") are labels.
const NUMBER_FIRST = /^(?:n\s*=\s*)?[+-]?\.?\d/i
const LABEL = /^\d+\s*(?:[-~〜]\s*\d+|\+)$/

/**
 * Text columns that hold numbers: one line of text under a column of counts (a footnote, "see
 * text", a unit written into each cell) makes the whole column text, which no numeric rule reads.
 * Columns declared or named as group keys are labels; identifiers are for the row-level rule.
 */
export function numbersInText(table: Table): Column[] {
  return table.columns.filter(
    (c) =>
      c.kind === 'text' &&
      !c.declared &&
      c.role !== 'identifier' &&
      !keyLikeName(c.name) &&
      table.rows.some((r) => {
        const s = normalized(r[c.index] ?? '')
        return !missing(s) && NUMBER_FIRST.test(s) && !LABEL.test(s)
      })
  )
}

/** A pass of the threshold rule holds only if no numbers were left unread in text columns. */
export function unreadNumbers(passed: RuleResult, table: Table, threshold: number): RuleResult {
  const hidden = numbersInText(table)
  if (passed.outcome !== 'pass' || hidden.length === 0) return passed
  return result(
    'threshold',
    'review',
    `${columnNames(hidden)} ${hidden.length === 1 ? 'holds' : 'hold'} numbers among text (a note, a unit or a mark in some cells), so ${hidden.length === 1 ? 'its' : 'their'} numbers were read as labels and not checked: any of them may count fewer than ${threshold} people. Put notes outside the table and numbers alone in their cells, or check each number by hand.`,
    { columns: hidden.map((c) => c.index) }
  )
}
