import { Type, type Static } from 'typebox'
import { KiB, MiB, GiB } from './measures.js'

/**
 * What a researcher can make the service store, each capped: past a cap, a clear refusal (or, for a
 * recording, a "truncated" mark), never a full disk.
 */
export const QuotaPolicy = Type.Object(
  {
    recordingBytesPerSession: Type.Integer({
      minimum: 64 * KiB,
      maximum: 16 * GiB,
      description: "bytes of a session's terminal recordings; past it a recording says where it was truncated"
    }),
    dataOperationLogBytesPerSession: Type.Integer({
      minimum: 64 * KiB,
      maximum: 16 * GiB,
      description:
        "bytes of cell sources in a session's data-operation log (the audit log keeps a digest and an excerpt); past it, cells are refused"
    }),
    quarantineBytesPerProject: Type.Integer({
      minimum: MiB,
      maximum: 1024 * GiB,
      description: "bytes of a project's files held in the airlock's quarantine; past it, new requests are refused"
    })
  },
  { additionalProperties: false }
)
export type QuotaPolicy = Static<typeof QuotaPolicy>

/** Used when a policy has no quotas section: the shipped default policy's values. */
export const DEFAULT_QUOTAS: QuotaPolicy = {
  recordingBytesPerSession: 16 * MiB,
  dataOperationLogBytesPerSession: 64 * MiB,
  quarantineBytesPerProject: 2 * GiB
}
