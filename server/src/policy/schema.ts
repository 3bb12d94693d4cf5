import { Type, type Static } from 'typebox'

const Minutes = (description: string, max: number, defaultValue: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: defaultValue, description })

/** Sign-in and token settings. */
export const AuthPolicy = Type.Object(
  {
    accessTokenMinutes: Minutes('lifetime of an access token', 60, 15),
    refreshTokenHours: Type.Integer({
      minimum: 1,
      maximum: 24 * 7,
      default: 12,
      description: 'longest a sign-in lasts'
    }),
    signInDelays: Type.Optional(
      Type.Object(
        {
          windowMinutes: Minutes(
            "failures older than this are forgotten; a sign-in forgets its account's from its address",
            24 * 60,
            15
          ),
          accountFreeFailures: Type.Integer({
            minimum: 1,
            maximum: 100,
            default: 5,
            description:
              'failures of one account from one address before its attempts from there wait (never from elsewhere)'
          }),
          addressFreeFailures: Type.Integer({
            minimum: 1,
            maximum: 1000,
            default: 10,
            description:
              'failures from one address, across accounts (password spraying), before its attempts wait; an account that signed in from there lately is spared'
          }),
          firstDelaySeconds: Type.Integer({ minimum: 1, maximum: 60, default: 1, description: 'the first wait' }),
          maxDelaySeconds: Type.Integer({
            minimum: 1,
            maximum: 300,
            default: 60,
            description: 'the wait doubles with each further failure up to this: the right credentials get in after it'
          })
        },
        {
          additionalProperties: false,
          description:
            'progressive delays after failed sign-ins, never a lockout (NIST SP 800-63B 5.2.2); the shipped defaults where absent'
        }
      )
    ),
    // Read from versions saved before delays replaced lockout; neither has any effect now.
    lockout: Type.Optional(
      Type.Object(
        {
          maxFailedAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
          windowMinutes: Minutes('no longer used', 24 * 60, 15),
          lockMinutes: Minutes('no longer used', 24 * 60, 15)
        },
        {
          additionalProperties: false,
          description: 'no longer used: replaced by signInDelays, which never lock anyone out'
        }
      )
    ),
    addressLimit: Type.Optional(
      Type.Object(
        {
          maxFailedAttempts: Type.Integer({ minimum: 1, maximum: 10000 }),
          windowMinutes: Minutes('no longer used', 24 * 60, 15)
        },
        { additionalProperties: false, description: 'no longer used: replaced by signInDelays.addressFreeFailures' }
      )
    ),
    requestsPerMinute: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 30,
      description: 'sign-in requests per address per minute, failed or not'
    })
  },
  { additionalProperties: false }
)

export type SignInDelays = NonNullable<Static<typeof AuthPolicy>['signInDelays']>

/** Used when a policy has no signInDelays: the shipped default policy's values. */
export const DEFAULT_SIGN_IN_DELAYS: SignInDelays = {
  windowMinutes: 15,
  accountFreeFailures: 5,
  addressFreeFailures: 10,
  firstDelaySeconds: 1,
  maxDelaySeconds: 60
}

/** How analysis sandboxes are launched and how long they live. */
export const SandboxPolicy = Type.Object(
  {
    image: Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$' }),
    runtime: Type.Union([Type.Literal('runsc'), Type.Literal('runc')], {
      description: 'runsc is gVisor; a policy that asks for it never falls back to runc'
    }),
    cpus: Type.Number({ minimum: 0.1, maximum: 64 }),
    memoryMiB: Type.Integer({ minimum: 256, maximum: 256 * 1024 }),
    pids: Type.Integer({ minimum: 32, maximum: 32768 }),
    workAreaMiB: Type.Integer({ minimum: 16, maximum: 64 * 1024, description: "the researcher's workspace (tmpfs)" }),
    tmpMiB: Type.Integer({ minimum: 16, maximum: 64 * 1024, description: '/tmp (tmpfs)' }),
    dataMiB: Type.Integer({ minimum: 16, maximum: 256 * 1024, description: "room for the project's datasets (tmpfs)" }),
    maxDurationMinutes: Type.Integer({
      minimum: 1,
      maximum: 7 * 24 * 60,
      description:
        'counted from the request; the sandbox ends itself a grace later (a tenth, 30 s to 5 min) even with no gateway watching, and a raise reaches new sessions only'
    }),
    idleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
    sessionsPerUser: Type.Integer({ minimum: 1, maximum: 20 }),
    /** a notebook table result shows at most this many rows, with a "rows not shown" line (default 1000) */
    rowCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** days a project's saved workspaces are kept after its end date, then deleted (default 30) */
    workspaceRetentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, default: 30 }))
  },
  { additionalProperties: false }
)
export type SandboxPolicy = Static<typeof SandboxPolicy>

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

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/**
 * What may reach a researcher's screen from inside a sandbox: terminal output, cell outputs, file
 * views, notebook loads. The screen is a way out too, so the gateway counts every such byte against
 * one budget per session: a bucket of `burstBytes` that refills at `bytesPerMinute`, and
 * `bytesPerSession` in all. Changes reach running sessions at once.
 */
