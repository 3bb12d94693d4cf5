import { Type, type Static } from 'typebox'
import { KiB, MiB, GiB } from './measures.js'

/**
 * What may reach a researcher's screen from inside a sandbox: terminal output, cell outputs, file
 * views, notebook loads. The screen is a way out too, so the gateway counts every such byte against
 * one budget per session: a bucket of `burstBytes` that refills at `bytesPerMinute`, and
 * `bytesPerSession` in all. Changes reach running sessions at once.
 */
export const DisplayPolicy = Type.Object(
  {
    bytesPerMinute: Type.Integer({
      minimum: KiB,
      maximum: GiB,
      description: 'bytes a session may show per minute once its burst is spent'
    }),
    burstBytes: Type.Integer({
      minimum: KiB,
      maximum: GiB,
      description: 'bytes a session may show at once, before it is held to bytesPerMinute'
    }),
    bytesPerSession: Type.Integer({
      minimum: KiB,
      maximum: 64 * GiB,
      description: 'bytes a session may show in all; past it, nothing more reaches the screen'
    })
  },
  { additionalProperties: false }
)
export type DisplayPolicy = Static<typeof DisplayPolicy>

/** Used when a policy has no display section: the shipped default policy's values. */
export const DEFAULT_DISPLAY: DisplayPolicy = { bytesPerMinute: 512 * KiB, burstBytes: MiB, bytesPerSession: 64 * MiB }
