import { type AirlockParams, resolveAirlockParams, SUBMISSIONS_PER_MINUTE } from '../airlock/disclosure/params.js'
import {
  type AirlockPolicy,
  DEFAULT_DISPLAY,
  DEFAULT_QUOTAS,
  DEFAULT_SIGN_IN_DELAYS,
  type MonitoringPolicy,
  type Policy
} from '../policy/schema.js'
import { DEFAULT_ROW_CAP } from '../sessions/session-service.js'

/** Every airlock parameter by its effective value (preset defaults included), as weighed here. */
export type Compared = AirlockParams & { submissionsPerMinute: number }

/**
 * One parameter a change relaxes: its name (the airlock's by their name in that section, a nested
 * one as a dotted path; every other section's by its dotted path from the top) and its values.
 */
export interface Weakening {
  key: WeakeningKey
  from: unknown
  to: unknown
}

// Directions in which a value makes release (or bringing in, or reading, or getting in) easier.
const fewer = (from: number, to: number) => to < from
const more = (from: number, to: number) => to > from
const added = (from: readonly string[], to: readonly string[]) => to.some((x) => !from.includes(x))
const switchedOff = (from: boolean, to: boolean) => from && !to
const switchedOn = (from: boolean, to: boolean) => !from && to
/** a value no direction makes safer: any change is weighed */
const changed = (from: unknown, to: unknown) => from !== to
/** gVisor's kernel between the code and the host, taken away */
const leftGvisor = (from: string, to: string) => from === 'runsc' && to !== 'runsc'

type Rule = { limit: number; action: 'alert' | 'end' } | undefined
type Hours = MonitoringPolicy['allowedHours']
const RANK = { end: 2, alert: 1 } as const
/** a rule removed, or acting later (a higher limit) or less (an alert where it ended the session) */
const ruleLoosened = (from: Rule, to: Rule) =>
  from !== undefined && (to === undefined || to.limit > from.limit || RANK[to.action] < RANK[from.action])
const minute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
/** whether minute `m` of a day is within the hours (as monitoring/rules.ts withinHours reads them) */
const within = (h: NonNullable<Hours>, m: number) => {
  const [start, end] = [minute(h.from), minute(h.to)]
  if (start === end || (start === 0 && end === 24 * 60)) return true
  return start < end ? m >= start && m < end : m >= start || m < end
}
/** the rule removed, acting less, or a minute of the day allowed that was not */
const hoursLoosened = (from: Hours, to: Hours) =>
  from !== undefined &&
  (to === undefined ||
    RANK[to.action] < RANK[from.action] ||
    Array.from({ length: 24 * 60 }, (_, m) => m).some((m) => within(to, m) && !within(from, m)))
const ruleShown = (r: Rule) => (r === undefined ? 'off' : `${r.limit} (${r.action})`)
const hoursShown = (h: Hours) => (h === undefined ? 'off' : `${h.from}–${h.to} (${h.action})`)

/** An airlock parameter: how it is read, and which change of it relaxes it. */
const param = <T>(read: (p: Compared) => T, looser: (from: T, to: T) => boolean) => ({ read, looser })
/** Any other safeguard; `show` words a value for the record (a monitoring rule: "8 (end)", or "off"). */
const safeguard = <T>(read: (s: Safeguards) => T, looser: (from: T, to: T) => boolean, show?: (v: T) => unknown) => ({
  read,
  looser,
  show
})

/**
 * Each airlock parameter and the direction that relaxes it. A change any of these finds waits for
 * a second administrator; one that only tightens is made at once. A parameter added to the
 * airlock is added here too (weakening.test.ts fails until it is).
 */