export const DisplayPolicy = Type.Object(
  {
    bytesPerMinute: Type.Integer({
      minimum: KiB,
      maximum: GiB,
      description: 'bytes a session may show per minute once its burst is spent'
    }),
    burstBytes: Type.Integer({
      minimum: KiB,
      maximum: GiB,
      description: 'bytes a session may show at once, before it is held to bytesPerMinute'
    }),
    bytesPerSession: Type.Integer({
      minimum: KiB,
      maximum: 64 * GiB,
      description: 'bytes a session may show in all; past it, nothing more reaches the screen'
    })
  },
  { additionalProperties: false }
)
export type DisplayPolicy = Static<typeof DisplayPolicy>

/** Used when a policy has no display section: the shipped default policy's values. */
export const DEFAULT_DISPLAY: DisplayPolicy = { bytesPerMinute: 512 * KiB, burstBytes: MiB, bytesPerSession: 64 * MiB }

/**
 * What a researcher can make the service store, each capped: past a cap, a clear refusal (or, for a
 * recording, a "truncated" mark), never a full disk.
 */
export const QuotaPolicy = Type.Object(
  {
    recordingBytesPerSession: Type.Integer({
      minimum: 64 * KiB,
      maximum: 16 * GiB,
      description: "bytes of a session's terminal recordings; past it a recording says where it was truncated"
    }),
    dataOperationLogBytesPerSession: Type.Integer({
      minimum: 64 * KiB,
      maximum: 16 * GiB,
      description:
        "bytes of cell sources in a session's data-operation log (the audit log keeps a digest and an excerpt); past it, cells are refused"
    }),
    quarantineBytesPerProject: Type.Integer({
      minimum: MiB,
      maximum: 1024 * GiB,
      description: "bytes of a project's files held in the airlock's quarantine; past it, new requests are refused"
    })
  },
  { additionalProperties: false }
)
export type QuotaPolicy = Static<typeof QuotaPolicy>

/** Used when a policy has no quotas section: the shipped default policy's values. */
export const DEFAULT_QUOTAS: QuotaPolicy = {
  recordingBytesPerSession: 16 * MiB,
  dataOperationLogBytesPerSession: 64 * MiB,
  quarantineBytesPerProject: 2 * GiB
}

const RuleAction = Type.Union([Type.Literal('alert'), Type.Literal('end')], {
  description: 'alert: raise an alert in the console; end: also end the session at once'
})

/** Rules on the event stream of live sessions; each raises an alert and, with `end`, ends the session. */
export const MonitoringPolicy = Type.Object(
  {
    terminalOutputMiBPerMinute: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 100_000 }), action: RuleAction },
        { additionalProperties: false, description: 'terminal output of one session within a minute' }
      )
    ),
    refusedActionsPerMinute: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 10_000 }), action: RuleAction },
        { additionalProperties: false, description: 'requests of one user refused within a minute' }
      )
    ),
    encodedOutputKiBPerMinute: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }), action: RuleAction },
        {
          additionalProperties: false,
          description:
            'output of one session within a minute that looks like encoded binary (long base64 or hex runs, high entropy)'
        }
      )
    ),
    datasetMatches: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }), action: RuleAction },
        {
          additionalProperties: false,
          description: "pieces of the project's dataset files recognised in one session's output"
        }
      )
    ),
    displayCeilingMinutes: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 10_000 }), action: RuleAction },
        {
          additionalProperties: false,
          description: 'minutes in a row a session spent its whole display budget'
        }
      )
    ),
    allowedHours: Type.Optional(
      Type.Object(
        {
          from: Type.String({
            pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
            description: 'HH:MM, in the time zone of the platform'
          }),
          to: Type.String({
            pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$',
            description: 'HH:MM, exclusive; before `from` spans midnight'
          }),
          action: RuleAction
        },
        { additionalProperties: false, description: 'sessions may run only within these hours' }
      )
    )
  },
  { additionalProperties: false }
)
export type MonitoringPolicy = Static<typeof MonitoringPolicy>

export const Policy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    auth: AuthPolicy,
    sandbox: SandboxPolicy,
    airlock: AirlockPolicy,
    display: Type.Optional(DisplayPolicy),
    quotas: Type.Optional(QuotaPolicy),
    monitoring: Type.Optional(MonitoringPolicy)
  },
  { additionalProperties: false }
)
export type Policy = Static<typeof Policy>
