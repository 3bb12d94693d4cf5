import { Type, type Static } from 'typebox'
import { Id, IsoDateTime } from './common.js'

export const ExportStateSchema = Type.Union([
  Type.Literal('draft'),
  Type.Literal('submitted'),
  Type.Literal('in_review'),
  Type.Literal('returned'),
  Type.Literal('approved'),
  Type.Literal('released'),
  Type.Literal('rejected'),
  Type.Literal('withdrawn')
])

const SubmitFileSchema = Type.Object(
  {
    /** inside the workspace, under outbox/ */
    path: Type.String({ minLength: 8, maxLength: 1024 }),
    justification: Type.String({ minLength: 1, maxLength: 4000 })
  },
  { additionalProperties: false }
)

export const SubmitExportBody = Type.Object(
  { sessionId: Type.String({ format: 'uuid' }), files: Type.Array(SubmitFileSchema, { minItems: 1, maxItems: 20 }) },
  { additionalProperties: false }
)
export const ResubmitExportBody = SubmitExportBody

export const DecisionBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('return'), Type.Literal('reject')]),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    /** the round the reviewer looked at, and its files' digests: a decision is bound to what was seen */
    round: Type.Integer({ minimum: 1 }),
    sha256s: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { minItems: 1, maxItems: 20 })
  },
  { additionalProperties: false }
)

export const RequestParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
export const FileParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), fileId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false }
)

const Direction = Type.Union([Type.Literal('export'), Type.Literal('import')])

export const ExportFileView = Type.Object({
  id: Type.String(),
  round: Type.Integer(),
  path: Type.String(),
  name: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  justification: Type.String(),
  outcome: Type.Union([Type.Literal('pass'), Type.Literal('review'), Type.Literal('fail')]),
  /** each disclosure rule's result, with the cells or rows at fault */
  checks: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  /** the query that made the file, when a notebook cell exported it */
  provenance: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  /** an imported archive's entries, as checked */
  listing: Type.Union([Type.Array(Type.Record(Type.String(), Type.Unknown())), Type.Null()])
})

export const DecisionView = Type.Object({
  round: Type.Integer(),
  reviewer: Type.String(),
  decision: Type.Union([Type.Literal('approve'), Type.Literal('return'), Type.Literal('reject')]),
  comment: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDateTime
})

export const ExportRequestView = Type.Object({
  id: Id,
  direction: Direction,
  projectId: Id,
  requester: Type.String(),
  state: ExportStateSchema,
  round: Type.Integer(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  releasedAt: Type.Union([IsoDateTime, Type.Null()]),
  /** approvals of the current round, and how many the policy needs */
  approvals: Type.Integer(),
  approvalsNeeded: Type.Integer(),
  files: Type.Array(ExportFileView),
  decisions: Type.Array(DecisionView)
})
export type ExportRequestView = Static<typeof ExportRequestView>

export const ExportRequestSummary = Type.Object({
  id: Id,
  direction: Direction,
  projectId: Id,
  requester: Type.String(),
  state: ExportStateSchema,
  round: Type.Integer(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
