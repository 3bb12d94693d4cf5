import { CsvError, parse } from 'csv-parse/sync'
import { ERROR_MAX, quote } from './wording.js'

export type ColumnKind = 'numeric' | 'text' | 'empty'

/**
 * What a column holds, as far as the rules need to know:
 * - `count`: numbers of individuals or events (the threshold, zeros and differencing rules read these)
 * - `magnitude`: values summed or averaged over individuals, such as costs (dominance and p-percent)
 * - `statistic`: numbers derived from counts or a model: rates, percentages, coefficients
 * - `identifier`: one value per individual, such as a pseudonymized ID (row-level data)
 * - `key`: what a row is about: a group label, a year, an age band
 */
export type ColumnRole = 'count' | 'magnitude' | 'statistic' | 'identifier' | 'key'

export interface Column {
  index: number
  name: string
  kind: ColumnKind
  /** a numeric column's numbers by data row (null where a cell is empty or already suppressed); null for text */
  values: (number | null)[] | null
  /** every number is whole (numeric columns only) */
  integer: boolean
  /** no number is negative (numeric columns only) */
  nonNegative: boolean
  /** cells that hold a value (not empty, not a suppression mark) */
  filled: number
  /** distinct values among the filled cells */
  distinct: number
  role: ColumnRole
  /** why the column got its role, for the reviewer */
  why: string
}

/** A parsed output table: its columns, classified, and its data rows as printed. */
export interface Table {
  columns: Column[]
  /** data rows (the header excluded), each with one string per column */
  rows: string[][]
}

export interface TableLimits {
  /** bytes of CSV or TSV read at most */
  maxBytes: number
  /** cells read at most, header included */
  maxCells: number
}

/** Far above any aggregate output; they bound the memory a hostile file can take while it is parsed. */
export const TABLE_LIMITS: TableLimits = { maxBytes: 64 * 1024 * 1024, maxCells: 2_000_000 }

/** Bytes that are not a table, or a table too large to check. The message says what to fix. */
export class TableError extends Error {
  override name = 'TableError'
}

export interface ParseTableOptions {
  format: 'csv' | 'tsv'
  limits?: Partial<TableLimits>
  /** roles known from the query, by column name, in place of the heuristics */
  roles?: Record<string, ColumnRole>
}

class TooManyCells extends Error {}

/**
 * Parses CSV or TSV bytes (UTF-8, with or without a byte-order mark; LF or CRLF; RFC 4180 quoting)
 * into a classified table. The first record is the header; blank lines are skipped; every record
 * must have as many fields as the header. Throws TableError.
 */
export function parseTable(bytes: Uint8Array, options: ParseTableOptions): Table {
  const limits = { ...TABLE_LIMITS, ...options.limits }
  if (bytes.length > limits.maxBytes) {
    throw new TableError(
      `The table is ${bytes.length} bytes, more than the ${limits.maxBytes} the checks read; an output this large is not an aggregate: split it or aggregate further.`
    )
  }
  let text: string
  try {
    // fatal: a Shift_JIS file must be refused, not read as mojibake that no rule can interpret
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TableError(
      'The table is not UTF-8 text (spreadsheets in Japan often save Shift_JIS): save it as UTF-8, for example with pandas to_csv(encoding="utf-8").'
    )
  }
  let cells = 0
  let header = 0
  let records: string[][]
  try {
    records = parse(text, {
      delimiter: options.format === 'tsv' ? '\t' : ',',
      bom: true,
      skip_empty_lines: true,
      on_record: (record: string[]) => {
        if (header === 0) header = record.length
        cells += record.length
        if (cells > limits.maxCells) throw new TooManyCells()
        return record
      }
    })
  } catch (err) {
    throw new TableError(describeParseError(err, options.format, header, limits.maxCells))
  }
  const [names, ...rows] = records
  if (names === undefined) throw new TableError('The table is empty: it has no header row.')
  return tableFromRows(names, rows, options.roles)
}

