import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../config/config.js'
import { loadPolicyFile } from '../policy/load.js'
import { type Policy, Policy as PolicySchema } from '../policy/schema.js'
import { NOT_WEIGHED, policyWeakenings, SAFEGUARDS, safeguardWeakenings } from './weakening.js'

/** The shipped default policy, and a copy of it with `edit` made. */
const shipped = loadPolicyFile(join(PROJECT_ROOT, 'policies', 'default.yaml'))
const edited = (edit: (p: Policy) => void): Policy => {
  const p = structuredClone(shipped)
  edit(p)
  return p
}
const found = (before: Policy, after: Policy) => safeguardWeakenings(before, after).map((w) => w.key)

/**
 * Each safeguard outside the airlock, edits of the shipped default policy that relax it and edits
 * that tighten it. `either`: no direction is safer, so going back is weighed too.
 */
type Edit = (p: Policy) => void
type SafeCase = { looser: Edit[]; stricter: Edit[]; either?: true }
const delays = (p: Policy) => p.auth.signInDelays!
type RuleName =
  | 'terminalOutputMiBPerMinute'
  | 'refusedActionsPerMinute'
  | 'encodedOutputKiBPerMinute'
  | 'datasetMatches'
  | 'displayCeilingMinutes'
const RULES: RuleName[] = [
  'terminalOutputMiBPerMinute',
  'refusedActionsPerMinute',
  'encodedOutputKiBPerMinute',
  'datasetMatches',
  'displayCeilingMinutes'
]
/** A monitoring rule: removed, or its limit raised, relaxes it (an alert where it ended the session: below). */
const rule = (name: RuleName): SafeCase => ({
  looser: [(p) => delete p.monitoring![name], (p) => (p.monitoring![name]!.limit += 1), (p) => delete p.monitoring],
  stricter: [(p) => (p.monitoring![name]!.limit = 1), (p) => (p.monitoring![name]!.action = 'end')]
})
const SAFE_CASES: Record<keyof typeof SAFEGUARDS, SafeCase> = {
  'auth.signInDelays.windowMinutes': {
    looser: [(p) => (delays(p).windowMinutes = 5)],
    stricter: [(p) => (delays(p).windowMinutes = 60)]
  },
  'auth.signInDelays.accountFreeFailures': {
    looser: [(p) => (delays(p).accountFreeFailures = 50)],
    stricter: [(p) => (delays(p).accountFreeFailures = 3)]
  },
  'auth.signInDelays.addressFreeFailures': {
    looser: [(p) => (delays(p).addressFreeFailures = 500)],
    stricter: [(p) => (delays(p).addressFreeFailures = 5)]
  },
  'auth.signInDelays.firstDelaySeconds': {
    // from 1 s there is no shorter first wait: from a longer one
    looser: [],
    stricter: [(p) => (delays(p).firstDelaySeconds = 5)]
  },
  'auth.signInDelays.maxDelaySeconds': {
    looser: [(p) => (delays(p).maxDelaySeconds = 5)],
    stricter: [(p) => (delays(p).maxDelaySeconds = 300)]
  },
  'auth.requestsPerMinute': {
    looser: [(p) => (p.auth.requestsPerMinute = 1000)],
    stricter: [(p) => (p.auth.requestsPerMinute = 10)]
  },
  'sandbox.runtime': { looser: [(p) => (p.sandbox.runtime = 'runc')], stricter: [] },
  'sandbox.image': { looser: [(p) => (p.sandbox.image = 'vre-sandbox:with-curl')], stricter: [], either: true },
  'sandbox.rowCap': {
    looser: [(p) => (p.sandbox.rowCap = 100_000), (p) => (p.sandbox.rowCap = 1001)],
    stricter: [(p) => (p.sandbox.rowCap = 50)]
  },
  'sandbox.sessionsPerUser': { looser: [(p) => (p.sandbox.sessionsPerUser = 5)], stricter: [] },
  'display.bytesPerMinute': {
    looser: [(p) => (p.display!.bytesPerMinute *= 4)],
    stricter: [(p) => (p.display!.bytesPerMinute /= 2)]
  },
  'display.burstBytes': {
    looser: [(p) => (p.display!.burstBytes *= 4)],
    stricter: [(p) => (p.display!.burstBytes /= 2)]
  },
  'display.bytesPerSession': {
    looser: [(p) => (p.display!.bytesPerSession *= 16)],
    stricter: [(p) => (p.display!.bytesPerSession /= 2)]
  },
  'quotas.recordingBytesPerSession': {
    looser: [(p) => (p.quotas!.recordingBytesPerSession /= 16), (p) => (p.quotas!.recordingBytesPerSession *= 4)],
    stricter: [],
    either: true
  },
  'quotas.dataOperationLogBytesPerSession': {
    looser: [(p) => (p.quotas!.dataOperationLogBytesPerSession *= 4)],
    stricter: [(p) => (p.quotas!.dataOperationLogBytesPerSession /= 4)]
  },
  'quotas.quarantineBytesPerProject': {
    looser: [(p) => (p.quotas!.quarantineBytesPerProject *= 4)],
    stricter: [(p) => (p.quotas!.quarantineBytesPerProject /= 4)]
  },
  'monitoring.terminalOutputMiBPerMinute': rule('terminalOutputMiBPerMinute'),
  'monitoring.refusedActionsPerMinute': rule('refusedActionsPerMinute'),
  'monitoring.encodedOutputKiBPerMinute': rule('encodedOutputKiBPerMinute'),
  'monitoring.datasetMatches': rule('datasetMatches'),
  'monitoring.displayCeilingMinutes': rule('displayCeilingMinutes'),
  'monitoring.allowedHours': {
    // shipped: always (00:00 to 24:00), ending a session outside it
    looser: [(p) => delete p.monitoring!.allowedHours, (p) => (p.monitoring!.allowedHours!.action = 'alert')],
    stricter: [(p) => (p.monitoring!.allowedHours = { from: '08:00', to: '20:00', action: 'end' })]
  }
}

