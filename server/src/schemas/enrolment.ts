import { Type, type Static } from 'typebox'
import { IsoDateTime } from './common.js'

/**
 * The token from the link's fragment: sent in a body, never in a URL, so no log ever holds it. A
 * reviewer's or administrator's link is split in two parts, `<part1>.<part2>`, each from another
 * administrator; the person puts them together.
 */
const Token = Type.String({
  minLength: 20,
  maxLength: 201,
  pattern: '^[A-Za-z0-9_-]{20,100}(\\.[A-Za-z0-9_-]{20,100})?$'
})

export const OpenEnrolmentBody = Type.Object({ token: Token }, { additionalProperties: false })

export const OpenedEnrolment = Type.Object({
  username: Type.String(),
  displayName: Type.String(),
  /** shown once, to the person themselves; opening the link again replaces it */
  totpSecret: Type.String(),
  totpUri: Type.String(),
  expiresAt: IsoDateTime
})
export type OpenedEnrolment = Static<typeof OpenedEnrolment>

export const CompleteEnrolmentBody = Type.Object(
  {
    token: Token,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.String({ pattern: '^[0-9]{6}$', description: 'a code from the authenticator just added' })
  },
  { additionalProperties: false }
)

export const CompletedEnrolment = Type.Object({ username: Type.String() })

/** A link for a person to enrol with, as handed to whoever may pass it on: never a password or a seed. */
export const IssuedEnrolment = Type.Object({
  url: Type.String({ description: 'single use; the token is in the fragment' }),
  expiresAt: IsoDateTime
})
export type IssuedEnrolment = Static<typeof IssuedEnrolment>

/**
 * One part of a reviewer's or administrator's enrolment link (split knowledge): the asking
 * administrator is shown part 1 when they ask, the approving one part 2 when they approve. Each
 * sends theirs to the person on their own; the person enters both on the enrolment page (or opens
 * `<page>#<part1>.<part2>`). One part alone opens nothing.
 */
export const EnrolmentHalf = Type.Object({
  username: Type.String(),
  part: Type.Union([Type.Literal(1), Type.Literal(2)]),
  half: Type.String({ description: 'this part of the token, shown only now' }),
  page: Type.String({ description: 'the enrolment page, where the person enters both parts' }),
  /** when the link stops working: null for part 1, as the link is made when the change is approved */
  expiresAt: Type.Union([IsoDateTime, Type.Null()])
})
export type EnrolmentHalf = Static<typeof EnrolmentHalf>
