import type { AirlockParams } from './params.js'
import type { Table } from './table.js'
import { evidenceProblem } from './threshold.js'
import type { Evidence, Outcome } from './types.js'
import { columnNames, examples, rowLabel } from './wording.js'

/**
 * Row-level findings from the datasets' catalog, which marks the columns that identify a person
 * (the pseudonymized person key, a claim id) and those that single people out in combination
 * (birth month, sex, prefecture, insurer). A column is matched by its name, ignoring case, spaces
 * and a table prefix (`claims.person_key`).
 */
export function catalogFindings(
  table: Table,
  evidence: Evidence,
  params: AirlockParams
): { outcome: Outcome; text: string; columns: number[] }[] {
  const catalog = evidence.catalog
  if (catalog === undefined) return []
  const identifiers = new Set(catalog.identifiers.map(canonical))
  const quasi = new Set(catalog.quasiIdentifiers.map(canonical))
  const findings: { outcome: Outcome; text: string; columns: number[] }[] = []

  const ids = table.columns.filter((c) => identifiers.has(canonical(c.name)) && c.kind !== 'empty')
  if (ids.length > 0) {
    findings.push({
      outcome: 'fail',
      text: `${columnNames(ids)} ${ids.length === 1 ? 'is' : 'are'} marked in the datasets' catalog as ${ids.length === 1 ? 'an identifier' : 'identifiers'}: a table that carries ${ids.length === 1 ? 'it' : 'them'} is individual-level data, whatever else it holds, and cannot leave. Aggregate it, or drop the ${ids.length === 1 ? 'column' : 'columns'}.`,
      columns: ids.map((c) => c.index)
    })
  }
  const keys = table.columns.filter((c) => quasi.has(canonical(c.name)) && c.kind !== 'empty' && !ids.includes(c))
  if (keys.length > 0 && table.rows.length > 0) {
    const shortfall = quasiShortfall(table, evidence, params.threshold)
    if (shortfall !== null) {
      const printed = evidence.individualsPerRow === undefined ? printedCountsAtLeast(table, params.threshold) : false
      // one quasi-identifier with a printed count of at least the threshold in every row is an
      // ordinary frequency table: the threshold rule reads it. Several in combination need proof.
      if (!(printed && keys.length === 1)) {
        findings.push({
          outcome: printed ? 'review' : 'fail',
          text: printed
            ? `The rows are keyed by ${columnNames(keys)}, which the datasets' catalog marks as quasi-identifiers: in combination they can single a person out. The printed counts say every row has at least ${params.threshold}, but ${shortfall} Check that the counts are of people, or export the result from a notebook cell so that they are recounted.`
            : `The rows are keyed by ${columnNames(keys)}, which the datasets' catalog marks as quasi-identifiers: in combination they can single a person out, so each row must rest on at least ${params.threshold} individuals, and ${shortfall} Export the result from a notebook cell so that the individuals behind each row are counted, or group more coarsely.`,
          columns: keys.map((c) => c.index)
        })
      }
    }
  }
  return findings
}

/** Every row prints a count of at least `t` in some count column (printed, so not proven). */
function printedCountsAtLeast(table: Table, t: number): boolean {
  const counts = table.columns.filter((c) => c.role === 'count' && c.values !== null)
  return (
    counts.length > 0 &&
    table.rows.every((_, r) => counts.some((c) => c.values![r] !== null && c.values![r]! >= t))
  )
}

/** Why the rows keyed by quasi-identifiers are not shown to rest on enough people, or null when they are. */
function quasiShortfall(table: Table, evidence: Evidence, t: number): string | null {
  const perRow = evidence.individualsPerRow
  if (perRow === undefined) return 'the individuals behind each row were not counted.'
  const problem = evidenceProblem(perRow, table.rows.length)
  if (problem !== null) return `the individuals counted behind each row cannot be used: ${problem}.`
  const few = perRow.flatMap((n, r) => (n > 0 && n < t ? [r] : []))
  if (few.length === 0) return null
  return `${few.length === 1 ? 'a row draws' : `${few.length} rows draw`} on fewer: ${examples(few, (r) => `${rowLabel(table, r)} has ${perRow[r]}`)}.`
}

/** A column name as the catalog is matched: lower case, no spaces or table prefix, NFKC. */
export function canonical(name: string): string {
  const n = name.normalize('NFKC').trim().toLowerCase()
  return n.slice(n.lastIndexOf('.') + 1).replace(/[\s_-]+/g, '_')
}
