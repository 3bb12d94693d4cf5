/**
 * The dataset spec: what an administrator writes to describe a raw extract before it is
 * pseudonymized. Per table it names the source file, the person key, the direct identifiers to drop,
 * the dates to shift, the quasi-identifiers to generalize and the columns kept as they are, with the
 * descriptions the data catalog shows. Every column of a source must be named somewhere in its
 * table's entry: nothing reaches the output because nobody thought about it.
 *
 * The schema refuses unknown keys and bad values; the checks after it refuse what a schema cannot
 * say (a column named twice, a rule without its parameter). Every problem names its path.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { type Static, Type } from 'typebox'
import { Value } from 'typebox/value'
import { parse } from 'yaml'

/** A spec, a source or an opt-out list that cannot be used; the message says why. */
export class IngestError extends Error {
  override name = 'IngestError'
  /**
   * @param message what went wrong, in words that hold nothing read from the raw data: the audit
   * log keeps it, and the audit is append-only and exported (raw data there would stay forever).
   * @param detail what DuckDB or the CSV parser said, or column names read from the source, for the
   * administrator's terminal: it may quote the raw data, so it is never written to the audit log.
   */
  constructor(
    message: string,
    readonly detail?: string
  ) {
    super(message)
  }
}

const Description = Type.String({ minLength: 1, maxLength: 4000 })
/** A column of a source as it is spelled there (raw extracts often have Japanese headers). */
const SourceColumn = Type.String({ minLength: 1, maxLength: 200 })
const OutputName = Type.String({ minLength: 1, maxLength: 63 })

export const KEEP_TYPES = ['VARCHAR', 'INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP'] as const

const KeepColumn = Type.Object(
  {
    as: Type.Optional(OutputName),
    description: Type.Optional(Description),
    type: Type.Optional(
      Type.Union(
        [
          Type.Literal('VARCHAR'),
          Type.Literal('INTEGER'),
          Type.Literal('BIGINT'),
          Type.Literal('DOUBLE'),
          Type.Literal('BOOLEAN'),
          Type.Literal('DATE'),
          Type.Literal('TIMESTAMP')
        ],
        { description: 'cast to this type; for CSV, read as this type instead of the sniffed one' }
      )
    )
  },
  { additionalProperties: false }
)

const DateColumn = Type.Object(
  {
    as: Type.Optional(OutputName),
    description: Type.Optional(Description),
    format: Type.Optional(
      Type.Union([Type.Literal('date'), Type.Literal('month')], {
        description: "date: a DATE, TIMESTAMP or 'YYYY-MM-DD'; month: 'YYYY-MM' (shifted as the 15th of the month)"
      })
    )
  },
  { additionalProperties: false }
)

export const QUASI_RULES = ['year', 'year-month', 'age', 'truncate', 'top-code', 'bottom-code', 'band'] as const
export type QuasiRule = (typeof QUASI_RULES)[number]

/** Which parameters each rule takes: required ones first, then optional ones. */
const RULE_PARAMS: Record<QuasiRule, { required: string[]; optional: string[] }> = {
  year: { required: [], optional: [] },
  'year-month': { required: [], optional: [] },
  age: { required: ['at'], optional: ['max'] },
  truncate: { required: ['digits'], optional: [] },
  'top-code': { required: ['max'], optional: [] },
  'bottom-code': { required: ['min'], optional: [] },
  band: { required: ['width'], optional: [] }
}

const QuasiColumn = Type.Object(
  {
    rule: Type.Union(
      [
        Type.Literal('year'),
        Type.Literal('year-month'),
        Type.Literal('age'),
        Type.Literal('truncate'),
        Type.Literal('top-code'),
        Type.Literal('bottom-code'),
        Type.Literal('band')
      ],
      {
        description:
          'year / year-month: generalize a date; age: whole years at `at`, top-coded at `max`; ' +
          'truncate: keep the first `digits` digits (a postcode); top-code / bottom-code: values above `max` ' +
          'or below `min` become it; band: round down to a multiple of `width`'
      }
    ),
    as: Type.Optional(OutputName),
    description: Type.Optional(Description),
    at: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })),
    max: Type.Optional(Type.Number()),
    min: Type.Optional(Type.Number()),
    digits: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    width: Type.Optional(Type.Number({ exclusiveMinimum: 0 }))
  },
  { additionalProperties: false }
)

const Table = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 1000, description: 'CSV or Parquet file, relative to the spec' }),
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('parquet')])),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'CSV only; sniffed if absent' })),
    description: Description,
    personKey: Type.Optional(SourceColumn),
    drop: Type.Optional(Type.Array(SourceColumn, { uniqueItems: true, maxItems: 1000 })),
    dates: Type.Optional(Type.Record(SourceColumn, DateColumn)),
    quasi: Type.Optional(Type.Record(SourceColumn, QuasiColumn)),
    keep: Type.Optional(Type.Record(SourceColumn, KeepColumn))
  },
  { additionalProperties: false }
)