export const LOOSER = {
  // who decides, and how many
  reviewers: param((p) => p.reviewers, fewer),
  excludeRequesterOrganization: param((p) => p.excludeRequesterOrganization, switchedOff),
  partialRelease: param((p) => p.partialRelease, switchedOn),
  exceptionRules: param((p) => p.exceptionRules, added),
  // the disclosure checks: a cell passes more easily
  threshold: param((p) => p.threshold, fewer),
  zerosDisclosive: param((p) => p.zerosDisclosive, switchedOff),
  // a cell fails when its top n make up at least k of its total: fewer summed, or a larger share allowed
  'dominance.n': param((p) => p.dominance.n, fewer),
  'dominance.k': param((p) => p.dominance.k, more),
  pPercent: param((p) => p.pPercent, fewer),
  minResidualDf: param((p) => p.minResidualDf, fewer),
  'rowLevel.reviewAboveRows': param((p) => p.rowLevel.reviewAboveRows, more),
  // what may pass, how large, how often, how much a reviewer reads
  exportTypes: param((p) => p.exportTypes, added),
  passTypes: param((p) => p.passTypes, added),
  maxExportFileMiB: param((p) => p.maxExportFileMiB, more),
  importTypes: param((p) => p.importTypes, added),
  maxImportFileMiB: param((p) => p.maxImportFileMiB, more),
  submissionsPerMinute: param((p) => p.submissionsPerMinute, more),
  previewMiBPerReviewerPerDay: param((p) => p.previewMiBPerReviewerPerDay, more)
} as const

/** The sections besides the airlock, each value as in force (a section or key left out: its default). */
export type Safeguards = ReturnType<typeof safeguardsOf>

/**
 * Every other safeguard a policy sets, and the direction that relaxes it: a change that relaxes any
 * of these waits for a second administrator too. The screen is a way out (the display budget and the
 * notebook's row cap bound what reaches it), monitoring is what notices someone reading data off it,
 * the sandbox's runtime and image are what hold the data in, and the sign-in delays stand between a
 * guessed password and an account. What a policy may set that is not here is in NOT_WEIGHED, with why.
 */
export const SAFEGUARDS = {
  // signing in: wrong guesses meet a wait later, shorter, or are forgotten sooner
  'auth.signInDelays.windowMinutes': safeguard((s) => s.auth.signInDelays.windowMinutes, fewer),
  'auth.signInDelays.accountFreeFailures': safeguard((s) => s.auth.signInDelays.accountFreeFailures, more),
  'auth.signInDelays.addressFreeFailures': safeguard((s) => s.auth.signInDelays.addressFreeFailures, more),
  'auth.signInDelays.firstDelaySeconds': safeguard((s) => s.auth.signInDelays.firstDelaySeconds, fewer),
  'auth.signInDelays.maxDelaySeconds': safeguard((s) => s.auth.signInDelays.maxDelaySeconds, fewer),
  'auth.requestsPerMinute': safeguard((s) => s.auth.requestsPerMinute, more),
  // the sandbox: what isolates it, what it runs, how much of a result reaches the screen
  'sandbox.runtime': safeguard((s) => s.sandbox.runtime, leftGvisor),
  'sandbox.image': safeguard((s) => s.sandbox.image, changed),
  'sandbox.rowCap': safeguard((s) => s.sandbox.rowCap, more),
  // each session has a display budget of its own: more at once is more of the screen
  'sandbox.sessionsPerUser': safeguard((s) => s.sandbox.sessionsPerUser, more),
  // the screen's budget
  'display.bytesPerMinute': safeguard((s) => s.display.bytesPerMinute, more),
  'display.burstBytes': safeguard((s) => s.display.burstBytes, more),
  'display.bytesPerSession': safeguard((s) => s.display.bytesPerSession, more),
  // what a researcher can make the service store; a smaller recording also records less of what was done
  'quotas.recordingBytesPerSession': safeguard((s) => s.quotas.recordingBytesPerSession, changed),
  'quotas.dataOperationLogBytesPerSession': safeguard((s) => s.quotas.dataOperationLogBytesPerSession, more),
  'quotas.quarantineBytesPerProject': safeguard((s) => s.quotas.quarantineBytesPerProject, more),
  // monitoring: a rule removed, its limit raised, or an alert where it ended the session
  'monitoring.terminalOutputMiBPerMinute': safeguard(
    (s) => s.monitoring.terminalOutputMiBPerMinute,
    ruleLoosened,
    ruleShown
  ),
  'monitoring.refusedActionsPerMinute': safeguard((s) => s.monitoring.refusedActionsPerMinute, ruleLoosened, ruleShown),
  'monitoring.encodedOutputKiBPerMinute': safeguard(
    (s) => s.monitoring.encodedOutputKiBPerMinute,
    ruleLoosened,
    ruleShown
  ),
  'monitoring.datasetMatches': safeguard((s) => s.monitoring.datasetMatches, ruleLoosened, ruleShown),
  'monitoring.displayCeilingMinutes': safeguard((s) => s.monitoring.displayCeilingMinutes, ruleLoosened, ruleShown),
  // ... or, for the hours sessions may run, a minute of the day allowed that was not
  'monitoring.allowedHours': safeguard((s) => s.monitoring.allowedHours, hoursLoosened, hoursShown)
} as const

