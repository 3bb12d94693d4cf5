import type { AirlockParams } from './params.js'
import type { Column, Table } from './table.js'
import type { CellRef, EarlierRelease, Evidence, RuleResult } from './types.js'
import { count, examples, quote, result, rowLabel, rowsOf, sortCells, valueName } from './wording.js'

/**
 * Differencing: two releases that are each safe can together reveal a small group, by
 * subtraction. The rule compares the output with each earlier release of the project that has a
 * table with the same column names (in any order), matching rows by their group keys (the
 * columns that are neither counts, magnitudes nor statistics), and fails on:
 *
 * 1. The same group, different counts: a count column differs by more than 0 and less than the
 *    threshold for a group present in both (a cohort re-run with a few people more or fewer; a
 *    one-row total of two overlapping cohorts; a "Total" row of both).
 * 2. One group more, a total that gives it away: the releases' groups differ by exactly one, that
 *    group's count is not printed where it appears (suppressed or blank), and the totals of the two
 *    releases differ by more than 0 and less than the threshold. A release's total is its total
 *    row ("Total", "合計", "全国", ...) or, without one, the sum of its groups' counts. The
 *    difference is then the hidden group's count.
 *
 * Only counts are compared, and only printed numbers: what an earlier release showed is all an
 * outsider holds. Rows whose keys repeat within a table are ambiguous and not compared; a table
 * with no key column is compared only when both releases have a single row.
 */
export function differencingRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const t = params.threshold
  const earlier = (evidence.earlierReleases ?? []).filter((e) => e.table !== undefined)
  if (earlier.length === 0) {
    return result('differencing', 'pass', 'No earlier release of this project has a table to compare with.')
  }
  const comparable = earlier.filter((e) => sameColumns(table, e.table!))
  if (comparable.length === 0) {
    return result(
      'differencing',
      'pass',
      `None of the ${count(earlier.length, 'earlier table')} has the same columns as this one, so no difference between them is a group.`
    )
  }
  const counts = table.columns.filter((c) => c.role === 'count')
  if (counts.length === 0) {
    return result(
      'differencing',
      'review',
      `${releaseNames(comparable)} ${comparable.length === 1 ? 'has' : 'have'} the same columns as this table, but no column looks like a count, so the checker cannot tell whether the two differ by a small group: compare them by hand.`
    )
  }

  // Both tables are grouped by this table's key columns, so a column read differently in the
  // earlier table cannot make groups that never match.
  const keys = table.columns
    .filter((c) => c.role === 'key' || c.role === 'identifier')
    .map((c) => c.name)
    .sort()
  const findings: { cells: CellRef[]; text: string }[] = []
  const here = groupsOf(table, keys)
  for (const release of comparable) {
    const there = groupsOf(release.table!, keys)
    for (const column of counts) {
      const other = release.table!.columns.find((c) => c.name === column.name)!
      findings.push(...sameGroup(table, here, release, there, column, other, t))
      const hidden = oneGroupMore(table, here, release, there, column, other, t)
      if (hidden !== null) findings.push(hidden)
    }
  }
  if (findings.length === 0) {
    return result(
      'differencing',
      'pass',
      `Compared with ${releaseNames(comparable)}: no count differs by between 1 and ${t - 1}, and no hidden group can be recovered from the totals.`
    )
  }
  const cells = sortCells(findings.flatMap((f) => f.cells))
  return result(
    'differencing',
    'fail',
    `Subtracting an earlier release from this one reveals a group of fewer than ${t}: ${examples(findings, (f) => f.text)}.`,
    { cells, rows: rowsOf(cells), columns: cells.length === 0 ? counts.map((c) => c.index) : [] }
  )
}

interface Groups {
  /** group key → data row, for keys that occur once */
  rows: Map<string, number>
  /** the single total row, if the table has exactly one */
  total: number | null
  /** the table has no key columns and a single row: that row is the one group */
  keyless: boolean
}

const TOTAL = /^(total|totals|all|overall|grand total|合計|総数|総計|計|全体|全国)$/i

