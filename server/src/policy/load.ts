import { readFileSync } from 'node:fs'
import { Value } from 'typebox/value'
import { LineCounter, parse, parseDocument, type Document } from 'yaml'
import { ConfigError } from '../errors.js'
import { Policy } from './schema.js'

/**
 * Checks a parsed policy against the schema. Unknown keys and out-of-range values are refused,
 * each named by its path ("auth.lockout.maxFailedAttempts: must be <= 100").
 */
export function checkPolicy(value: unknown, source: string): Policy {
  const problems: string[] = []
  for (const e of Value.Errors(Policy, value)) {
    if (e.keyword === 'boolean') continue // reported again as additionalProperties
    const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)'
    const extra =
      e.keyword === 'additionalProperties'
        ? `unknown key ${(e.params as { additionalProperties: string[] }).additionalProperties.join(', ')}`
        : e.message
    problems.push(`${path}: ${extra}`)
  }
  if (problems.length > 0) {
    throw new ConfigError(`policy ${source} is invalid:\n  ${problems.join('\n  ')}`)
  }
  return value as Policy
}

/** One thing wrong with a policy: where (a JSON pointer, "" for the whole), what, and on which line of its YAML. */
export interface PolicyProblem {
  path: string
  message: string
  line?: number
}

/**
 * Every way `value` breaks the schema, each at the path of the offending key, so an editor can show
 * it next to its field: an unknown key at its own path, a missing one at the path it should have.
 */
export function policyProblems(value: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  const allowed = new Map<string, unknown[]>()
  for (const e of Value.Errors(Policy, value)) {
    const params = e.params as Record<string, unknown>
    if (e.keyword === 'boolean') continue // reported again as additionalProperties
    if (e.keyword === 'const') {
      allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), params.allowedValue])
      continue
    }
    if (e.keyword === 'anyOf' && allowed.has(e.instancePath)) {
      const values = allowed.get(e.instancePath)!.map(String).join(', ')
      problems.push({ path: e.instancePath, message: `must be one of ${values}` })
      continue
    }
    if (e.keyword === 'additionalProperties') {
      for (const key of params.additionalProperties as string[]) {
        problems.push({ path: `${e.instancePath}/${key}`, message: 'is not a key a policy may have' })
      }
      continue
    }
    if (e.keyword === 'required') {
      for (const key of params.requiredProperties as string[]) {
        problems.push({ path: `${e.instancePath}/${key}`, message: 'is required' })
      }
      continue
    }
    problems.push({ path: e.instancePath, message: e.message })
  }
  return problems
}

export type ParsedPolicy = { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] }

/**
 * Parses and checks a policy's YAML: a syntax error names its line; a schema problem names its key
 * path and the line of that key (or of the nearest key above it that exists).
 */
export function parsePolicyText(text: string): ParsedPolicy {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '',
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
        line: lineCounter.linePos(e.pos[0]).line
      }))
    }
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 50 })
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `not valid YAML: ${(err as Error).message}` }] }
  }
  const problems = policyProblems(value)
  if (problems.length === 0) return { ok: true, policy: value as Policy }
  return { ok: false, problems: problems.map((p) => ({ ...p, ...lineOf(doc, lineCounter, p.path) })) }
}

/** The line of the key at `pointer`, or of its nearest ancestor present in the document. */
function lineOf(doc: Document, lines: LineCounter, pointer: string): { line?: number } {
  const keys = pointer
    .split('/')
    .slice(1)
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k))
  for (let n = keys.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(keys.slice(0, n - 1), true)
    const key = keys[n - 1]
    const items = (parent as { items?: unknown[] } | null)?.items
    if (!Array.isArray(items)) continue
    const item = items[typeof key === 'number' ? key : -1] as { range?: [number, number, number] } | undefined
    const pair = items.find((i) => (i as { key?: { value?: unknown } }).key?.value === key) as
      { key?: { range?: [number, number, number] } } | undefined
    const range = typeof key === 'number' ? item?.range : pair?.key?.range
    if (range) return { line: lines.linePos(range[0]).line }
  }
  return {}
}

export function loadPolicyFile(path: string): Policy {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read policy ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = parse(text)
  } catch (err) {
    throw new ConfigError(`policy ${path} is not valid YAML: ${(err as Error).message}`)
  }
  return checkPolicy(parsed, path)
}
