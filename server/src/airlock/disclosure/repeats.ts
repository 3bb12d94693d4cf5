import type { Evidence, RuleResult } from './types.js'
import { examples, quote, result } from './wording.js'

/**
 * Repeats: the same bytes released before. Releasing them again discloses nothing new, but a
 * reviewer should know: it may be a mistake, or a request that went round review once already.
 * Compared by SHA-256, so a renamed copy is caught and a changed file is not a repeat.
 */
export function repeatsRule(sha256: string, evidence: Evidence): RuleResult {
  const digest = sha256.toLowerCase()
  const same = (evidence.earlierReleases ?? []).filter((e) => e.sha256.toLowerCase() === digest)
  if (same.length === 0) return result('repeats', 'pass', 'These bytes were not released before.')
  return result(
    'repeats',
    'review',
    `These exact bytes were released before as ${examples(same, (e) => `"${quote(e.name)}"`)}: releasing them again discloses nothing new, but check that this request is not a mistake.`
  )
}
