import type { Evidence, RuleResult } from './types.js'
import { quote, result } from './wording.js'

const TABLE_TYPES = ['csv', 'tsv']

function stem(name: string): string {
  const base = (name.split('/').at(-1) ?? name).toLowerCase()
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(0, dot) : base
}

/**
 * Images: the checker cannot read numbers off a figure, so a figure needs its underlying table,
 * checked with it. A PNG or JPEG passes when the same request holds a CSV or TSV of the same name
 * (`age.png` with `age.csv`); otherwise it goes to review, asking for the table. A PDF cannot be
 * read at all and always goes to review.
 */
export function imagesRule(name: string, evidence: Evidence): RuleResult {
  if (name.toLowerCase().endsWith('.pdf')) {
    return result(
      'images',
      'review',
      `"${quote(name)}" is a PDF, which the checker cannot read: read every page, and ask for the table behind any figure or number in it.`
    )
  }
  const table = (evidence.requestFiles ?? []).find((f) => {
    const lower = f.toLowerCase()
    return stem(f) === stem(name) && TABLE_TYPES.some((t) => lower.endsWith(`.${t}`))
  })
  if (table !== undefined) {
    return result(
      'images',
      'pass',
      `The figure's table "${quote(table)}" is in the same request and is checked with it; check that the figure shows nothing the table does not.`
    )
  }
  return result(
    'images',
    'review',
    `"${quote(name)}" is a figure without its underlying table: the checker cannot read numbers off an image, so ask for the table (as ${quote(stem(name))}.csv in the same request) and check the figure by eye.`
  )
}
