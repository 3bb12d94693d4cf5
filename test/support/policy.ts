import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../../server/src/config/config.js'

/** The shipped default policy, as text. */
export const DEFAULT_POLICY_YAML = readFileSync(join(PROJECT_ROOT, 'policies', 'default.yaml'), 'utf8')

/**
 * A policy file for a test gateway (`VRE_POLICY_FILE`): the default policy as `edit` changes it,
 * in a directory of its own that `remove` deletes.
 */
export function testPolicyFile(edit: (yaml: string) => string): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vre-policy-'))
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, edit(DEFAULT_POLICY_YAML))
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** An edit that replaces the default policy's monitoring section with `section` (indented lines). */
export const withMonitoring = (section: string) => (yaml: string) =>
  `${yaml.slice(0, yaml.indexOf('\nmonitoring:'))}\nmonitoring:\n${section}`
