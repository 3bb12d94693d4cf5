import { Type } from 'typebox'
import { AuditRecordView } from './audit.js'
import { IsoDateTime } from './common.js'

/** A session starting or running now, with what it uses and what reached the researcher's screen. */
export const LiveSessionView = Type.Object({
  id: Type.String(),
  state: Type.String(),
  userId: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  projectId: Type.String(),
  projectTitle: Type.Union([Type.String(), Type.Null()]),
  runtime: Type.String(),
  startedAt: Type.Union([IsoDateTime, Type.Null()]),
  stats: Type.Union([
    Type.Object({
      memoryBytes: Type.Number(),
      cpuPercent: Type.Number(),
      pids: Type.Number(),
      pidsLimit: Type.Union([Type.Number(), Type.Null()])
    }),
    Type.Null()
  ]),
  outputBytesPerMinute: Type.Number(),
  /** what reached the researcher's screen against the display budget; null before anything did */
  display: Type.Union([
    Type.Object({
      available: Type.Number(),
      shown: Type.Number(),
      shownLastMinute: Type.Number(),
      pacedSince: Type.Union([IsoDateTime, Type.Null()]),
      ceilingMinutes: Type.Number(),
      encodedPerMinute: Type.Number(),
      datasetMatches: Type.Number()
    }),
    Type.Null()
  ])
})
export const LiveSessionList = Type.Array(LiveSessionView)

/** Alerts as the audit log recorded them. */
export const AlertList = Type.Array(Type.Omit(AuditRecordView, ['actorName']))

export const EndSessionParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const EndSessionBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false }
)

export const EndedSession = Type.Object({
  id: Type.String(),
  state: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()])
})

/** The host's room for sandboxes (sessions/admission.ts) and the dataset copies it holds. */
export const CapacityView = Type.Object({
  memory: Type.Object({
    totalBytes: Type.Number(),
    availableBytes: Type.Number(),
    reserveBytes: Type.Number(),
    perSandboxBytes: Type.Number()
  }),
  threads: Type.Object({ running: Type.Number(), max: Type.Number(), reserve: Type.Number(), perSandbox: Type.Number() }),
  moreSandboxes: Type.Integer({ description: 'how many more idle sandboxes the host takes now' }),
  liveSessions: Type.Integer(),
  datasets: Type.Object({
    copies: Type.Integer({ description: 'dataset versions decrypted on this host, shared by their sandboxes' }),
    bytes: Type.Number()
  })
})
