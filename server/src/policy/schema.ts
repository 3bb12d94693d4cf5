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
    lockout: Type.Object(
      {
        maxFailedAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        windowMinutes: Minutes('failures counted over this window', 24 * 60, 15),
        lockMinutes: Minutes('how long an account stays locked', 24 * 60, 15)
      },
      { additionalProperties: false }
    ),
    addressLimit: Type.Object(
      {
        maxFailedAttempts: Type.Integer({ minimum: 1, maximum: 10000, default: 20 }),
        windowMinutes: Minutes('failures from one address counted over this window', 24 * 60, 15)
      },
      { additionalProperties: false }
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
    maxDurationMinutes: Type.Integer({ minimum: 5, maximum: 7 * 24 * 60 }),
    idleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
    sessionsPerUser: Type.Integer({ minimum: 1, maximum: 20 }),
    /** a notebook table result shows at most this many rows, with a "rows not shown" line (default 1000) */
    rowCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 }))
  },
  { additionalProperties: false }
)
export type SandboxPolicy = Static<typeof SandboxPolicy>

export const Policy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    auth: AuthPolicy,
    sandbox: SandboxPolicy
  },
  { additionalProperties: false }
)
export type Policy = Static<typeof Policy>
