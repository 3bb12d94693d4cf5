import { catalogFindings } from './catalog.js'
import type { AirlockParams } from './params.js'
import { codeLikeValues } from './roles.js'
import { identifierLikeName, type Table } from './table.js'
import type { Evidence, Outcome, RuleResult } from './types.js'
import { columnName, count, examples, quote, result } from './wording.js'

/**
 * Row-level data: an output must be an aggregate, never individual records.
 * - fail: a column looks like an identifier (a pseudonymized ID names one individual per row);
 * - review: a column is named like an identifier and has many distinct values though some repeat
 *   (records per visit or per claim); more rows than `rowLevel.reviewAboveRows`; or no column
 *   aggregates anything and the rows are mostly distinct (a list of records).
 * With the datasets' catalog: a column the catalog marks as an identifier fails whatever else the
 * table holds, and rows keyed by quasi-identifiers fail unless the individuals counted behind every
 * row reach the threshold (then the threshold rule decides).
 */
export function rowLevelRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  const findings: { outcome: Outcome; text: string; columns: number[] }[] = catalogFindings(table, evidence, params)
  const rows = table.rows.length
  const marked = new Set(findings.flatMap((f) => f.columns))

  const ids = table.columns.filter((c) => c.role === 'identifier' && !marked.has(c.index))
  for (const c of ids) {
    findings.push({
      outcome: 'fail',
      text: `${columnName(c)} looks like an identifier (${c.why}: ${c.distinct} distinct in ${c.filled} filled rows): an output that names individuals is row-level data and cannot leave; aggregate it, or drop the column.`,
      columns: [c.index]
    })
  }
  const repeated = table.columns.filter(
    (c) => c.role !== 'identifier' && c.role !== 'count' && identifierLikeName(c.name) && c.distinct >= params.threshold
  )
  for (const c of repeated) {
    findings.push({
      outcome: 'review',
      text: `${columnName(c)} is named like an identifier and has ${c.distinct} distinct values: the rows may be records per individual, visit or claim.`,
      columns: [c.index]
    })
  }
  // whatever its name says: a column of distinct code-like values (p2b9ux, 100234) in many rows may be
  // a renamed person key; a code per group (ICD, fee schedule) is declared a key by its query
  const coded = table.columns.filter(
    (c) =>
      c.kind === 'text' &&
      !c.declared &&
      !marked.has(c.index) &&
      c.role !== 'identifier' &&
      !repeated.includes(c) &&
      c.filled >= params.threshold &&
      c.distinct / c.filled >= MOSTLY_DISTINCT &&
      codeLikeValues(c, table.rows)
  )
  for (const c of coded) {
    findings.push({
      outcome: 'review',
      text: `${columnName(c)} holds ${c.distinct} distinct code-like values in ${c.filled} rows: if they are person keys, however the column is named, the rows are individuals. Check what the codes are.`,
      columns: [c.index]
    })
  }
  if (rows > params.rowLevel.reviewAboveRows) {
    findings.push({
      outcome: 'review',
      text: `The table has ${rows} rows, more than the ${params.rowLevel.reviewAboveRows} above which an output is looked at as possible individual records.`,
      columns: []
    })
  }
  // a column that holds one value in every row aggregates nothing: 500 records beside a constant mean are records
  const aggregates = table.columns.some(
    (c) => (c.role === 'count' || c.role === 'magnitude' || c.role === 'statistic') && (c.distinct > 1 || rows < 2)
  )
  if (!aggregates && ids.length === 0 && marked.size === 0 && rows >= params.threshold) {
    const distinct = new Set(table.rows.map((r) => r.join('\u0000'))).size
    if (distinct / rows >= MOSTLY_DISTINCT) {
      findings.push({
        outcome: 'review',
        text: `No column counts or sums anything and ${distinct} of the ${rows} rows are distinct: the table looks like a list of records rather than an aggregate.`,
        columns: []
      })
    }
  }
  if (findings.length === 0) {
    return result(
      'row-level',
      'pass',
      `The table looks like an aggregate: no identifier column${evidence.catalog !== undefined ? ' (none of the datasets\' catalog marks either)' : ''}, ${count(rows, 'row')}.`
    )
  }
  const outcome: Outcome = findings.some((f) => f.outcome === 'fail') ? 'fail' : 'review'
  return result('row-level', outcome, findings.map((f) => f.text).join(' '), {
    columns: findings.flatMap((f) => f.columns)
  })
}

