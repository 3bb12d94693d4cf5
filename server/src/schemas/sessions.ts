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
