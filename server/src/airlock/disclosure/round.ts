import { checkOutput } from './index.js'
import type { AirlockParams } from './params.js'
import { parseTable } from './table.js'
import { thresholdRule } from './threshold.js'
import { type CatalogMarks, type EarlierRelease, type FileEvidence, type Outcome, type RuleResult, worst } from './types.js'

/** An output as it is compared with: its name (with a note where it stands), digest and bytes. */
export interface ComparedOutput {
  name: string
  sha256: string
  bytes: Uint8Array
}

/** One round of a request: everything its checks need, all plain data (it crosses to a worker thread). */
export interface RoundJob {
  params: AirlockParams
  files: (ComparedOutput & {
    /** what the recount and the export helper learned about the file: individuals, contributions, roles */
    evidence?: FileEvidence
  })[]
  /** the project's released outputs and the files of its other open requests */
  earlier: ComparedOutput[]
  /** identifier and quasi-identifier columns of the project's datasets */
  catalog?: CatalogMarks
}

export interface RoundReport {
  outcome: Outcome
  results: RuleResult[]
}

/** An output as the repeat and differencing rules compare against it; its table when it is one. */
export function comparable({ name, sha256, bytes }: ComparedOutput): EarlierRelease {
  const release: EarlierRelease = { name, sha256 }
  if (/\.(csv|tsv)$/i.test(name.replace(/ \(.*\)$/, ''))) {
    try {
      release.table = parseTable(bytes, { format: /\.tsv/i.test(name) ? 'tsv' : 'csv' })
    } catch {
      // a table that can't be read is compared by its digest only (repeats), as any other file
    }
  }
  return release
}

/**
 * The automated checks of one round: each file against the rules, against the earlier outputs and
 * against the other files of its round, so two tables differing by a small group can't pass side
 * by side. Pure and synchronous; the gateway runs it on a worker thread.
 */
export function checkRound(job: RoundJob): RoundReport[] {
  const { params } = job
  const earlier = job.earlier.map(comparable)
  const requestFiles = job.files.map((f) => f.name)
  return job.files.map((f) => {
    const sameRound = job.files
      .filter((c) => c.sha256 !== f.sha256 || c.name !== f.name)
      .map((c) => comparable({ ...c, name: `${c.name} (in this request)` }))
    const report = checkOutput({
      name: f.name,
      bytes: f.bytes,
      sha256: f.sha256,
      params,
      evidence: {
        earlierReleases: [...earlier, ...sameRound],
        requestFiles,
        ...(job.catalog !== undefined ? { catalog: job.catalog } : {}),
        ...f.evidence
      }
    })
    // the recount may only ever find more: where the table alone finds a failing printed count, that
    // one stands; its review for want of evidence does not, since the recount is that evidence
    if (f.evidence?.individualsPerRow !== undefined && report.table !== undefined) {
      const alone = thresholdRule(report.table, {}, params)
      const i = report.results.findIndex((r) => r.rule === 'threshold')
      if (i >= 0 && alone.outcome === 'fail' && report.results[i]!.outcome !== 'fail') {
        report.results[i] = alone
        report.outcome = worst(report.results.map((r) => r.outcome))
      }
    }
    return { outcome: report.outcome, results: report.results }
  })
}