const MOSTLY_DISTINCT = 0.9

/**
 * Row-level data in text output (a printed data frame, a log): review when a line names an
 * identifier column, when pseudonym-like codes appear, or when the text is longer than
 * `rowLevel.reviewAboveRows` lines. Never fail: text mentions identifiers innocently too.
 */
export function rowLevelTextRule(text: string, _evidence: Evidence, params: AirlockParams): RuleResult {
  const lines = text.split(/\r?\n/)
  if (lines.at(-1) === '') lines.pop()
  const findings: string[] = []
  const flagged = new Set<number>()

  const idLines: { line: number; token: string }[] = []
  const codes = new Map<string, number>()
  lines.forEach((line, i) => {
    const token = line.split(/[\s,|;:]+/).find((t) => t !== '' && identifierLikeName(t))
    if (token !== undefined) idLines.push({ line: i, token })
    for (const m of line.matchAll(PSEUDONYM)) if (/\d/.test(m[0]) && !codes.has(m[0])) codes.set(m[0], i)
  })
  if (idLines.length > 0) {
    idLines.forEach((f) => flagged.add(f.line))
    findings.push(
      `${count(idLines.length, 'line names', 'lines name')} an identifier: ${examples(idLines, (f) => `line ${f.line + 1} "${quote(f.token)}"`)}; if it is a printed table of individuals, it cannot leave.`
    )
  }
  if (codes.size >= MIN_CODES) {
    for (const line of codes.values()) flagged.add(line)
    findings.push(
      `${codes.size} distinct codes look like pseudonymized IDs (${examples([...codes.keys()], (c) => quote(c))}): check that no individual is listed.`
    )
  }
  const listing = recordListing(lines, params.threshold)
  if (listing !== null) {
    for (let i = listing.first; i < listing.first + listing.rows; i++) flagged.add(i)
    findings.push(
      `Lines ${listing.first + 1} to ${listing.first + listing.rows} read as a table of ${listing.rows} rows of ${listing.fields} fields, ${listing.distinct} of them distinct, with no decimal in any field: it looks like a list of records rather than an aggregate. If the rows are individuals (ids, sex, birth dates, places), it cannot leave.`
    )
  }
  if (lines.length > params.rowLevel.reviewAboveRows) {
    findings.push(
      `The text has ${lines.length} lines, more than the ${params.rowLevel.reviewAboveRows} above which an output is looked at as possible individual records.`
    )
  }
  if (findings.length === 0) {
    return result('row-level', 'pass', 'No identifier, pseudonym-like code or long listing was found in the text.')
  }
  return result('row-level', 'review', findings.join(' '), { rows: [...flagged].sort((a, b) => a - b) })
}

// Upper-case letters and digits as pseudonymizers print them (the demo data's `P0A1B2C3D4E5F`).
const PSEUDONYM = /\b[A-Z]{0,2}[0-9A-F]{10,64}\b/g
const MIN_CODES = 3

/**
 * The longest run of consecutive lines that split into the same number (3 or more) of fields, when
 * it has at least `threshold` rows, none holds a decimal number (a statistic) and the rows are
 * mostly distinct: a printed listing of records (an id, a sex, a birth month, a place per line).
 */
function recordListing(
  lines: string[],
  threshold: number
): { first: number; rows: number; fields: number; distinct: number } | null {
  let best: { first: number; rows: number; fields: number } | null = null
  let first = 0
  let fields = -1
  const width = (line: string) => line.trim().split(/[\s,|;]+/).filter((f) => f !== '').length
  for (let i = 0; i <= lines.length; i++) {
    const n = i < lines.length ? width(lines[i]!) : -1
    if (n === fields) continue
    if (fields >= 3 && i - first > (best?.rows ?? 0)) best = { first, rows: i - first, fields }
    first = i
    fields = n
  }
  if (best === null || best.rows < threshold) return null
  const block = lines.slice(best.first, best.first + best.rows)
  if (block.some((line) => DECIMAL.test(line))) return null
  const distinct = new Set(block.map((l) => l.trim())).size
  return distinct / best.rows >= MOSTLY_DISTINCT ? { ...best, distinct } : null
}

const DECIMAL = /(^|[^\d.-])-?\d+\.\d+(?![\d.-])/
