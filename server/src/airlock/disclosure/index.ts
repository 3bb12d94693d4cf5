/**
 * The airlock's automatic disclosure checks (DISCLOSURE.md): pure, synchronous functions from an
 * output's bytes, what the system knows about it, and the policy's parameters, to a pass, review or
 * fail per rule with the cells at risk. They advise; reviewers decide.
 *
 *   const params = resolveAirlockParams(policy.airlock)
 *   const report = checkOutput({ name: 'by-age.csv', bytes, sha256, evidence, params })
 *   report.outcome // 'fail' | 'review' | 'pass', the worst of report.results
 */
import { createHash } from 'node:crypto'
import { differencingRule } from './differencing.js'
import { dominanceRule } from './dominance.js'
import { fileType, fileTypeRule } from './file-type.js'
import { encodedTextRule, imageContentRule } from './hidden-content.js'
import { imagesRule } from './images.js'
import type { AirlockParams } from './params.js'
import { pPercentRule } from './p-percent.js'
import { repeatsRule } from './repeats.js'
import { residualDfRule, residualDfTextRule } from './residual-df.js'
import { rowLevelRule, rowLevelTextRule } from './row-level.js'
import { parseTable, TableError, tableFromRecords, type Table, type TableLimits } from './table.js'
import { thresholdRule } from './threshold.js'
import { worst, type Evidence, type Outcome, type RuleResult } from './types.js'
import { quote, result } from './wording.js'
import { zerosRule } from './zeros.js'

export { resolveAirlockParams, PRESETS, type AirlockParams, type PresetName } from './params.js'
export {
  parseTable,
  tableFromRows,
  tableFromRecords,
  TableError,
  TABLE_LIMITS,
  type Column,
  type ColumnKind,
  type ColumnRole,
  type Table,
  type TableLimits
} from './table.js'
export { worst } from './types.js'
export type { CellRef, Contribution, EarlierRelease, Evidence, Outcome, RuleName, RuleResult } from './types.js'
export { fileType, fileTypeRule, type Direction } from './file-type.js'
export {
  differencingRule,
  dominanceRule,
  imagesRule,
  pPercentRule,
  repeatsRule,
  residualDfRule,
  residualDfTextRule,
  rowLevelRule,
  rowLevelTextRule,
  thresholdRule,
  zerosRule
}

export interface OutputToCheck {
  /** the file's name; its extension decides which rules apply */
  name: string
  bytes: Uint8Array
  /** hex SHA-256 of the bytes as recorded when the output was made; checked against the bytes */
  sha256: string
  evidence?: Evidence
  params: AirlockParams
  /** caps on table parsing (default TABLE_LIMITS) */
  limits?: Partial<TableLimits>
}

export interface CheckReport {
  /** the worst outcome of all results: fail > review > pass */
  outcome: Outcome
  results: RuleResult[]
  /** the parsed table of a CSV, TSV or JSON-records output: keep it to difference later outputs against */
  table?: Table
}

/** The bytes are not the ones the SHA-256 was recorded for: they changed after the output was made. */
export class DigestMismatch extends Error {
  override name = 'DigestMismatch'
}

/** The rules a table goes through, in the order the reviewer reads them. */
const TABLE_RULES = [
  thresholdRule,
  zerosRule,
  dominanceRule,
  pPercentRule,
  residualDfRule,
  rowLevelRule,
  differencingRule
] as const

/**
 * Checks one output. Its type decides the rules: CSV and TSV (and JSON that is an array of flat
 * records) go through every table rule; PNG and JPEG through the images rule; TXT and MD through
 * residual df and row-level heuristics for text; a PDF always goes to review. A type the policy
 * does not allow, a file over the size cap, or bytes that are not what the name says fail at the
 * file type rule, and nothing else is read. Repeats are checked for every file.
 *
 * Pure and synchronous: no I/O. Throws DigestMismatch when `sha256` is not the bytes' digest.
 */