function describeParseError(err: unknown, format: string, header: number, maxCells: number): string {
  if (err instanceof TooManyCells) {
    return `The table has more than ${maxCells} cells, more than the checks read; an output this large is not an aggregate: split it or aggregate further.`
  }
  if (err instanceof CsvError) {
    const line = typeof err.lines === 'number' ? err.lines : undefined
    const at = line === undefined ? '' : ` on line ${line}`
    switch (err.code) {
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
        const got = Array.isArray(err.record) ? err.record.length : undefined
        const fields = got === undefined ? 'a different number of fields' : got === 1 ? '1 field' : `${got} fields`
        return `The record${at} has ${fields} where the header has ${header}: every row of a table needs one field per column.`
      }
      case 'CSV_QUOTE_NOT_CLOSED':
        return `A quoted field opened${at} is never closed: the file is cut short or a quote inside a field is not doubled ("").`
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'INVALID_OPENING_QUOTE':
        return `A quote${at} is not where ${format.toUpperCase()} allows one: a quote inside a field must be doubled ("") and the whole field quoted.`
      default:
        return `The file cannot be read as ${format.toUpperCase()}${at}: ${quote(err.message, ERROR_MAX)}`
    }
  }
  return `The file cannot be read as ${format.toUpperCase()}: ${quote((err as Error).message, ERROR_MAX)}`
}

/**
 * A table from its header and data rows, with every column classified. Throws TableError when a
 * row does not have one cell per column.
 */
export function tableFromRows(names: string[], rows: string[][], roles?: Record<string, ColumnRole>): Table {
  rows.forEach((row, r) => {
    if (row.length !== names.length) {
      throw new TableError(`Data row ${r + 1} has ${row.length} cells where the header has ${names.length}.`)
    }
  })
  const columns = names.map((name, index) => readColumn(name.trim(), index, rows))
  classify(columns, rows, roles ?? {})
  return { columns, rows }
}

/**
 * A table from JSON that is an array of flat objects (pandas `to_json(orient="records")`), or null
 * for any other JSON. Columns are the keys in order of first appearance.
 */
export function tableFromRecords(value: unknown, roles?: Record<string, ColumnRole>): Table | null {
  if (!Array.isArray(value) || value.length === 0) return null
  const names: string[] = []
  const seen = new Set<string>()
  for (const record of value) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return null
    for (const [key, cell] of Object.entries(record as Record<string, unknown>)) {
      if (cell !== null && typeof cell === 'object') return null
      if (!seen.has(key)) {
        seen.add(key)
        names.push(key)
      }
    }
  }
  const rows = (value as Record<string, unknown>[]).map((record) =>
    names.map((name) => {
      const cell = record[name]
      return cell === null || cell === undefined ? '' : String(cell)
    })
  )
  return tableFromRows(names, rows, roles)
}

// Cells that hold no value: empty, NA, or a mark that a value was suppressed already ("-", "*",
// "<10", "10未満", "秘匿"; NDB tables print "‐"). Compared after NFKC, which turns full-width forms
// into ASCII.
const MISSING = new Set([
  '',
  'na',
  'n/a',
  'nan',
  'null',
  'none',
  '-',
  '--',
  '*',
  'x',
  '.',
  '‐',
  '–',
  '—',
  '−',
  '…',
  '秘匿'
])
const SUPPRESSED_BELOW = /^(?:[<≤]=?\s*\d+|\d+\s*未満)$/
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/
const NON_ASCII = /[^\x00-\x7f]/

function normalized(raw: string): string {
  const s = raw.trim()
  return NON_ASCII.test(s) ? s.normalize('NFKC') : s
}

/** Holds no value: empty, NA, or already suppressed (after `normalized`). */
function missing(s: string): boolean {
  return MISSING.has(s.toLowerCase()) || SUPPRESSED_BELOW.test(s)
}

/** A cell's number; null when it holds no value; undefined when it is text. */
export function readNumber(raw: string): number | null | undefined {
  let s = normalized(raw)
  if (missing(s)) return null
  if (s.endsWith('%')) s = s.slice(0, -1).trimEnd()
  if (PLAIN_NUMBER.test(s)) return Number(s)
  if (GROUPED_NUMBER.test(s)) return Number(s.replaceAll(',', ''))
  return undefined
}

