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

/** An edit that sets the default policy's display budget (bytes). */
export const withDisplay =
  (d: { bytesPerMinute: number; burstBytes: number; bytesPerSession: number }) => (yaml: string) =>
    yaml
      .replace(/^ {2}bytesPerMinute: \d+.*$/m, `  bytesPerMinute: ${d.bytesPerMinute}`)
      .replace(/^ {2}burstBytes: \d+.*$/m, `  burstBytes: ${d.burstBytes}`)
      .replace(/^ {2}bytesPerSession: \d+.*$/m, `  bytesPerSession: ${d.bytesPerSession}`)

/** A display budget no test's output comes near: for tests of something else that print a lot. */
export const LARGE_DISPLAY = { bytesPerMinute: 1 << 30, burstBytes: 1 << 30, bytesPerSession: 64 * (1 << 30) }

/**
 * The shipped default policy with a warm pool of `size` per active project and `sessions` live
 * sessions per researcher, written to `dir`/policy.yaml; returns the file.
 */
export function poolPolicyFile(
  dir: string,
  pool: { size: number; idleMinutes: number; activeMinutes: number },
  sessions = 2
): string {
  const file = join(dir, 'policy.yaml')
  writeFileSync(
    file,
    DEFAULT_POLICY_YAML.replace(
      /^ {2}sessionsPerUser: 1$/m,
      `  sessionsPerUser: ${sessions}\n  pool:\n    size: ${pool.size}\n    idleMinutes: ${pool.idleMinutes}\n    activeMinutes: ${pool.activeMinutes}`
    )
  )
  return file
}