const OptOut = Type.Object(
  {
    file: Type.String({ minLength: 1, maxLength: 1000 }),
    column: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'a CSV with a header: the column of person keys' })
    )
  },
  { additionalProperties: false }
)

export const IngestSpecSchema = Type.Object(
  {
    version: Type.Literal(1),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Description,
    person: Type.Object(
      {
        column: Type.Optional(OutputName),
        description: Type.Optional(Description),
        dateShiftDays: Type.Integer({
          minimum: 1,
          maximum: 3650,
          description: "each person's dates move together by an offset within plus or minus this many days"
        })
      },
      { additionalProperties: false }
    ),
    optOut: Type.Optional(OptOut),
    tables: Type.Record(Type.String(), Table, { minProperties: 1 })
  },
  { additionalProperties: false }
)
export type IngestSpecDocument = Static<typeof IngestSpecSchema>

// ---------------------------------------------------------------------------------------------
// The checked spec, with names resolved: what the ingest works from.

export type ColumnTreatment =
  | { kind: 'person' }
  | { kind: 'drop' }
  | { kind: 'date'; format: 'date' | 'month' }
  | { kind: 'quasi'; rule: QuasiRule; at?: string; max?: number; min?: number; digits?: number; width?: number }
  | { kind: 'keep'; type?: (typeof KEEP_TYPES)[number] }

export interface SpecColumn {
  /** As spelled in the source. */
  source: string
  /** In the output; null for dropped columns (and the person key, which becomes `person.column`). */
  output: string | null
  description: string
  treatment: ColumnTreatment
}

export interface SpecTable {
  name: string
  /** Absolute path of the source file. */
  source: string
  format: 'csv' | 'parquet'
  delimiter: string | null
  description: string
  personKey: string | null
  columns: SpecColumn[]
}