function readColumn(name: string, index: number, rows: string[][]): Column {
  const values: (number | null)[] = new Array<number | null>(rows.length)
  const distinct = new Set<string>()
  let numeric = true
  let filled = 0
  let integer = true
  let nonNegative = true
  for (let r = 0; r < rows.length; r++) {
    const raw = rows[r]![index]!
    const n = numeric ? readNumber(raw) : missing(normalized(raw)) ? null : undefined
    if (n === null) {
      values[r] = null
      continue
    }
    filled++
    distinct.add(raw.trim())
    if (n === undefined) {
      numeric = false
      continue
    }
    values[r] = n
    if (!Number.isInteger(n)) integer = false
    if (n < 0) nonNegative = false
  }
  const kind: ColumnKind = filled === 0 ? 'empty' : numeric ? 'numeric' : 'text'
  return {
    index,
    name,
    kind,
    values: kind === 'numeric' ? values : null,
    integer: kind === 'numeric' && integer,
    nonNegative: kind === 'numeric' && nonNegative,
    filled,
    distinct: distinct.size,
    role: 'key',
    why: ''
  }
}

/** A column name's words, lower case: `patientCount` and `patient_count` both give [patient, count]. */
function nameWords(name: string): string[] {
  return name
    .normalize('NFKC')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
}

const COUNT_ALONE = new Set([
  'n',
  'count',
  'counts',
  'cnt',
  'freq',
  'frequency',
  'patients',
  'persons',
  'people',
  'individuals',
  'subjects',
  'cases',
  'population'
])
const COUNT_LAST = new Set(['n', 'count', 'counts', 'cnt', 'patients', 'persons', 'people', 'individuals', 'subjects'])
const COUNT_FIRST = new Set(['n', 'num', 'number', 'count', 'cnt'])
const COUNT_JA = /(件数|人数|者数|例数)$/

const ID_WORDS = new Set(['id', 'ids', 'uuid', 'guid', 'pid', 'patid', 'mrn'])
const ID_JA = /個人|番号$|ID$/
const PERSON_FIRST = new Set(['patient', 'person', 'pt', 'subject', 'kojin'])
const PERSON_JA = /^(患者|被保険者|加入者|受診者)/

const KEY_WORDS = new Set([
  'year',
  'yr',
  'fy',
  'month',
  'quarter',
  'week',
  'day',
  'date',
  'age',
  'code',
  'rank',
  'group',
  'band',
  'category',
  'class',
  'level',
  'grade',
  'stage',
  'sex',
  'gender',
  'region',
  'area',
  'prefecture',
  'version',
  'seq',
  'no'
])
const KEY_JA = /(年|年度|月|日|年齢|年代|コード|区分|階級|性別|都道府県|地域)$/

const MAGNITUDE_WORDS = new Set([
  'sum',
  'mean',
  'avg',
  'average',
  'median',
  'std',
  'sd',
  'var',
  'variance',
  'min',
  'max',
  'cost',
  'costs',
  'amount',
  'price',
  'fee',
  'fees',
  'points',
  'score',
  'los',
  'value',
  'expenditure',
  'spend',
  'spending',
  'charge',
  'charges',
  'yen'
])
const MAGNITUDE_JA = /点数|金額|費用|医療費|平均|合計|総額|中央値|日数|標準偏差|最大|最小/

const STATISTIC_WORDS = new Set([
  'rate',
  'ratio',
  'pct',
  'percent',
  'percentage',
  'proportion',
  'prop',
  'share',
  'prevalence',
  'incidence',
  'p',
  'pvalue',
  'coef',
  'coefficient',
  'estimate',
  'se',
  'stderr',
  'ci',
  'lower',
  'upper',
  'lcl',
  'ucl',
  'or',
  'hr',
  'rr',
  'beta'
])
const STATISTIC_JA = /(率|割合|オッズ比|係数)$/

/** Named like a count: n, count, cnt, x_count, num_x, n_x, patients, people, 件数, 人数, 患者数. */
export function countLikeName(name: string): boolean {
  const w = nameWords(name)
  if (COUNT_JA.test(name.trim())) return true
  if (w.length === 0) return false
  if (w.length === 1) return COUNT_ALONE.has(w[0]!)
  return COUNT_LAST.has(w.at(-1)!) || COUNT_FIRST.has(w[0]!)
}

