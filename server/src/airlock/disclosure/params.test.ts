import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkPolicy, loadPolicyFile } from '../../policy/load.js'
import { PRESETS, resolveAirlockParams } from './params.js'

const DEFAULT_POLICY = fileURLToPath(new URL('../../../../policies/default.yaml', import.meta.url))
const defaultPolicy = () => parse(readFileSync(DEFAULT_POLICY, 'utf8')) as Record<string, unknown>

describe('airlock policy', () => {
  it('gives the default policy the ndb-japan preset: threshold 10, zeros allowed, two reviewers', () => {
    const params = resolveAirlockParams(loadPolicyFile(DEFAULT_POLICY).airlock)
    expect(params).toEqual({
      preset: 'ndb-japan',
      threshold: 10,
      zerosDisclosive: false,
      dominance: { n: 2, k: 0.9 },
      pPercent: 0.1,
      minResidualDf: 10,
      rowLevel: { reviewAboveRows: 1000 },
      reviewers: 2,
      exportTypes: ['csv', 'tsv', 'png', 'jpg', 'jpeg', 'pdf', 'txt', 'md', 'json'],
      passTypes: ['csv', 'tsv'],
      maxExportFileMiB: 16,
      importTypes: ['py', 'r', 'sql', 'csv', 'txt', 'md', 'json', 'yaml', 'zip', 'tar.gz', 'tgz'],
      maxImportFileMiB: 64,
      // the NDB's minimum aggregation unit is absolute: never an exception for the threshold
      exceptionRules: ['dominance', 'p-percent', 'residual-df', 'differencing', 'repeats', 'images'],
      excludeRequesterOrganization: true,
      partialRelease: false,
      previewMiBPerReviewerPerDay: 64
    })
  })

  it('fills what a policy leaves out from its preset, and lets what it sets win', () => {
    const acro = resolveAirlockParams({ preset: 'acro-default' })
    expect(acro.zerosDisclosive).toBe(true)
    expect(acro.threshold).toBe(PRESETS['acro-default'].threshold)
    const strict = resolveAirlockParams({
      preset: 'ndb-japan',
      threshold: 20,
      zerosDisclosive: true,
      dominance: { n: 3, k: 0.8 },
      pPercent: 0.2,
      minResidualDf: 30,
      reviewers: 3,
      exportTypes: ['csv']
    })
    expect(strict).toMatchObject({
      threshold: 20,
      zerosDisclosive: true,
      dominance: { n: 3, k: 0.8 },
      pPercent: 0.2,
      minResidualDf: 30,
      reviewers: 3,
      exportTypes: ['csv']
    })
  })

  it('does not let a resolved value alias the preset', () => {
    const params = resolveAirlockParams({ preset: 'ndb-japan' })
    params.dominance.k = 0.5
    params.exportTypes.push('exe')
    expect(PRESETS['ndb-japan'].dominance.k).toBe(0.9)
    expect(resolveAirlockParams({ preset: 'ndb-japan' }).exportTypes).not.toContain('exe')
  })

  it('refuses an unknown preset, an unknown key and out-of-range values, naming each path', () => {
    const policy = defaultPolicy()
    policy.airlock = {
      preset: 'lenient',
      threshold: 1,
      dominance: { n: 2, k: 1.5 },
      exportTypes: ['.exe'],
      colour: 'blue'
    }
    let message = ''
    try {
      checkPolicy(policy, 'test.yaml')
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/airlock\.preset/)
    expect(message).toMatch(/airlock\.threshold: must be >= 2/)
    expect(message).toMatch(/airlock\.dominance\.k: must be <= 1/)
    expect(message).toMatch(/airlock\.exportTypes\.0/)
    expect(message).toMatch(/airlock: unknown key colour/)
  })

  it('refuses a policy without an airlock section', () => {
    const policy = defaultPolicy()
    delete policy.airlock
    expect(() => checkPolicy(policy, 'test.yaml')).toThrow(/airlock/)
  })
})
