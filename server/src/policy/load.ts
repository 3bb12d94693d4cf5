import { readFileSync } from 'node:fs'
import { Value } from 'typebox/value'
import { parse } from 'yaml'
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
