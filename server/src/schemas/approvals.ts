import { Type, type Static } from 'typebox'
import { Id, IsoDateTime } from './common.js'
import { EnrolmentHalf } from './enrolment.js'

/** Changes a second administrator approves (server/src/approvals/), as the console lists them. */

export const PendingKind = Type.Union([
  Type.Literal('user.create'),
  Type.Literal('user.update'),
  Type.Literal('user.credentials_reset'),
  Type.Literal('policy.update'),
  Type.Literal('project.policy')
])

export const PendingState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('refused'),
  Type.Literal('withdrawn')
])

const Person = Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String() })

export const PendingChangeView = Type.Object({
  id: Id,
  kind: PendingKind,
  state: PendingState,
  /** the account, policy or project it changes; null for an account not created yet */
  target: Type.Union([Type.String(), Type.Null()]),
  /** what it would do, in an English sentence */
  summary: Type.String(),
  /**
   * What exactly, by kind. user.create: username, displayName, organization, roles; user.update:
   * username, roles { from, to }, granted, removed, organization { from, to, name }, reenrol (a
   * grant: the account is enrolled again through a split link), and any other edit; user.credentials_reset:
   * username, roles; policy.update: name, baseVersion, comment, diff, weakenings [{ key, from, to }];
   * project.policy: title, from, to, weakenings.
   */
  change: Type.Record(Type.String(), Type.Unknown()),
  reason: Type.String(),
  requestedBy: Person,
  requestedAt: IsoDateTime,
  decidedBy: Type.Union([Person, Type.Null()]),
  decidedAt: Type.Union([IsoDateTime, Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
  /**
   * a change to an existing account: who issued the link it last enrolled with and when it was
   * used (`byAsker`: the administrator asking issued it, and could have enrolled it themselves)
   */
  enrolledThrough: Type.Union([
    Type.Object({ issuedBy: Person, usedAt: IsoDateTime, byAsker: Type.Boolean() }),
    Type.Null()
  ]),
  /** what the administrator reading it may do with it, and if they may not decide it, why */
  mayApprove: Type.Boolean(),
  mayWithdraw: Type.Boolean(),
  whyNot: Type.Union([Type.String(), Type.Null()])
})
export type PendingChangeView = Static<typeof PendingChangeView>

/** A change that now waits for a second administrator, instead of being made. */
export const HeldForApproval = Type.Object({
  pending: PendingChangeView,
  message: Type.String(),
  /** a reviewer or administrator created, reset or granted the role: part 1 of their link, for the asker alone, shown only now */
  enrolmentHalf: Type.Optional(EnrolmentHalf)
})

export const ApprovalsQuery = Type.Object(
  { state: Type.Optional(Type.Union([PendingState, Type.Literal('all')])) },
  { additionalProperties: false }
)

export const RefuseBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, description: 'for the administrator who asked' }) },
  { additionalProperties: false }
)

export const ApprovedChange = Type.Object({
  change: PendingChangeView,
  /** an account created, reset or granted a privileged role by the approval: part 2 of its link, for the approver */
  enrolment: Type.Union([EnrolmentHalf, Type.Null()])
})

export const PendingChangeList = Type.Array(PendingChangeView)

/** One airlock parameter a policy change relaxes (approvals/weakening.ts names them all), in `change.weakenings`. */
export const WeakeningView = Type.Object({
  /** e.g. reviewers, exceptionRules, threshold, dominance.k, exportTypes, previewMiBPerReviewerPerDay */
  key: Type.String(),
  from: Type.Unknown(),
  to: Type.Unknown()
})