/** Named like an identifier outright: id, x_id, xId, 患者ID, 個人番号. */
export function identifierLikeName(name: string): boolean {
  const w = nameWords(name)
  return (w.length > 0 && ID_WORDS.has(w.at(-1)!)) || w[0] === 'kojin' || ID_JA.test(name.normalize('NFKC').trim())
}

/** Named after a person without saying what of them: patient, person_code, 患者. */
function personLikeName(name: string): boolean {
  const w = nameWords(name)
  return (w.length > 0 && PERSON_FIRST.has(w[0]!)) || PERSON_JA.test(name.trim())
}

const anyWord = (name: string, set: Set<string>) => nameWords(name).some((w) => set.has(w))

// A pseudonym or record number: one token of four or more characters with a digit in it, and not a
// range such as an age band ("40-49").
const CODE_LIKE = /^(?=.*\d)[A-Za-z0-9_-]{4,}$/
const RANGE = /^\d+\s*[-~〜]\s*\d+$/

function codeLikeValues(column: Column, rows: string[][]): boolean {
  for (const row of rows) {
    const s = normalized(row[column.index]!)
    if (missing(s)) continue
    if (!CODE_LIKE.test(s) || RANGE.test(s)) return false
  }
  return true
}

/** A column pandas wrote for its row index: no name, or "Unnamed: 0", and the numbers 0, 1, 2, ... */
function pandasIndex(column: Column): boolean {
  if (column.name !== '' && !/^unnamed: \d+$/i.test(column.name)) return false
  return column.kind === 'numeric' && column.values!.every((v, r) => v === r)
}

const MOSTLY_UNIQUE = 0.9

/**
 * Gives each column a role, from its name first and its values second. Where the two disagree,
 * the choice that makes the rules check more wins: a whole-number column nobody named is read as a
 * count when the table is grouped, because a count read as a key would escape the threshold.
 */
function classify(columns: Column[], rows: string[][], roles: Record<string, ColumnRole>): void {
  const pending: Column[] = []
  for (const c of columns) {
    const unique = c.filled > 0 && c.distinct / c.filled >= MOSTLY_UNIQUE
    const set = (role: ColumnRole, why: string) => {
      c.role = role
      c.why = why
    }
    const given = Object.hasOwn(roles, c.name) ? roles[c.name] : undefined
    if (given !== undefined) set(given, 'given by the recorded query')
    else if (c.kind === 'empty') set('key', 'holds no values')
    else if (countLikeName(c.name) && c.integer && c.nonNegative)
      set('count', 'named like a count and holds whole non-negative numbers')
    else if (identifierLikeName(c.name) && unique)
      set('identifier', 'named like an identifier, with mostly unique values')
    else if (personLikeName(c.name) && !countLikeName(c.name) && unique && codeLikeValues(c, rows))
      set('identifier', 'named after a person, with mostly unique code-like values')
    else if (c.kind === 'text') set('key', 'text: read as a group label')
    else if (pandasIndex(c)) set('key', 'the row index pandas writes (0, 1, 2, ...)')
    else if (anyWord(c.name, STATISTIC_WORDS) || STATISTIC_JA.test(c.name.trim()))
      set('statistic', 'named like a rate, percentage or model estimate')
    else if (anyWord(c.name, MAGNITUDE_WORDS) || MAGNITUDE_JA.test(c.name.trim()))
      set('magnitude', 'named like a sum, mean or amount')
    else if (countLikeName(c.name)) set('magnitude', 'named like a count but holds fractions or negative numbers')
    else if (anyWord(c.name, KEY_WORDS) || KEY_JA.test(c.name.trim()))
      set('key', 'named like a group key (year, age, code, ...)')
    else if (!c.integer || !c.nonNegative) set('magnitude', 'holds fractions or negative numbers: read as a magnitude')
    else pending.push(c)
  }
  const grouped = columns.some((c) => !pending.includes(c) && (c.role === 'key' || c.role === 'identifier'))
  for (const c of pending) {
    if (grouped) {
      c.role = 'count'
      c.why = 'whole non-negative numbers in a grouped table, not named like a key: read as a count'
    } else {
      c.role = 'key'
      c.why = 'whole numbers in a table with no group label: cannot tell whether they count anything'
    }
  }
}
