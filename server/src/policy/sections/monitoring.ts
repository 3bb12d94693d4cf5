import { Type, type Static } from 'typebox'

const RuleAction = Type.Union([Type.Literal('alert'), Type.Literal('end')], {
  description: 'alert: raise an alert in the console; end: also end the session at once'
})

/** Rules on the event stream of live sessions; each raises an alert and, with `end`, ends the session. */
export const MonitoringPolicy = Type.Object(
  {
    terminalOutputMiBPerMinute: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 100_000 }), action: RuleAction },
        { additionalProperties: false, description: 'terminal output of one session within a minute' }
      )
    ),
    refusedActionsPerMinute: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 10_000 }), action: RuleAction },
        { additionalProperties: false, description: 'requests of one user refused within a minute' }
      )
    ),
    encodedOutputKiBPerMinute: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }), action: RuleAction },
        {
          additionalProperties: false,
          description:
            'output of one session within a minute that looks like encoded binary (long base64 or hex runs, high entropy)'
        }
      )
    ),
    datasetMatches: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }), action: RuleAction },
        {
          additionalProperties: false,
          description: "pieces of the project's dataset files recognised in one session's output"
        }
      )
    ),
    displayCeilingMinutes: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 1, maximum: 10_000 }), action: RuleAction },
        {
          additionalProperties: false,
          description: 'minutes in a row a session spent its whole display budget'
        }
      )
    ),
    allowedHours: Type.Optional(
      Type.Object(
        {
          from: Type.String({
            pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
            description: 'HH:MM, in the time zone of the platform'
          }),
          to: Type.String({
            pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$',
            description: 'HH:MM, exclusive; before `from` spans midnight'
          }),
          action: RuleAction
        },
        { additionalProperties: false, description: 'sessions may run only within these hours' }
      )
    )
  },
  { additionalProperties: false }
)
export type MonitoringPolicy = Static<typeof MonitoringPolicy>