/** Every key a policy may set, each as a dotted path: a section's keys, nested ones down to a table's names. */
function settable(schema: { properties?: Record<string, unknown> }, prefix: string, named: Set<string>): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`
    const inner = sub as { properties?: Record<string, unknown> }
    return named.has(path) || inner.properties === undefined ? [path] : settable(inner, path, named)
  })
}

describe('weakenings of the other safeguards: the screen, monitoring, the sandbox, sign-in', () => {
  it('weighs every key a policy may set outside the airlock, or says why it need not', () => {
    const named = new Set([...Object.keys(SAFEGUARDS), ...Object.keys(NOT_WEIGHED)])
    const keys = settable(PolicySchema, '', named).filter((k) => k !== 'airlock' && !k.startsWith('airlock.'))
    expect(keys.filter((k) => !named.has(k))).toEqual([])
    // and names nothing a policy cannot set
    expect([...named].filter((k) => !keys.includes(k))).toEqual([])
    expect(Object.keys(SAFE_CASES).sort()).toEqual(Object.keys(SAFEGUARDS).sort())
  })

  for (const [key, c] of Object.entries(SAFE_CASES)) {
    it(`finds ${key} relaxed, and lets it be tightened or left as it is`, () => {
      for (const looser of c.looser) {
        const after = edited(looser)
        const keys = found(shipped, after)
        expect(keys).toContain(key)
        // removing the monitoring section removes every rule; any other edit relaxes this one only
        if (after.monitoring !== undefined) expect(keys).toEqual([key])
        // going back is a tightening, unless no direction is safer
        expect(found(after, shipped)).toEqual(c.either ? [key] : [])
      }
      for (const stricter of c.stricter) expect(found(shipped, edited(stricter))).toEqual([])
      expect(found(shipped, structuredClone(shipped))).toEqual([])
    })
  }

  it('a monitoring rule that alerts where it ended the session is relaxed', () => {
    for (const name of RULES) {
      const ending = edited((p) => (p.monitoring![name]!.action = 'end'))
      const alerting = edited((p) => (p.monitoring![name]!.action = 'alert'))
      expect(found(ending, alerting)).toEqual([`monitoring.${name}`])
      expect(found(alerting, ending)).toEqual([])
    }
  })

  it('a first wait made shorter is a relaxation too', () => {
    const longer = edited((p) => (delays(p).firstDelaySeconds = 5))
    expect(found(longer, shipped)).toEqual(['auth.signInDelays.firstDelaySeconds'])
  })

  it('widening the hours sessions may run relaxes them; narrowing does not, across midnight too', () => {
    const hours = (from: string, to: string) =>
      edited((p) => (p.monitoring!.allowedHours = { from, to, action: 'end' }))
    const office = hours('08:00', '20:00')
    expect(found(office, hours('07:59', '20:00'))).toEqual(['monitoring.allowedHours'])
    expect(found(office, hours('20:00', '08:00'))).toEqual(['monitoring.allowedHours'])
    expect(found(office, hours('09:00', '17:00'))).toEqual([])
    expect(found(hours('22:00', '06:00'), hours('23:00', '05:00'))).toEqual([])
    expect(found(hours('22:00', '06:00'), hours('22:00', '07:00'))).toEqual(['monitoring.allowedHours'])
  })

  it('compares values in force: a section left out is its default, and a rule left out is off', () => {
    // the shipped display budget and quotas are the defaults: writing them out, or not, changes nothing
    expect(
      found(
        shipped,
        edited((p) => delete p.display)
      )
    ).toEqual([])
    expect(
      found(
        shipped,
        edited((p) => delete p.quotas)
      )
    ).toEqual([])
    expect(
      found(
        shipped,
        edited((p) => delete p.auth.signInDelays)
      )
    ).toEqual([])
    expect(
      found(
        edited((p) => delete p.monitoring),
        shipped
      )
    ).toEqual([])
    expect(
      found(
        shipped,
        edited((p) => (p.sandbox.rowCap = undefined))
      )
    ).toEqual([])
  })

  it('names what a change relaxes with readable values, the airlock and the rest together', () => {
    const after = edited((p) => {
      p.airlock.reviewers = 1
      p.display!.bytesPerMinute = 1 << 30
      delete p.monitoring!.datasetMatches
      p.sandbox.runtime = 'runc'
    })
    expect(policyWeakenings(shipped, after, shipped)).toEqual([
      { key: 'reviewers', from: 2, to: 1 },
      { key: 'sandbox.runtime', from: 'runsc', to: 'runc' },
      { key: 'display.bytesPerMinute', from: 512 * 1024, to: 1 << 30 },
      { key: 'monitoring.datasetMatches', from: '8 (end)', to: 'off' }
    ])
    // a new policy, or a project's move, is weighed against the policy in force before it
    expect(policyWeakenings(null, after, shipped)).toEqual(policyWeakenings(shipped, after, shipped))
  })
})
