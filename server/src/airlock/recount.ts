import { Type } from 'typebox'
import { Value } from 'typebox/value'
import { runInSandbox, SANDBOX_SERVICE_USER, type SandboxDriver } from '../sandbox/driver.js'
import type { Table } from './disclosure/table.js'
import { quote } from './disclosure/wording.js'

/** The column that names a pseudonymized individual in the project's datasets (see the catalog). */
export const PERSON_COLUMN = 'person_id'

const Recounted = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    columns: Type.Array(Type.String()),
    rows: Type.Array(Type.Array(Type.String())),
    individuals: Type.Array(Type.Integer({ minimum: 0 })),
    person: Type.String(),
    ms: Type.Number()
  }),
  Type.Object({ ok: Type.Literal(false), reason: Type.String() })
])

export type RecountResult = { individualsPerRow: number[]; person: string; ms: number } | { unavailable: string }

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
 * Only a digest match binds the CSV to the query; the caller checks that. The recount runs as the
 * sandbox's service account, out of the researcher's reach; its answer is still checked, and
 * only ever used to find more small cells.
 */
export async function recountIndividuals(
  driver: SandboxDriver,
  sandboxId: string,
  source: string,
  table: Table
): Promise<RecountResult> {
  const run = await runInSandbox(driver, sandboxId, {
    cmd: ['vre-recount'],
    // not as the researcher, who could otherwise write a forged answer into its output as it runs
    user: SANDBOX_SERVICE_USER,
    input: JSON.stringify({ source, personColumn: PERSON_COLUMN })
  })
  let out: unknown
  try {
    out = JSON.parse(run.stdout)
  } catch {
    return unavailable(`the recount did not answer (exit ${run.exitCode}): ${run.stderr.slice(-REASON_MAX)}`)
  }
  if (!Value.Check(Recounted, out)) return unavailable('the recount answered something unexpected')
  if (!out.ok) return unavailable(out.reason)
  if (out.rows.length !== out.individuals.length) return unavailable('the recount answered something unexpected')
  const names = table.columns.map((c) => c.name)
  if (out.columns.length !== names.length || out.columns.some((c, i) => c !== names[i])) {
    return unavailable("the query's columns are not the table's")
  }
  if (out.rows.length !== table.rows.length) {
    return unavailable(`the query gives ${out.rows.length} rows now, the table has ${table.rows.length}`)
  }
  // exact text first; then without columns of fractions, which may differ in the last digits between runs
  const integerLike = (i: number) => table.rows.every((r) => !/^-?\d*\.\d|e/i.test(r[i] ?? ''))
  for (const keep of [names.map(() => true), names.map((_, i) => integerLike(i))]) {
    const perRow = align(out.rows, out.individuals, table.rows, keep)
    if (perRow !== null) return { individualsPerRow: perRow, person: out.person, ms: out.ms }
  }
  return unavailable("the table's rows no longer match the query's result")
}

/** Each table row's count, matched by the text of the kept columns (each recount row used once); null if any is left unmatched. */
function align(rows: string[][], counts: number[], tableRows: string[][], keep: boolean[]): number[] | null {
  const key = (r: string[]) => JSON.stringify(r.filter((_, i) => keep[i]))
  const byKey = new Map<string, number[]>()
  rows.forEach((r, i) => {
    const k = key(r)
    byKey.set(k, [...(byKey.get(k) ?? []), counts[i]!])
  })
  const out: number[] = []
  for (const r of tableRows) {
    const left = byKey.get(key(r))
    if (left === undefined || left.length === 0) return null
    // rows printed alike: take the smallest count first, so no small group hides behind a larger one
    left.sort((a, b) => a - b)
    out.push(left.shift()!)
  }
  return out
}
