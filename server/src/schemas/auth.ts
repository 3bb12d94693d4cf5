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