function groupsOf(table: Table, keyNames: string[]): Groups {
  const keys = keyNames.map((name) => table.columns.find((c) => c.name === name)!)
  const rows = new Map<string, number>()
  if (keys.length === 0) {
    if (table.rows.length === 1) rows.set('', 0)
    return { rows, total: null, keyless: true }
  }
  const repeated = new Set<string>()
  const totals: number[] = []
  table.rows.forEach((row, r) => {
    const values = keys.map((c) => row[c.index]!.trim())
    if (values.some((v) => TOTAL.test(v))) {
      totals.push(r)
      return
    }
    const key = keys.map((c, i) => `${c.name}=${values[i]}`).join('\u0000')
    if (rows.has(key)) repeated.add(key)
    rows.set(key, r)
  })
  for (const key of repeated) rows.delete(key)
  return { rows, total: totals.length === 1 ? totals[0]! : null, keyless: false }
}

type Finding = { cells: CellRef[]; text: string }

function sameGroup(
  table: Table,
  here: Groups,
  release: EarlierRelease,
  there: Groups,
  column: Column,
  other: Column,
  t: number
): Finding[] {
  const pairs: [number, number][] = []
  for (const [key, r] of here.rows) {
    const s = there.rows.get(key)
    if (s !== undefined) pairs.push([r, s])
  }
  if (here.total !== null && there.total !== null) pairs.push([here.total, there.total])
  const findings: Finding[] = []
  for (const [r, s] of pairs) {
    const a = column.values![r]
    const b = other.values?.[s]
    if (a === null || a === undefined || b === null || b === undefined) continue
    const d = Math.abs(a - b)
    if (d > 0 && d < t) {
      findings.push({
        cells: [{ row: r, column: column.index }],
        text: `${rowLabel(table, r)} ${valueName(column)} is ${a} here and ${b} in "${quote(release.name)}", a difference of ${d}`
      })
    }
  }
  return findings
}

function oneGroupMore(
  table: Table,
  here: Groups,
  release: EarlierRelease,
  there: Groups,
  column: Column,
  other: Column,
  t: number
): Finding | null {
  // Two total rows are compared as one group already.
  if (here.keyless || there.keyless || (here.total !== null && there.total !== null)) return null
  const onlyHere = [...here.rows.keys()].filter((k) => !there.rows.has(k))
  const onlyThere = [...there.rows.keys()].filter((k) => !here.rows.has(k))
  if (onlyHere.length + onlyThere.length !== 1) return null
  const extra = onlyHere[0] ?? onlyThere[0]!
  const extraPrinted =
    onlyHere.length === 1 ? column.values![here.rows.get(extra)!] : other.values?.[there.rows.get(extra)!]
  // A printed count is no secret: the threshold rule judges it where it appears.
  if (extraPrinted !== null && extraPrinted !== undefined) return null
  const a = totalOf(here, column)
  const b = totalOf(there, other)
  if (a === null || b === null) return null
  const d = Math.abs(a - b)
  if (d === 0 || d >= t) return null
  const group = extra
    .split('\u0000')
    .map((part) => {
      const at = part.indexOf('=')
      return `${quote(part.slice(0, at))} ${quote(part.slice(at + 1))}`
    })
    .join(', ')
  const cells: CellRef[] =
    onlyHere.length === 1
      ? [{ row: here.rows.get(extra)!, column: column.index }]
      : here.total !== null
        ? [{ row: here.total, column: column.index }]
        : []
  return {
    cells,
    text: `the ${quote(column.name) || 'count'} totals differ by ${d} between this table and "${quote(release.name)}", whose groups differ only by ${group}, so that group's hidden count is ${d}`
  }
}

/** The total row's count, or the sum of the groups' counts when every one is printed. */
function totalOf(groups: Groups, column: Column): number | null {
  const values = column.values ?? []
  if (groups.total !== null) return values[groups.total] ?? null
  let sum = 0
  for (const r of groups.rows.values()) {
    const v = values[r]
    if (v === null || v === undefined) return null
    sum += v
  }
  return sum
}

function sameColumns(a: Table, b: Table): boolean {
  if (a.columns.length !== b.columns.length) return false
  const names = new Set(b.columns.map((c) => c.name))
  return a.columns.every((c) => names.has(c.name))
}

function releaseNames(releases: EarlierRelease[]): string {
  return examples(releases, (r) => `"${quote(r.name)}"`)
}
