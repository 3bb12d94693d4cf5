import { Type, type Static } from 'typebox'
import { Id, IsoDateTime } from './common.js'

export const PolicyName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' })

export const PolicyParams = Type.Object({ name: PolicyName }, { additionalProperties: false })

/** Who saved a version: a user (with the name people know them by) or the system's import of a file. */
const Author = Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false })

export const PolicySummary = Type.Object(
  {
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    version: Type.Integer(),
    author: Author,
    createdAt: IsoDateTime,
    comment: Type.Union([Type.String(), Type.Null()]),
    /** projects that work under it (for default: every project not assigned another) */
    projects: Type.Integer()
  },
  { additionalProperties: false }
)
export type PolicySummary = Static<typeof PolicySummary>

export const PolicyView = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer(),
    yaml: Type.String(),
    /** the parsed policy: what a structured editor edits */
    policy: Type.Record(Type.String(), Type.Unknown()),
    author: Author,
    createdAt: IsoDateTime,
    comment: Type.Union([Type.String(), Type.Null()]),
    projects: Type.Array(Type.Object({ id: Type.String(), title: Type.String() }, { additionalProperties: false }))
  },
  { additionalProperties: false }
)
export type PolicyView = Static<typeof PolicyView>

export const PolicyVersionView = Type.Object(
  {
    version: Type.Integer(),
    author: Author,
    createdAt: IsoDateTime,
    comment: Type.Union([Type.String(), Type.Null()]),
    /** unified line diff of the YAML against the version before; empty for the first */
    diff: Type.String(),
    yaml: Type.String()
  },
  { additionalProperties: false }
)
export type PolicyVersionView = Static<typeof PolicyVersionView>

/**
 * A new version: the YAML as written, or the policy as an object (written into the current YAML
 * key by key, so its comments stay). `baseVersion` is the version the edit began from (0: a new
 * policy); if the policy has moved on since, nothing is saved.
 */
export const PutPolicyBody = Type.Object(
  {
    yaml: Type.Optional(Type.String({ minLength: 1, maxLength: 32 * 1024 })),
    policy: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    baseVersion: Type.Integer({ minimum: 0 }),
    comment: Type.Optional(Type.String({ maxLength: 500 }))
  },
  { additionalProperties: false }
)
export type PutPolicyBody = Static<typeof PutPolicyBody>

const Change = Type.Object(
  { key: Type.String(), from: Type.Optional(Type.Unknown()), to: Type.Unknown(), reason: Type.Optional(Type.String()) },
  { additionalProperties: false }
)

/** What a saved change did to the sessions running now. */
export const LiveApplied = Type.Object(
  {
    sessions: Type.Array(
      Type.Object(
        {
          sessionId: Type.String(),
          projectId: Type.String(),
          applied: Type.Array(Change),
          notApplied: Type.Array(Change)
        },
        { additionalProperties: false }
      )
    ),
    /** sessions still starting: they get the change once they run */
    pending: Type.Array(Type.String()),
    /** sandbox settings that changed but reach new sessions only (image, runtime, work areas, ...) */
    newSessionsOnly: Type.Array(Type.String()),
    /** said in a sentence, for the console */
    note: Type.String()
  },
  { additionalProperties: false }
)
export type LiveApplied = Static<typeof LiveApplied>

export const PutPolicyResult = Type.Object(
  {
    policy: PolicyView,
    /** false when the text was the same as the version in force: nothing was saved */
    changed: Type.Boolean(),
    diff: Type.String(),
    live: LiveApplied
  },
  { additionalProperties: false }
)
export type PutPolicyResult = Static<typeof PutPolicyResult>

/**
 * A refused policy: every problem with the key path it is at and, when known, its line. The route's
 * other 400s (a body that fails its schema) come from the one error handler without `problems`,
 * and must serialize too.
 */
export const PolicyInvalidBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String(),
        message: Type.String(),
        problems: Type.Optional(
          Type.Array(
            Type.Object(
              { path: Type.String(), message: Type.String(), line: Type.Optional(Type.Integer()) },
              { additionalProperties: false }
            )
          )
        )
      },
      { additionalProperties: false }
    )
  },
  { additionalProperties: false }
)

/** A stale base version, with the version now in force; any other 409 has the usual shape. */
export const PolicyStaleBody = Type.Object(
  {
    error: Type.Object(
      { code: Type.String(), message: Type.String(), currentVersion: Type.Optional(Type.Integer()) },
      { additionalProperties: false }
    )
  },
  { additionalProperties: false }
)

export const Assignment = Type.Object(
  { projectId: Type.String(), title: Type.String(), policy: Type.String() },
  { additionalProperties: false }
)
export type Assignment = Static<typeof Assignment>

export const AssignmentParams = Type.Object({ projectId: Id }, { additionalProperties: false })

export const PutAssignmentBody = Type.Object(
  {
    policy: Type.Union([PolicyName, Type.Null()]),
    /** required when the move relaxes a safeguard for the project (approvals/weakening.ts): a second administrator weighs it */
    reason: Type.Optional(Type.String({ maxLength: 500 }))
  },
  { additionalProperties: false }
)

export const PutAssignmentResult = Type.Object(
  { assignment: Assignment, live: LiveApplied },
  { additionalProperties: false }
)

export const PolicySummaryList = Type.Array(PolicySummary)
export const PolicyVersionList = Type.Array(PolicyVersionView)
export const AssignmentList = Type.Array(Assignment)