export function checkOutput(output: OutputToCheck): CheckReport {
  const { name, bytes, params } = output
  const evidence = output.evidence ?? {}
  const digest = createHash('sha256').update(bytes).digest('hex')
  if (digest !== output.sha256.toLowerCase()) {
    throw new DigestMismatch(
      `The bytes of "${quote(name)}" are not the ones recorded (SHA-256 ${output.sha256}, now ${digest}): the file changed after it was made, so check the file as it is now, under its new digest.`
    )
  }
  const typeResult = fileTypeRule({ name, bytes }, 'export', params)
  const repeats = repeatsRule(digest, evidence)
  if (typeResult.outcome === 'fail') return report([typeResult, repeats])

  const type = fileType(name, params.exportTypes)
  // a type the policy does not list as one whose checks can pass is for a reviewer to read whole
  const whole = params.passTypes.includes(type) ? [] : [readWhole(name, type, params.passTypes)]
  const text = () => new TextDecoder().decode(bytes)
  const textRules = (s: string) => [residualDfTextRule(s, evidence, params), rowLevelTextRule(s, evidence, params)]

  switch (type) {
    case 'csv':
    case 'tsv': {
      let table: Table
      try {
        table = parseTable(bytes, {
          format: type,
          limits: output.limits,
          roles: evidence.columnRoles,
          declared: evidence.declaredRoles
        })
      } catch (err) {
        if (!(err instanceof TableError)) throw err
        return report([unreadable(name, type, err), repeats])
      }
      return report(
        [
          typeResult,
          encodedTextRule(name, bytes),
          ...whole,
          ...TABLE_RULES.map((rule) => rule(table, evidence, params)),
          repeats
        ],
        table
      )
    }
    case 'json': {
      const s = text()
      let table: Table | null
      try {
        table = tableFromRecords(JSON.parse(s), evidence.columnRoles)
      } catch (err) {
        if (!(err instanceof TableError)) throw err
        return report([unreadable(name, type, err), repeats])
      }
      const encoded = encodedTextRule(name, bytes)
      if (table === null) return report([typeResult, encoded, ...whole, ...textRules(s), repeats])
      const t = table
      return report(
        [typeResult, encoded, ...whole, ...TABLE_RULES.map((rule) => rule(t, evidence, params)), repeats],
        t
      )
    }
    case 'png':
    case 'jpg':
    case 'jpeg': {
      const content = imageContentRule(name, type === 'png' ? 'png' : 'jpeg', bytes, evidence.disarm)
      return report([typeResult, content, ...whole, imagesRule(name, evidence), repeats])
    }
    case 'pdf':
      return report([typeResult, ...whole, imagesRule(name, evidence), repeats])
    case 'txt':
    case 'md':
      return report([typeResult, encodedTextRule(name, bytes), ...whole, ...textRules(text()), repeats])
    default:
      return report([
        result(
          'file-type',
          'review',
          `.${type} is allowed by the policy, but the checker has no rules for it: read the whole file before release.`
        ),
        repeats
      ])
  }
}

const IMAGE_TYPES = new Set(['png', 'jpg', 'jpeg'])
const TEXT_TYPES = new Set(['txt', 'md'])

/** Review, for a type the checks cannot prove holds nothing more than they read (passTypes). */
function readWhole(name: string, type: string, passTypes: readonly string[]): RuleResult {
  const what = type === '' ? 'a file without an extension' : `a .${quote(type, 16)} file`
  const why = IMAGE_TYPES.has(type)
    ? "the checks cannot prove it holds nothing more than they read: re-encoding left only its pixels, but pixels can still carry data that looks like noise or texture, so compare the figure with the table it shows"
    : TEXT_TYPES.has(type)
      ? 'the checks cannot prove it holds nothing more than they read: free text can spell data in words or characters that no check can tell from prose'
      : 'the checks cannot prove it holds nothing more than they read'
  return result(
    'file-type',
    'review',
    `"${quote(name)}" is ${what}: a reviewer must read the whole file, because ${why}. The policy lets only these types pass on their checks alone: ${passTypes.map((t) => `.${t}`).join(' ')}.`
  )
}

/**
 * Checks a file brought into a sandbox: type, size and that the bytes are what the name says.
 * What the file does is for its reviewer.
 */
export function checkImport(file: { name: string; bytes: Uint8Array; params: AirlockParams }): CheckReport {
  return report([fileTypeRule(file, 'import', file.params)])
}

function unreadable(name: string, type: string, err: TableError): RuleResult {
  return result(
    'file-type',
    'fail',
    `"${quote(name)}" is named .${type} but cannot be checked as a table: ${err.message}`
  )
}

function report(results: RuleResult[], table?: Table): CheckReport {
  const r: CheckReport = { outcome: worst(results.map((x) => x.outcome)), results }
  if (table !== undefined) r.table = table
  return r
}
