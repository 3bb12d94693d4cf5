import { Type, type Static } from 'typebox'
import { IsoDateTime } from './common.js'

const Outcome = Type.Union([
  Type.Literal('success'),
  Type.Literal('failure'),
  Type.Literal('denied'),
  Type.Literal('error')
])

export const AuditQuery = Type.Object(
  {
    /** a username, or an actor as recorded (`system`, `cli:…`, a user id) */
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9_.-]*$' })),
    outcome: Type.Optional(Outcome),
    project: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    session: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    from: Type.Optional(IsoDateTime),
    to: Type.Optional(IsoDateTime),
    before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' }))
  },
  { additionalProperties: false }
)
export type AuditQuery = Static<typeof AuditQuery>

export const AuditRecordView = Type.Object({
  seq: Type.Integer(),
  ts: IsoDateTime,
  actor: Type.String(),
  /** the actor's username, when the actor is a user */
  actorName: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  sourceIp: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  outcome: Outcome,
  details: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String()
})

export const AuditPage = Type.Object({
  records: Type.Array(AuditRecordView),
  /** pass as `before` for the next (older) page; null at the start of the log */
  next: Type.Union([Type.String(), Type.Null()])
})

export const ChainStatus = Type.Object({
  ok: Type.Boolean(),
  records: Type.Integer(),
  headSeq: Type.Union([Type.Integer(), Type.Null()]),
  firstBrokenSeq: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  checkedAt: IsoDateTime
})

export const ExportQuery = Type.Object({ from: IsoDateTime, to: IsoDateTime }, { additionalProperties: false })

export const RecordingParams = Type.Object(
  {
    session: Type.String({ format: 'uuid' }),
    part: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' }))
  },
  { additionalProperties: false }
)

export const RecordingPart = Type.Object({ part: Type.Integer(), bytes: Type.Integer(), modifiedAt: IsoDateTime })

export const DataOperationParams = Type.Object(
  { session: Type.String({ format: 'uuid' }) },
  { additionalProperties: false }
)

export const RecordingPartList = Type.Array(RecordingPart)
