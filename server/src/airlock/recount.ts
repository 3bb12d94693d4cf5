import { Type } from 'typebox'
import { Value } from 'typebox/value'
import { runInSandbox, SANDBOX_CHECK_USER, type SandboxDriver } from '../sandbox/driver.js'
import type { Table } from './disclosure/table.js'
import type { Contribution, DeclaredRole } from './disclosure/types.js'
import { quote } from './disclosure/wording.js'

/** The column that names a pseudonymized individual in the project's datasets (see the catalog). */
export const PERSON_COLUMN = 'person_id'

const ROLES = ['key', 'count', 'sum', 'mean', 'min', 'max', 'statistic', 'identifier'] as const satisfies DeclaredRole[]
const Strict = { additionalProperties: false }
const Finite = Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE })
const Recounted = Type.Union([
  Type.Object(
    {
      ok: Type.Literal(true),
      columns: Type.Array(Type.String()),
      rows: Type.Array(Type.Array(Type.String())),
      individuals: Type.Array(Type.Integer({ minimum: 0 })),
      person: Type.String(),
      roles: Type.Array(Type.Union([...ROLES.map((r) => Type.Literal(r)), Type.Null()])),
      contributions: Type.Array(
        Type.Object(
          {
            row: Type.Integer({ minimum: 0 }),
            column: Type.Integer({ minimum: 0 }),
            top: Type.Array(Finite, { minItems: 1, maxItems: 2 }),
            total: Finite,
            min: Finite,
            individuals: Type.Integer({ minimum: 1 })
          },
          Strict
        )
      ),
      contributionsUnavailable: Type.Optional(Type.String()),
      ms: Type.Number({ minimum: 0 })
    },
    Strict
  ),
  Type.Object({ ok: Type.Literal(false), reason: Type.String() }, Strict)
])

/** What a recount found, row by row of the table, or why there is none. */
export type RecountResult =
  | {
      individualsPerRow: number[]
      person: string
      ms: number
      /** what each column computes, by column name, as the query says */
      declaredRoles: Record<string, DeclaredRole>
      /** each individual's part in the table's sums, means, minima and maxima (rows and columns of the table) */
      contributions: Contribution[]
      /** why some magnitude columns have no contributions */
      contributionsUnavailable?: string
    }
  | { unavailable: string }

/**
 * The most of a reason a recount could not be used that is kept, in characters. The reason can
 * quote what the replayed query printed (DuckDB's error for `SELECT error(<data>)` is the data),
 * and it is stored with the request and shown to its reviewers.
 */
export const REASON_MAX = 300

/** A recount that could not be used, its reason bounded. */
export function unavailable(reason: string): { unavailable: string } {
  return { unavailable: quote(reason, REASON_MAX) }
}

/**
 * Counts the distinct individuals behind each row of a CSV a notebook cell sent to the outbox, by
 * running the cell's recorded query again inside the requester's sandbox (`vre-recount`) with a
 * count of distinct persons added, then matching its rows to the CSV's by their printed text.
 * It also returns what each column computes (read from the query's syntax tree) and, for sums,
 * means, minima and maxima, each cell's individual contributions (top two, total, smallest).
 * The caller binds the CSV to the query (the export that wrote it). The recount runs as the
 * sandbox's check account, which can write neither the datasets nor the researcher's files, on a
 * read-only database with file access off; its answer is still checked strictly, and anything
 * unexpected makes it unavailable (the checks then ask for review), never a pass.
 */
export async function recountIndividuals(
  driver: SandboxDriver,
  sandboxId: string,
  source: string,
  table: Table,
  identifiers: readonly string[] = [PERSON_COLUMN]
): Promise<RecountResult> {
  const run = await runInSandbox(driver, sandboxId, {
    cmd: ['vre-recount'],
    // not as the researcher, who could otherwise write a forged answer into its output as it runs
    user: SANDBOX_CHECK_USER,
    input: JSON.stringify({ source, personColumn: PERSON_COLUMN, identifiers })
  })
  let out: unknown
  try {
    out = JSON.parse(run.stdout)
  } catch {
    return unavailable(`the recount did not answer (exit ${run.exitCode}): ${run.stderr.slice(-REASON_MAX)}`)
  }
  if (!Value.Check(Recounted, out)) return unavailable('the recount answered something unexpected')
  if (!out.ok) return unavailable(out.reason)
  const rowsOk = out.rows.length === out.individuals.length && out.rows.every((r) => r.length === out.columns.length)
  const cellsOk = out.contributions.every((c) => c.row < out.rows.length && c.column < out.columns.length)
  if (!rowsOk || !cellsOk || out.roles.length !== out.columns.length) {
    return unavailable('the recount answered something unexpected')
  }
  const names = table.columns.map((c) => c.name)
  if (out.columns.length !== names.length || out.columns.some((c, i) => c !== names[i])) {
    return unavailable("the query's columns are not the table's")
  }
  if (out.rows.length !== table.rows.length) {
    return unavailable(`the query gives ${out.rows.length} rows now, the table has ${table.rows.length}`)
  }
  // exact text first; then fractions to 10 significant digits, as sums of floating-point numbers
  // may differ in their last digits between runs. Every cell is compared: a column left out could
  // print anything the recount never saw.
  for (const text of [(s: string) => s, roughly]) {
    const matched = align(out.rows, out.individuals, table.rows, text)
    if (matched === null) continue
    // the recount's row behind each table row, and the table row of each recount row
    const tableRowOf = new Map(matched.map((recountRow, tableRow) => [recountRow, tableRow]))
    const declaredRoles: Record<string, DeclaredRole> = {}
    out.roles.forEach((role, i) => {
      if (role !== null) declaredRoles[names[i]!] = role
    })
    const contributions = out.contributions.flatMap(({ row, ...c }) =>
      tableRowOf.has(row) ? [{ ...c, row: tableRowOf.get(row)! }] : []
    )
    return {
      individualsPerRow: matched.map((i) => out.individuals[i]!),
      person: out.person,
      ms: out.ms,
      declaredRoles,
      contributions,
      ...(out.contributionsUnavailable !== undefined
        ? { contributionsUnavailable: quote(out.contributionsUnavailable, REASON_MAX) }
        : {})
    }
  }
  return unavailable("the table's rows no longer match the query's result")
}

const FRACTION = /^-?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?e[+-]?\d+)$/i

/** A cell's text with a fraction cut to 10 significant digits; any other text as it is. */
function roughly(s: string): string {
  return FRACTION.test(s) && Number.isFinite(Number(s)) ? Number(s).toPrecision(10) : s
}

/**
 * The recount row behind each table row, matched by the text of every cell as `text` reads it
 * (each recount row used once); null if any is left unmatched.
 */
function align(
  rows: string[][],
  counts: number[],
  tableRows: string[][],
  text: (s: string) => string
): number[] | null {
  const key = (r: string[]) => JSON.stringify(r.map(text))
  const byKey = new Map<string, number[]>()
  rows.forEach((r, i) => {
    const k = key(r)
    byKey.set(k, [...(byKey.get(k) ?? []), i])
  })
  const out: number[] = []
  for (const r of tableRows) {
    const left = byKey.get(key(r))
    if (left === undefined || left.length === 0) return null
    // rows printed alike: take the smallest count first, so no small group hides behind a larger one
    left.sort((a, b) => counts[a]! - counts[b]!)
    out.push(left.shift()!)
  }
  return out
}
