import type { AirlockPolicy } from '../../policy/schema.js'

export type PresetName = AirlockPolicy['preset']

/** Every airlock parameter with its effective value: the policy's override, else the preset's. */
export interface AirlockParams {
  preset: PresetName
  /** fewest individuals a released cell may count */
  threshold: number
  /** whether a count of 0 fails */
  zerosDisclosive: boolean
  /** a cell fails when its top `n` contributors make up at least `k` (a share, 0.9 = 90%) of its total */
  dominance: { n: number; k: number }
  /** a cell fails when (total - top1 - top2) / top1 is below this */
  pPercent: number
  minResidualDf: number
  rowLevel: { reviewAboveRows: number }
  /** distinct reviewers needed to release an output */
  reviewers: number
  /** extensions without the dot, lower case */
  exportTypes: string[]
  /** exported types whose checks can pass (the checks read all of such a file); any other is review at best */
  passTypes: string[]
  maxExportFileMiB: number
  importTypes: string[]
  maxImportFileMiB: number
  /** failing checks a researcher may ask an exception for (never file-type or row-level) */
  exceptionRules: ExceptableRuleName[]
  /** reviewers of the requester's own organization do not review the request */
  excludeRequesterOrganization: boolean
  /** approved files of a partly approved request may be released */
  partialRelease: boolean
  /** bytes one reviewer may preview in a day */
  previewMiBPerReviewerPerDay: number
}

/** The checks an exception may be asked for. */
export type ExceptableRuleName =
  'threshold' | 'zeros' | 'dominance' | 'p-percent' | 'residual-df' | 'differencing' | 'repeats' | 'images'

type PresetParams = Pick<
  AirlockParams,
  'threshold' | 'zerosDisclosive' | 'dominance' | 'pPercent' | 'minResidualDf' | 'reviewers' | 'exceptionRules'
>

/**
 * DISCLOSURE.md names for ndb-japan only the threshold, zeros and reviewers. The magnitude and
 * model rules are not part of the NDB publication rules, but a sum of costs dominated by one
 * patient is as disclosive in Japan as anywhere, so ndb-japan keeps ACRO's values for them.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<PresetParams>>> = {
  'ndb-japan': {
    threshold: 10,
    zerosDisclosive: false,
    dominance: { n: 2, k: 0.9 },
    pPercent: 0.1,
    minResidualDf: 10,
    reviewers: 2,
    // the NDB's minimum aggregation unit is absolute: never an exception for the threshold
    exceptionRules: ['dominance', 'p-percent', 'residual-df', 'differencing', 'repeats', 'images']
  },
  'acro-default': {
    threshold: 10,
    zerosDisclosive: true,
    dominance: { n: 2, k: 0.9 },
    pPercent: 0.1,
    minResidualDf: 10,
    reviewers: 2,
    // as SACRO: any suppression rule may be excepted with a reason the checkers accept
    exceptionRules: ['threshold', 'zeros', 'dominance', 'p-percent', 'residual-df', 'differencing', 'repeats', 'images']
  }
}

/** The same under both presets: which files may pass and how large, and when many rows need a look. */
export const FILE_DEFAULTS = {
  rowLevel: { reviewAboveRows: 1000 },
  exportTypes: ['csv', 'tsv', 'png', 'jpg', 'jpeg', 'pdf', 'txt', 'md', 'json'],
  // a JSON, a PDF or an archive can hold more than the checks read: a reviewer reads it whole
  // only tables: their rules read every cell. An image's pixels (re-encoded, so nothing else is
  // left) and free text can still spell data that no check can tell from a figure or prose
  passTypes: ['csv', 'tsv'],
  maxExportFileMiB: 16,
  importTypes: ['py', 'r', 'sql', 'csv', 'txt', 'md', 'json', 'yaml', 'zip', 'tar.gz', 'tgz'],
  maxImportFileMiB: 64,
  excludeRequesterOrganization: true,
  partialRelease: false,
  // a reviewer reads an output to decide on it: a day's careful reading of tables, figures and a
  // report or two is a few MiB; 64 MiB is ample for that and far from reading a dataset out
  previewMiBPerReviewerPerDay: 64
} as const

/** Requests (out or in) one researcher may submit per minute unless the policy says otherwise. */
export const SUBMISSIONS_PER_MINUTE = 10

/** The effective parameters of a policy's airlock section: the preset's values, then the policy's overrides. */
export function resolveAirlockParams(policy: AirlockPolicy): AirlockParams {
  const preset = PRESETS[policy.preset]
  return {
    preset: policy.preset,
    threshold: policy.threshold ?? preset.threshold,
    zerosDisclosive: policy.zerosDisclosive ?? preset.zerosDisclosive,
    dominance: { ...(policy.dominance ?? preset.dominance) },
    pPercent: policy.pPercent ?? preset.pPercent,
    minResidualDf: policy.minResidualDf ?? preset.minResidualDf,
    rowLevel: { ...(policy.rowLevel ?? FILE_DEFAULTS.rowLevel) },
    reviewers: policy.reviewers ?? preset.reviewers,
    exportTypes: [...(policy.exportTypes ?? FILE_DEFAULTS.exportTypes)],
    passTypes: [...(policy.passTypes ?? FILE_DEFAULTS.passTypes)],
    maxExportFileMiB: policy.maxExportFileMiB ?? FILE_DEFAULTS.maxExportFileMiB,
    importTypes: [...(policy.importTypes ?? FILE_DEFAULTS.importTypes)],
    maxImportFileMiB: policy.maxImportFileMiB ?? FILE_DEFAULTS.maxImportFileMiB,
    exceptionRules: [...(policy.exceptionRules ?? preset.exceptionRules)],
    excludeRequesterOrganization: policy.excludeRequesterOrganization ?? FILE_DEFAULTS.excludeRequesterOrganization,
    partialRelease: policy.partialRelease ?? FILE_DEFAULTS.partialRelease,
    previewMiBPerReviewerPerDay: policy.previewMiBPerReviewerPerDay ?? FILE_DEFAULTS.previewMiBPerReviewerPerDay
  }
}