export interface IngestSpec {
  name: string | null
  description: string
  person: { column: string; description: string; dateShiftDays: number }
  optOut: { file: string; column: string | null } | null
  tables: SpecTable[]
  /** SHA-256 of the spec text, recorded with the dataset. */
  sha256: string
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/
export const RESERVED_TABLES = new Set(['dataset_info'])

const pathOf = (instancePath: string) =>
  instancePath
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.') || '(top level)'

/**
 * Checks a parsed spec. `baseDir` resolves relative source and opt-out paths (the spec file's
 * folder). Throws an IngestError listing every problem, each named by its path.
 */
export function checkIngestSpec(value: unknown, source: string, baseDir: string, text = ''): IngestSpec {
  const problems: string[] = []
  for (const e of Value.Errors(IngestSpecSchema, value)) {
    if (e.keyword === 'boolean') continue // reported again as additionalProperties
    const extra =
      e.keyword === 'additionalProperties'
        ? `unknown key ${(e.params as { additionalProperties: string[] }).additionalProperties.join(', ')}`
        : e.message
    problems.push(`${pathOf(e.instancePath)}: ${extra}`)
  }
  if (problems.length > 0) fail(source, problems)
  const doc = value as IngestSpecDocument

  const personColumn = doc.person.column ?? 'person_id'
  if (!IDENTIFIER.test(personColumn)) problems.push(`person.column: ${identifierRule(personColumn)}`)

  const tables: SpecTable[] = []
  for (const [name, t] of Object.entries(doc.tables)) {
    const at = `tables.${name}`
    if (!IDENTIFIER.test(name)) problems.push(`${at}: the table name ${identifierRule(name)}`)
    if (RESERVED_TABLES.has(name)) problems.push(`${at}: ${name} is written by the ingest itself; choose another name`)
    const columns: SpecColumn[] = []
    const seen = new Map<string, string>()
    const claim = (column: string, where: string) => {
      const before = seen.get(column)
      if (before !== undefined) problems.push(`${at}.${where}: column ${column} is already named in ${before}`)
      else seen.set(column, where)
    }
    if (t.personKey !== undefined) {
      claim(t.personKey, 'personKey')
      columns.push({
        source: t.personKey,
        output: personColumn,
        description: '',
        treatment: { kind: 'person' }
      })
    }
    for (const c of t.drop ?? []) {
      claim(c, 'drop')
      columns.push({ source: c, output: null, description: '', treatment: { kind: 'drop' } })
    }
    for (const [c, d] of Object.entries(t.dates ?? {})) {
      claim(c, `dates.${c}`)
      if (t.personKey === undefined) {
        problems.push(`${at}.dates.${c}: dates are shifted per person, and this table has no personKey`)
      }
      columns.push({
        source: c,
        output: d.as ?? c,
        description: d.description ?? '',
        treatment: { kind: 'date', format: d.format ?? 'date' }
      })
    }
    for (const [c, q] of Object.entries(t.quasi ?? {})) {
      claim(c, `quasi.${c}`)
      const params = RULE_PARAMS[q.rule]
      for (const p of params.required) {
        if (q[p as keyof typeof q] === undefined) problems.push(`${at}.quasi.${c}: the ${q.rule} rule needs ${p}`)
      }
      for (const p of ['at', 'max', 'min', 'digits', 'width']) {
        if (q[p as keyof typeof q] !== undefined && !params.required.includes(p) && !params.optional.includes(p)) {
          problems.push(`${at}.quasi.${c}.${p}: the ${q.rule} rule takes no ${p}`)
        }
      }
      if (q.at !== undefined && Number.isNaN(Date.parse(`${q.at}T00:00:00Z`))) {
        problems.push(`${at}.quasi.${c}.at: ${q.at} is not a date`)
      }
      const treatment: ColumnTreatment = { kind: 'quasi', rule: q.rule }
      for (const p of ['at', 'max', 'min', 'digits', 'width'] as const) {
        if (q[p] !== undefined) Object.assign(treatment, { [p]: q[p] })
      }
      columns.push({ source: c, output: q.as ?? c, description: q.description ?? '', treatment })
    }
    for (const [c, k] of Object.entries(t.keep ?? {})) {
      claim(c, `keep.${c}`)
      columns.push({
        source: c,
        output: k.as ?? c,
        description: k.description ?? '',
        treatment: k.type !== undefined ? { kind: 'keep', type: k.type } : { kind: 'keep' }
      })
    }
    const outputs = new Map<string, string>()
    for (const c of columns) {
      if (c.output === null) continue
      const where = c.treatment.kind === 'person' ? 'personKey' : `${sectionOf(c.treatment)}.${c.source}`
      if (c.treatment.kind !== 'person' && !IDENTIFIER.test(c.output)) {
        problems.push(
          `${at}.${where}: the output name ${identifierRule(c.output)}` +
            (c.output === c.source ? '; give one with as' : '')
        )
      }
      const before = outputs.get(c.output)
      if (before !== undefined) problems.push(`${at}.${where}: the output column ${c.output} is also made by ${before}`)
      else outputs.set(c.output, where)
    }
    if (columns.every((c) => c.output === null)) problems.push(`${at}: the table would have no columns`)
    const format = t.format ?? formatOf(t.source)
    if (format === null) {
      problems.push(`${at}.source: say format: csv or parquet (the name ${t.source} does not tell)`)
    }
    if (t.delimiter !== undefined && format === 'parquet') problems.push(`${at}.delimiter: a Parquet file has none`)
    tables.push({
      name,
      source: resolve(baseDir, t.source),
      format: format ?? 'csv',
      delimiter: t.delimiter ?? null,
      description: t.description,
      personKey: t.personKey ?? null,
      columns
    })
  }
  if (problems.length > 0) fail(source, problems)
  return {
    name: doc.name ?? null,
    description: doc.description,
    person: {
      column: personColumn,
      description:
        doc.person.description ??
        'Pseudonymous person identifier (仮名ID): a keyed hash of the source identifier, made for this project; ' +
          'it links one person across the tables of this project and nowhere else.',
      dateShiftDays: doc.person.dateShiftDays
    },
    optOut: doc.optOut
      ? {
          file: isAbsolute(doc.optOut.file) ? doc.optOut.file : resolve(baseDir, doc.optOut.file),
          column: doc.optOut.column ?? null
        }
      : null,
    tables,
    sha256: createHash('sha256').update(text).digest('hex')
  }
}

function sectionOf(t: ColumnTreatment): string {
  return t.kind === 'date' ? 'dates' : t.kind
}

function identifierRule(name: string): string {
  return `${name} must be lower-case letters, digits and _, starting with a letter or _ (at most 63)`
}

function formatOf(source: string): 'csv' | 'parquet' | null {
  const s = source.toLowerCase()
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(s)) return 'csv'
  if (s.endsWith('.parquet')) return 'parquet'
  return null
}

function fail(source: string, problems: string[]): never {
  throw new IngestError(`dataset spec ${source} is invalid:\n  ${problems.join('\n  ')}`)
}

/** Reads, parses and checks a spec file; relative paths in it are relative to its folder. */
export function loadIngestSpec(path: string): IngestSpec {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new IngestError(`cannot read dataset spec ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = parse(text)
  } catch (err) {
    throw new IngestError(`dataset spec ${path} is not valid YAML: ${(err as Error).message}`)
  }
  return checkIngestSpec(parsed, path, dirname(resolve(path)), text)
}
