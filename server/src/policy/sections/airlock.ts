import { Type, type Static } from 'typebox'

/** A file extension without its dot, lower case: `csv`, `tar.gz`. */
const Extension = Type.String({ minLength: 1, maxLength: 16, pattern: '^[a-z0-9]+(\\.[a-z0-9]+)?$' })
const Extensions = (description: string, defaultValue: string[]) =>
  Type.Array(Extension, { minItems: 1, maxItems: 50, uniqueItems: true, default: defaultValue, description })

/**
 * The checks a researcher may ask an exception for. The file type (what may leave at all) and
 * row-level data (individual records) never take one.
 */
export const ExceptableRule = Type.Union([
  Type.Literal('threshold'),
  Type.Literal('zeros'),
  Type.Literal('dominance'),
  Type.Literal('p-percent'),
  Type.Literal('residual-df'),
  Type.Literal('differencing'),
  Type.Literal('repeats'),
  Type.Literal('images')
])

/**
 * What may pass the airlock and how outputs are checked (DISCLOSURE.md). A preset gives every
 * disclosure parameter; a key set here overrides the preset's value. The effective values come
 * from `resolveAirlockParams` (server/src/airlock/disclosure/params.ts).
 */
export const AirlockPolicy = Type.Object(
  {
    preset: Type.Union([Type.Literal('ndb-japan'), Type.Literal('acro-default')], {
      description:
        'ndb-japan: threshold 10 on individuals, zeros allowed, two reviewers; acro-default: the same threshold, zeros disclosive'
    }),
    threshold: Type.Optional(
      Type.Integer({
        minimum: 2,
        maximum: 1000,
        description: 'fewest individuals a released cell may count (default from the preset: 10)'
      })
    ),
    zerosDisclosive: Type.Optional(
      Type.Boolean({ description: 'a count of 0 fails (acro-default) or is allowed (ndb-japan)' })
    ),
    dominance: Type.Optional(
      Type.Object(
        {
          n: Type.Integer({ minimum: 1, maximum: 10, description: 'how many of the largest contributors are summed' }),
          k: Type.Number({
            minimum: 0.5,
            maximum: 1,
            description: 'a cell fails when its top n contributors make up at least this share of its total'
          })
        },
        { additionalProperties: false, description: 'n,k dominance (default from the preset: 2 / 0.90)' }
      )
    ),
    pPercent: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          'a cell fails when (total - top1 - top2) / top1 is below this; 0 turns the rule off (default from the preset: 0.10)'
      })
    ),
    minResidualDf: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description: 'fewest residual degrees of freedom a released model may have (default from the preset: 10)'
      })
    ),
    rowLevel: Type.Optional(
      Type.Object(
        {
          reviewAboveRows: Type.Integer({
            minimum: 1,
            maximum: 10_000_000,
            default: 1000,
            description: 'an output with more rows than this is flagged for review as possible individual records'
          })
        },
        { additionalProperties: false }
      )
    ),
    reviewers: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 5,
        description:
          'distinct reviewers, none of them the requester, needed to release an output (default from the preset: 2)'
      })
    ),
    exportTypes: Type.Optional(
      Extensions('file types an output may have', ['csv', 'tsv', 'png', 'jpg', 'jpeg', 'pdf', 'txt', 'md', 'json'])
    ),
    passTypes: Type.Optional(
      Extensions(
        'file types whose checks can pass; any other exported type is for a reviewer to read whole (review at best)',
        ['csv', 'tsv', 'png', 'jpg', 'jpeg', 'txt', 'md']
      )
    ),
    maxExportFileMiB: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1024, default: 16, description: 'largest output file' })
    ),
    importTypes: Type.Optional(
      Extensions('file types that may be brought into a sandbox', [
        'py',
        'r',
        'sql',
        'csv',
        'txt',
        'md',
        'json',
        'yaml',
        'zip',
        'tar.gz',
        'tgz'
      ])
    ),
    maxImportFileMiB: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 4096, default: 64, description: 'largest file brought in' })
    ),
    submissionsPerMinute: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        default: 10,
        description: 'requests (out or in) one researcher may submit per minute'
      })
    ),
    exceptionRules: Type.Optional(
      Type.Array(ExceptableRule, {
        maxItems: 10,
        uniqueItems: true,
        description:
          'failing checks a researcher may ask an exception for, with a reason, which each reviewer then acknowledges; empty: none (default from the preset)'
      })
    ),
    excludeRequesterOrganization: Type.Optional(
      Type.Boolean({
        default: true,
        description: "reviewers of the requester's own organization do not review the request"
      })
    ),
    partialRelease: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'the approved files of a request whose other files were returned or rejected may be released'
      })
    ),
    previewMiBPerReviewerPerDay: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        default: 64,
        description: "MiB of requests' files one reviewer may preview in a day"
      })
    )
  },
  { additionalProperties: false }
)
export type AirlockPolicy = Static<typeof AirlockPolicy>
