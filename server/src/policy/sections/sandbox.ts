import { Type, type Static } from 'typebox'

/** How analysis sandboxes are launched and how long they live. */
export const SandboxPolicy = Type.Object(
  {
    image: Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$' }),
    runtime: Type.Union([Type.Literal('runsc'), Type.Literal('runc')], {
      description: 'runsc is gVisor; a policy that asks for it never falls back to runc'
    }),
    cpus: Type.Number({ minimum: 0.1, maximum: 64 }),
    memoryMiB: Type.Integer({ minimum: 256, maximum: 256 * 1024 }),
    pids: Type.Integer({ minimum: 32, maximum: 32768 }),
    workAreaMiB: Type.Integer({ minimum: 16, maximum: 64 * 1024, description: "the researcher's workspace (tmpfs)" }),
    tmpMiB: Type.Integer({ minimum: 16, maximum: 64 * 1024, description: '/tmp (tmpfs)' }),
    dataMiB: Type.Integer({ minimum: 16, maximum: 256 * 1024, description: "the most the project's datasets may take in host memory (decrypted once per host, shared read-only by its sandboxes)" }),
    maxDurationMinutes: Type.Integer({
      minimum: 1,
      maximum: 7 * 24 * 60,
      description:
        'counted from the request; the sandbox ends itself a grace later (a tenth, 30 s to 5 min) even with no gateway watching, and a raise reaches new sessions only'
    }),
    idleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
    sessionsPerUser: Type.Integer({ minimum: 1, maximum: 20 }),
    /** a notebook table result shows at most this many rows, with a "rows not shown" line (default 1000) */
    rowCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /**
     * Sandboxes started ahead for a project's next sessions, so a start is a claim: `size` per
     * project while it has had a session start in the last `activeMinutes`, none otherwise; one left
     * unclaimed for `idleMinutes` is removed. A pooled sandbox is nobody's until claimed, and goes
     * with its session. Absent: no pool.
     */
    pool: Type.Optional(
      Type.Object(
        {
          size: Type.Integer({ minimum: 0, maximum: 50 }),
          idleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
          activeMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })
        },
        { additionalProperties: false }
      )
    ),
    /** days a project's saved workspaces are kept after its end date, then deleted (default 30) */
    workspaceRetentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, default: 30 }))
  },
  { additionalProperties: false }
)
export type SandboxPolicy = Static<typeof SandboxPolicy>
