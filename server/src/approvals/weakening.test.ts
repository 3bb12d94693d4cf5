import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from '../airlock/disclosure/params.js'
import { type AirlockPolicy, AirlockPolicy as AirlockPolicySchema } from '../policy/schema.js'
import { airlockWeakenings, compared, LOOSER } from './weakening.js'

const ndb = (p: Partial<AirlockPolicy> = {}): AirlockPolicy => ({ preset: 'ndb-japan', ...p })
const keys = (before: Partial<AirlockPolicy>, after: Partial<AirlockPolicy>) =>
  airlockWeakenings(ndb(before), ndb(after)).map((w) => w.key)

/**
 * Each airlock parameter, a value that relaxes it and one that tightens it, from ndb-japan's
 * effective values (threshold 10, zeros allowed, dominance 2 / 0.9, p-percent 0.1, residual df 10,
 * two reviewers, review above 1000 rows, 16 MiB out, 64 MiB in, 10 submissions a minute, 64 MiB
 * of previews).
 */
type Case = { before?: Partial<AirlockPolicy>; looser: Partial<AirlockPolicy>; stricter: Partial<AirlockPolicy> }
const CASES: Record<keyof typeof LOOSER, Case> = {
  reviewers: { looser: { reviewers: 1 }, stricter: { reviewers: 3 } },
  excludeRequesterOrganization: {
    looser: { excludeRequesterOrganization: false },
    stricter: { excludeRequesterOrganization: true }
  },
  partialRelease: { looser: { partialRelease: true }, stricter: { partialRelease: false } },
  exceptionRules: {
    looser: { exceptionRules: ['dominance', 'p-percent', 'residual-df', 'differencing', 'repeats', 'images', 'zeros'] },
    stricter: { exceptionRules: ['images'] }
  },
  threshold: { looser: { threshold: 5 }, stricter: { threshold: 20 } },
  zerosDisclosive: {
    before: { zerosDisclosive: true },
    looser: { zerosDisclosive: false },
    stricter: { zerosDisclosive: true }
  },
  'dominance.n': { looser: { dominance: { n: 1, k: 0.9 } }, stricter: { dominance: { n: 3, k: 0.9 } } },
  'dominance.k': { looser: { dominance: { n: 2, k: 0.95 } }, stricter: { dominance: { n: 2, k: 0.8 } } },
  pPercent: { looser: { pPercent: 0.05 }, stricter: { pPercent: 0.2 } },
  minResidualDf: { looser: { minResidualDf: 5 }, stricter: { minResidualDf: 20 } },
  'rowLevel.reviewAboveRows': {
    looser: { rowLevel: { reviewAboveRows: 5000 } },
    stricter: { rowLevel: { reviewAboveRows: 100 } }
  },
  exportTypes: {
    looser: { exportTypes: ['csv', 'tsv', 'png', 'jpg', 'jpeg', 'pdf', 'txt', 'md', 'json', 'parquet'] },
    stricter: { exportTypes: ['csv'] }
  },
  passTypes: {
    looser: { passTypes: ['csv', 'tsv', 'png', 'jpg', 'jpeg', 'txt', 'md', 'json'] },
    stricter: { passTypes: ['csv'] }
  },
  maxExportFileMiB: { looser: { maxExportFileMiB: 64 }, stricter: { maxExportFileMiB: 4 } },
  importTypes: {
    looser: { importTypes: ['py', 'r', 'sql', 'csv', 'txt', 'md', 'json', 'yaml', 'zip', 'tar.gz', 'tgz', 'whl'] },
    stricter: { importTypes: ['py'] }
  },
  maxImportFileMiB: { looser: { maxImportFileMiB: 256 }, stricter: { maxImportFileMiB: 8 } },
  submissionsPerMinute: { looser: { submissionsPerMinute: 100 }, stricter: { submissionsPerMinute: 2 } },
  previewMiBPerReviewerPerDay: {
    looser: { previewMiBPerReviewerPerDay: 512 },
    stricter: { previewMiBPerReviewerPerDay: 8 }
  }
}

describe('airlock weakenings', () => {
  it('weighs every parameter of the airlock section, so none can be relaxed by one administrator', () => {
    // what a policy may set (its schema), bar the preset (weighed through the values it gives)
    const settable = Object.keys(AirlockPolicySchema.properties).filter((k) => k !== 'preset')
    const weighed = Object.keys(LOOSER).map((k) => k.split('.')[0])
    expect([...new Set(weighed)].sort()).toEqual(settable.sort())
    // and each nested one in full
    expect(Object.keys(compared(ndb()).dominance).map((k) => `dominance.${k}`)).toEqual(
      Object.keys(LOOSER).filter((k) => k.startsWith('dominance.'))
    )
    expect(Object.keys(compared(ndb()).rowLevel).map((k) => `rowLevel.${k}`)).toEqual(
      Object.keys(LOOSER).filter((k) => k.startsWith('rowLevel.'))
    )
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(LOOSER).sort())
  })

  for (const [key, c] of Object.entries(CASES)) {
    it(`finds ${key} relaxed, and lets it be tightened or left as it is`, () => {
      const before = c.before ?? {}
      expect(keys(before, c.looser)).toEqual([key])
      expect(keys(before, c.stricter)).toEqual([])
      expect(keys(c.looser, c.stricter)).toEqual([])
      expect(keys(c.looser, c.looser)).toEqual([])
    })
  }

  it('compares effective values: writing out what the preset says changes nothing', () => {
    expect(airlockWeakenings(ndb(), ndb({ reviewers: 2, threshold: 10 }))).toEqual([])
    expect(airlockWeakenings(ndb(), ndb({ reviewers: 1 }))).toEqual([{ key: 'reviewers', from: 2, to: 1 }])
    // the built-in default of a key no policy wrote
    expect(airlockWeakenings(ndb(), ndb({ previewMiBPerReviewerPerDay: 65 }))).toEqual([
      { key: 'previewMiBPerReviewerPerDay', from: 64, to: 65 }
    ])
  })

  it('finds each relaxation a change of preset makes', () => {
    // acro-default allows the threshold and zeros to be excepted, which ndb-japan never does
    expect(airlockWeakenings(ndb(), { preset: 'acro-default' }).map((w) => w.key)).toEqual(['exceptionRules'])
    // and back: zeros are no longer disclosive
    expect(airlockWeakenings({ preset: 'acro-default' }, ndb())).toEqual([
      { key: 'zerosDisclosive', from: true, to: false }
    ])
  })

  it('names every relaxation of one change, with its values', () => {
    const found = airlockWeakenings(
      ndb(),
      ndb({ threshold: 5, dominance: { n: 2, k: 0.99 }, exportTypes: ['csv', 'parquet'], partialRelease: true })
    )
    expect(found).toEqual([
      { key: 'partialRelease', from: false, to: true },
      { key: 'threshold', from: 10, to: 5 },
      { key: 'dominance.k', from: 0.9, to: 0.99 },
      { key: 'exportTypes', from: resolveAirlockParams(ndb()).exportTypes, to: ['csv', 'parquet'] }
    ])
  })
})
