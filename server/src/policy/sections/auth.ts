import { Type, type Static } from 'typebox'
import { Minutes } from './measures.js'

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
