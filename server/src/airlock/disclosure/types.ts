import type { ColumnRole, Table } from './table.js'

/** The rules of DISCLOSURE.md, one module each. */
export type RuleName =
  | 'threshold'
  | 'zeros'
  | 'dominance'
  | 'p-percent'
  | 'residual-df'
  | 'row-level'
  | 'differencing'
  | 'repeats'
  | 'file-type'
  | 'images'

/** `fail`: the output must not leave as it is; `review`: a person must look; `pass`: nothing found. */
export type Outcome = 'pass' | 'review' | 'fail'

/** A data cell: 0-based data row (the header is not a row) and 0-based column. */
export interface CellRef {
  row: number
  column: number
}

export interface RuleResult {
  rule: RuleName
  outcome: Outcome
  /** for the reviewer: what was found and why it matters (rows in it are numbered from 1, as people count) */
  message: string
  /** the cells at risk, row by row; empty when the finding is not about particular cells */
  cells: CellRef[]
  /** 0-based data rows at risk; for a text output, 0-based line numbers */
  rows?: number[]
  /** 0-based columns at risk as a whole (an identifier column, a sum with no recorded contributions) */
  columns?: number[]
}

/** The largest individual contributions to one sum-like cell, recomputed in the sandbox. */
export interface Contribution {
  row: number
  column: number
  /** the largest contributions, any order; at least the top two for the p-percent rule */
  top: number[]
  /** the cell's total over all contributors */
  total: number
  /** the smallest individual contribution (a negative one sends the cell to review, as in ACRO) */
  min?: number
  /** how many individuals contributed */
  individuals?: number
}

/**
 * What a column of an exported query computes, read from the query itself (the recount's syntax
 * tree) or from the sidecar the Python export helper writes. Declared roles are known; anything
 * else is inferred from names and values and treated as uncertain.
 */
export type DeclaredRole =
  | 'key' // a GROUP BY expression: what the row is about
  | 'count' // count(*), count(x), count(DISTINCT x)
  | 'sum'
  | 'mean' // avg, mean
  | 'min'
  | 'max'
  | 'statistic' // another aggregate (median, stddev, a ratio of aggregates, a model's coefficient)
  | 'identifier' // a dataset column marked as an identifier, selected as it is

/** Columns of the project's datasets that the catalog marks: direct identifiers and quasi-identifiers. */
export interface CatalogMarks {
  /** names of columns that identify a person (the pseudonymized person key, a claim id) */
  identifiers: string[]
  /** names of columns that single people out in combination (birth month, sex, prefecture, insurer) */
  quasiIdentifiers: string[]
}

/** An output the project released before. */
export interface EarlierRelease {
  name: string
  sha256: string
  /** its table, for differencing (CSV and TSV releases) */
  table?: Table
}

/**
 * What the system may know about an output besides its bytes. Every field is optional; without it
 * the rules fall back to what the printed output shows, and ask for review where that is not enough.
 */
export interface Evidence {
  /**
   * Distinct pseudonymized individuals behind each data row, recomputed in the sandbox from the
   * recorded query. The threshold rule trusts this over printed numbers.
   */
  individualsPerRow?: number[]
  /** largest contributions to sum-like cells, for n,k dominance and p-percent */
  contributions?: Contribution[]
  /** the project's earlier releases, for repeats (by SHA-256) and differencing (by table) */
  earlierReleases?: EarlierRelease[]
  /** a model's residual degrees of freedom, when the system knows it */
  residualDf?: number
  /**
   * Why the individuals behind a query's table could not be counted, when the table came from a
   * notebook cell's query and the recount failed: its printed counts are then unproven.
   */
  recountUnavailable?: string
  /** names of the other files in the same request: a figure's table may be among them */
  requestFiles?: string[]
  /** column roles known from the query (by column name), in place of the name-and-value heuristics */
  columnRoles?: Record<string, ColumnRole>
  /** what each column computes, by column name, declared by the query or the export helper */
  declaredRoles?: Record<string, DeclaredRole>
  /** the project's datasets' identifier and quasi-identifier columns, from their catalog */
  catalog?: CatalogMarks
  /** what content disarm did to an image before it was stored (absent: the file was not an image, or not disarmed) */
  disarm?: Disarm
}

/**
 * An image decoded and re-encoded on its way into quarantine: the digest and size of the bytes the
 * researcher submitted (the stored file is the re-encoding), or why they could not be decoded.
 */
export type Disarm = { original: { sha256: string; size: number } } | { undecodable: string }

/** What the gateway learned about one exported file besides its bytes (crosses to the checks' worker thread). */
export type FileEvidence = Pick<
  Evidence,
  'individualsPerRow' | 'contributions' | 'residualDf' | 'declaredRoles' | 'disarm' | 'recountUnavailable'
>

const RANK: Record<Outcome, number> = { pass: 0, review: 1, fail: 2 }

/** fail > review > pass; `pass` for none. */
export function worst(outcomes: Iterable<Outcome>): Outcome {
  let w: Outcome = 'pass'
  for (const o of outcomes) if (RANK[o] > RANK[w]) w = o
  return w
}