/** What a policy may set that no change of waits for a second administrator, and why. */
export const NOT_WEIGHED: Record<string, string> = {
  name: 'what the policy is called',
  description: 'words for administrators',
  'auth.accessTokenMinutes':
    'how long a sign-in lasts between renewals: getting in still takes the password and the code',
  'auth.refreshTokenHours': 'how long a sign-in lasts: getting in still takes the password and the code',
  'auth.lockout': 'no longer used',
  'auth.addressLimit': 'no longer used',
  'sandbox.cpus': "a sandbox's resources, not a way out of it",
  'sandbox.memoryMiB': "a sandbox's resources, not a way out of it",
  'sandbox.pids': "a sandbox's resources, not a way out of it",
  'sandbox.workAreaMiB': "a sandbox's resources, not a way out of it",
  'sandbox.tmpMiB': "a sandbox's resources, not a way out of it",
  'sandbox.dataMiB': "a sandbox's resources, not a way out of it",
  'sandbox.maxDurationMinutes':
    'how long one session lives: the screen is bounded per minute and per session, and a new session can be started anyway',
  'sandbox.idleMinutes': 'when an unattended session ends: not a way out',
  'sandbox.pool': "sandboxes started ahead: nobody's until a member's start claims one, then theirs alone; not a way out",
  'sandbox.workspaceRetentionDays': 'how long saved workspaces stay on the platform: nothing leaves by it'
}

export type WeakeningKey = keyof typeof LOOSER | keyof typeof SAFEGUARDS

/** An airlock section's values as compared: the preset's, the policy's overrides, the built-in defaults. */
export function compared(airlock: AirlockPolicy): Compared {
  return {
    ...resolveAirlockParams(airlock),
    submissionsPerMinute: airlock.submissionsPerMinute ?? SUBMISSIONS_PER_MINUTE
  }
}

/** The safeguards of a policy as in force: a section or key it leaves out has its default. */
export function safeguardsOf(p: Policy) {
  return {
    auth: {
      signInDelays: { ...DEFAULT_SIGN_IN_DELAYS, ...p.auth.signInDelays },
      requestsPerMinute: p.auth.requestsPerMinute
    },
    sandbox: { ...p.sandbox, rowCap: p.sandbox.rowCap ?? DEFAULT_ROW_CAP },
    display: p.display ?? DEFAULT_DISPLAY,
    quotas: p.quotas ?? DEFAULT_QUOTAS,
    monitoring: p.monitoring ?? {}
  }
}

type Table<S> = Record<
  string,
  { read: (s: S) => unknown; looser: (a: never, b: never) => boolean; show?: (v: never) => unknown }
>

function weigh<S>(table: Table<S>, was: S, will: S): Weakening[] {
  const found: Weakening[] = []
  for (const [key, { read, looser, show }] of Object.entries(table)) {
    const from = read(was)
    const to = read(will)
    if (!(looser as (a: unknown, b: unknown) => boolean)(from, to)) continue
    const shown = (show ?? ((v: unknown) => v)) as (v: unknown) => unknown
    found.push({ key: key as WeakeningKey, from: shown(from), to: shown(to) })
  }
  return found
}

/** What a change of the airlock from `before` to `after` relaxes; empty: one administrator may make it. */
export function airlockWeakenings(before: AirlockPolicy, after: AirlockPolicy): Weakening[] {
  return weigh(LOOSER, compared(before), compared(after))
}

/** What a change of every other section relaxes. */
export function safeguardWeakenings(before: Policy, after: Policy): Weakening[] {
  return weigh(SAFEGUARDS, safeguardsOf(before), safeguardsOf(after))
}

/**
 * The same for whole policies: the airlock and every other safeguard. A new policy is weighed
 * against `baseline` (the default policy in force), as is a project moved to another policy
 * against the one it works under.
 */
export function policyWeakenings(before: Policy | null, after: Policy, baseline: Policy): Weakening[] {
  const was = before ?? baseline
  return [...airlockWeakenings(was.airlock, after.airlock), ...safeguardWeakenings(was, after)]
}
