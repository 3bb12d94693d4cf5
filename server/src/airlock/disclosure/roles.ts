import { missing, normalized } from './cells.js'
import type { Column, ColumnRole } from './table.js'
import type { DeclaredRole } from './types.js'

/**
 * What each column of a table holds. A role is declared when the recorded query or the export
 * helper says what the column computes; otherwise it is inferred from the column's name and values
 * and stays uncertain where only the values speak.
 */

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
// after a person word, these name one person too: person_key, patient_no
const PERSON_ID_WORDS = new Set(['key', 'no', 'number', 'code', 'hash', 'pseudonym'])
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
  'minimum',
  'maximum',
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
  'error',
  'statistic',
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
  return (
    (w.length > 0 && ID_WORDS.has(w.at(-1)!)) ||
    w[0] === 'kojin' ||
    (w.length === 2 && PERSON_FIRST.has(w[0]!) && PERSON_ID_WORDS.has(w[1]!)) ||
    ID_JA.test(name.normalize('NFKC').trim())
  )
}

const EXTREME_WORDS: Record<string, 'min' | 'max'> = { min: 'min', minimum: 'min', max: 'max', maximum: 'max' }

/** A maximum or a minimum by its name (max_cost, 最大点数): one individual's value. */
export function extremeByName(name: string): 'min' | 'max' | undefined {
  const n = name.normalize('NFKC')
  if (/最大/.test(n)) return 'max'
  if (/最小/.test(n)) return 'min'
  for (const w of nameWords(name)) if (Object.hasOwn(EXTREME_WORDS, w)) return EXTREME_WORDS[w]
  return undefined
}

const FROM_DECLARED: Record<DeclaredRole, ColumnRole> = {
  key: 'key',
  count: 'count',
  sum: 'magnitude',
  mean: 'magnitude',
  min: 'magnitude',
  max: 'magnitude',
  statistic: 'statistic',
  identifier: 'identifier'
}

/** Named after a person without saying what of them: patient, person_code, 患者. */
function personLikeName(name: string): boolean {
  const w = nameWords(name)
  return (w.length > 0 && PERSON_FIRST.has(w[0]!)) || PERSON_JA.test(name.trim())
}

const anyWord = (name: string, set: Set<string>) => nameWords(name).some((w) => set.has(w))

/** Named like a group key: year, age, sex, region, 年度, 都道府県. */
export const keyLikeName = (name: string) => anyWord(name, KEY_WORDS) || KEY_JA.test(name.trim())

// A pseudonym or record number: one token of four or more characters with a digit in it, and not a
// range such as an age band ("40-49").
const CODE_LIKE = /^(?=.*\d)[A-Za-z0-9_-]{4,}$/
const RANGE = /^\d+\s*[-~〜]\s*\d+$/

export function codeLikeValues(column: Column, rows: string[][]): boolean {
  for (const row of rows) {
    const s = normalized(row[column.index]!)
    if (missing(s)) continue
    if (!CODE_LIKE.test(s) || RANGE.test(s)) return false
  }
  return true
}

/**
 * A column pandas or R wrote for its row index: no name, or "Unnamed: 0", and the numbers 0, 1, 2,
 * ... (pandas) or 1, 2, 3, ... (R write.csv).
 */
function rowIndex(column: Column): boolean {
  if (column.name !== '' && !/^unnamed: \d+$/i.test(column.name)) return false
  if (column.kind !== 'numeric') return false
  const first = column.values![0]
  return (first === 0 || first === 1) && column.values!.every((v, r) => v === r + first)
}

const MOSTLY_UNIQUE = 0.9

/**
 * Gives each column a role, from its name first and its values second. Where the two disagree,
 * the choice that makes the rules check more wins: a whole-number column nobody named is read as a
 * count when the table is grouped, because a count read as a key would escape the threshold.
 */
export function classify(
  columns: Column[],
  rows: string[][],
  roles: Record<string, ColumnRole>,
  declared: Record<string, DeclaredRole>
): void {
  const pending: Column[] = []
  for (const c of columns) {
    const unique = c.filled > 0 && c.distinct / c.filled >= MOSTLY_UNIQUE
    const set = (role: ColumnRole, why: string) => {
      c.role = role
      c.why = why
    }
    const aggregate = Object.hasOwn(declared, c.name) ? declared[c.name] : undefined
    const given = Object.hasOwn(roles, c.name) ? roles[c.name] : undefined
    if (aggregate !== undefined && Object.hasOwn(FROM_DECLARED, aggregate)) {
      set(FROM_DECLARED[aggregate], `declared as ${aggregate} by the recorded query`)
      c.declared = true
      c.aggregate = aggregate
    } else if (given !== undefined) {
      set(given, 'given by the recorded query')
      c.declared = true
    } else if (c.kind === 'empty') set('key', 'holds no values')
    else if (countLikeName(c.name) && c.integer && c.nonNegative)
      set('count', 'named like a count and holds whole non-negative numbers')
    else if (identifierLikeName(c.name) && unique)
      set('identifier', 'named like an identifier, with mostly unique values')
    else if (personLikeName(c.name) && !countLikeName(c.name) && unique && codeLikeValues(c, rows))
      set('identifier', 'named after a person, with mostly unique code-like values')
    else if (c.kind === 'text') set('key', 'text: read as a group label')
    else if (rowIndex(c)) set('key', 'the row index pandas or R writes (0, 1, 2, ... or 1, 2, 3, ...)')
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
  for (const c of columns) {
    if (!c.declared && c.kind === 'numeric' && c.role === 'magnitude') {
      const extreme = extremeByName(c.name)
      if (extreme !== undefined) c.aggregate = extreme
    }
  }
  const grouped = columns.some((c) => !pending.includes(c) && (c.role === 'key' || c.role === 'identifier'))
  for (const c of pending) {
    // nothing names or declares these: a count, a sum or a mean of whole numbers all look alike
    c.uncertain = true
    if (grouped) {
      c.role = 'count'
      c.why =
        'whole non-negative numbers in a grouped table, not named or declared: read as a count, but they may be sums or means'
    } else {
      c.role = 'key'
      c.why = 'whole numbers in a table with no group label: cannot tell whether they count, sum or label anything'
    }
  }
}
