import { Type, type Static } from 'typebox'
import { Id, IsoDateTime } from './common.js'

export const SessionState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('stopping'),
  Type.Literal('stopped'),
  Type.Literal('failed')
])

export const SessionView = Type.Object({
  id: Id,
  projectId: Id,
  state: SessionState,
  /** why it ended or failed */
  reason: Type.Union([Type.String(), Type.Null()]),
  runtime: Type.String(),
  createdAt: IsoDateTime,
  startedAt: Type.Union([IsoDateTime, Type.Null()]),
  endedAt: Type.Union([IsoDateTime, Type.Null()]),
  /** when the policy's maximum duration ends it, once running */
  expiresAt: Type.Union([IsoDateTime, Type.Null()]),
  idleMinutes: Type.Integer()
})
export type SessionView = Static<typeof SessionView>

export const StartSessionBody = Type.Object({ projectId: Id }, { additionalProperties: false })

export const SessionParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const TerminalTicketView = Type.Object({
  /** for GET /api/v1/sessions/:id/terminal?ticket=; single use */
  ticket: Type.String(),
  expiresAt: IsoDateTime
})
export type TerminalTicketView = Static<typeof TerminalTicketView>

/** Largest cell source accepted: a long query or script, never a dataset pasted in. */
export const MAX_CELL_SOURCE = 100_000

export const RunCellBody = Type.Object(
  {
    language: Type.Union([Type.Literal('sql'), Type.Literal('python')]),
    source: Type.String({ minLength: 1, maxLength: MAX_CELL_SOURCE })
  },
  { additionalProperties: false }
)
export type RunCellBody = Static<typeof RunCellBody>

/** A cell's result as vre-kernel gives it: tables at most the policy's row cap, images, text, errors. */
export const CellResult = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  outputs: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  durationMs: Type.Union([Type.Number(), Type.Null()]),
  executionCount: Type.Union([Type.Integer(), Type.Null()])
})
export type CellResult = Static<typeof CellResult>

export const SessionList = Type.Array(SessionView)

/** A start step, from a session's event stream (`event: progress`). */
export const StartStep = Type.Union([
  Type.Object({ step: Type.Literal('sandbox') }),
  Type.Object({ step: Type.Literal('data'), bytes: Type.Integer(), totalBytes: Type.Integer() }),
  Type.Object({ step: Type.Literal('workspace') })
])
