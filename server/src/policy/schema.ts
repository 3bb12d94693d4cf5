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

export const Policy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    auth: AuthPolicy
  },
  { additionalProperties: false }
)
export type Policy = Static<typeof Policy>
