import { Type, type Static } from 'typebox'
import { IsoDateTime } from './common.js'
import { Eligibility, ProjectView, UserView } from './identity.js'

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.String({ pattern: '^[0-9]{6}$', description: 'six-digit code from the authenticator app' })
  },
  { additionalProperties: false }
)
export type LoginBody = Static<typeof LoginBody>

/** A sign-in that has to wait after failures (or a flood of requests): how long, when known. */
export const SignInDelayedBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 1 }))
    })
  },
  { additionalProperties: false }
)

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  expiresAt: IsoDateTime,
  user: UserView
})
export type TokenResponse = Static<typeof TokenResponse>

export const MeResponse = Type.Object({
  user: UserView,
  projects: Type.Array(ProjectView),
  eligibility: Eligibility
})
export type MeResponse = Static<typeof MeResponse>

export const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])

export const OkResponse = Type.Object({ ok: Type.Literal(true) })

const Code = (description: string) => Type.String({ pattern: '^[0-9]{6}$', description })

/** A new authenticator secret for a change of one's own credentials: shown once, to the person. */
export const NewOwnSecret = Type.Object({
  totpSecret: Type.String(),
  totpUri: Type.String(),
  /** the secret sealed for the server: send it back with the change */
  ticket: Type.String(),
  expiresAt: IsoDateTime
})

/** A signed-in person's change of their own credentials: the current ones, and the new ones confirmed. */
export const ChangeOwnCredentialsBody = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: 1024, description: 'the current password' }),
    totp: Code('a code from the current authenticator, not the one just used to sign in'),
    newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newTotp: Code('a code from the new authenticator secret'),
    ticket: Type.String({ minLength: 1, maxLength: 1000 })
  },
  { additionalProperties: false }
)
export type ChangeOwnCredentialsBody = Static<typeof ChangeOwnCredentialsBody>

export const ChangedOwnCredentials = Type.Object({ user: UserView })
