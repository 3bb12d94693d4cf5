import { InvalidInput } from '../identity/accounts.js'
import type { Actor } from '../identity/administration.js'
import { DEFAULT_POLICY, policyDiff } from '../policy/policy-service.js'
import type { PendingChangeRow } from '../store/pending-changes.js'
import { type ApprovalDeps, type Preparer, requestChange } from './approval-service.js'
import type { Weakening } from './weakening.js'

/**
 * Policy changes a second administrator approves: a new version that relaxes any safeguard (fewer
 * reviewers, more exceptions, a lower threshold, more file types, a larger preview volume or
 * screen budget, a monitoring rule removed, runc for gVisor, ...: weakening.ts weighs each), and
 * moving a project to a policy that is weaker for it. The version waits, as written, on the
 * version it was made from; an approval checks it against the store, not a gateway's memory.
 */

export interface HeldPolicyVersion {
  name: string
  baseVersion: number
  yaml: string
  comment: string | null
  diff: string
  weakenings: Weakening[]
}

/** Asks for a policy version that relaxes the airlock; the comment is the reason. */
export async function askPolicyVersion(
  deps: ApprovalDeps,
  held: HeldPolicyVersion,
  by: Actor
): Promise<PendingChangeRow> {
  return requestChange(
    deps,
    {
      kind: 'policy.update',
      subject: `policy:${held.name}`,
      target: held.name,
      change: { ...held },
      guard: { version: held.baseVersion },
      reason: held.comment ?? undefined
    },
    by
  )
}

export interface HeldAssignment {
  projectId: string
  title: string
  /** the policy the project works under now, and the one it would */
  from: string
  to: string
  /** the newest version of `to` as asked */
  toVersion: number
  weakenings: Weakening[]
}

/** Asks for a project to move to a policy that weakens its airlock. */
export async function askProjectPolicy(
  deps: ApprovalDeps,
  held: HeldAssignment,
  reason: string | undefined,
  by: Actor
): Promise<PendingChangeRow> {
  return requestChange(
    deps,
    {
      kind: 'project.policy',
      subject: `project-policy:${held.projectId}`,
      target: held.projectId,
      change: { ...held },
      guard: { from: held.from, toVersion: held.toVersion },
      reason
    },
    by
  )
}

export const preparePolicyVersion: Preparer = async (deps, row, by, { approval }) => {
  const held = row.change as unknown as HeldPolicyVersion
  // the store's version, not a gateway's copy of it that may have fallen behind
  const current = await deps.policies.stored(held.name)
  const now = current?.row.version ?? 0
  if (now !== held.baseVersion) {
    throw new InvalidInput(
      `the policy ${held.name} moved from version ${held.baseVersion} to ${now} since; make the change again on the version in force`
    )
  }
  const version = held.baseVersion + 1
  return {
    effect: {
      kind: 'policy.update',
      baseVersion: held.baseVersion,
      row: {
        name: held.name,
        yaml: held.yaml,
        // the version is the asker's: they wrote it; the approver is named in its audit record
        author: row.requestedBy,
        comment: held.comment,
        diff: policyDiff(held.name, current?.row ?? null, held.yaml, version),
        source: null,
        sourceSha256: null
      }
    },
    audit: {
      actor: by.actor,
      action: 'policy.update',
      sourceIp: by.sourceIp,
      target: held.name,
      outcome: 'success',
      details: {
        baseVersion: held.baseVersion,
        version,
        comment: held.comment,
        created: held.baseVersion === 0,
        weakenings: held.weakenings,
        approval
      }
    },
    enrolment: null,
    after: () => deps.policies.refresh(held.name)
  }
}

export const prepareProjectPolicy: Preparer = async (deps, row, by, { approval }) => {
  const held = row.change as unknown as HeldAssignment
  if ((await deps.store.getProject(held.projectId)) === null) throw new InvalidInput('the project no longer exists')
  await deps.policies.refresh(null)
  const now = deps.policies.policyNameFor(held.projectId)
  if (now !== held.from) throw new InvalidInput(`the project works under ${now} now, not ${held.from} as when asked`)
  const target = await deps.policies.stored(held.to)
  if (target === null) throw new InvalidInput(`there is no policy named ${held.to} any more`)
  if (target.row.version !== held.toVersion) {
    throw new InvalidInput(`the policy ${held.to} moved from version ${held.toVersion} to ${target.row.version} since`)
  }
  return {
    effect: {
      kind: 'project.policy',
      projectId: held.projectId,
      from: held.from === DEFAULT_POLICY ? null : held.from,
      to: held.to === DEFAULT_POLICY ? null : held.to,
      toName: held.to,
      toVersion: held.toVersion
    },
    audit: {
      actor: by.actor,
      action: 'project.policy',
      sourceIp: by.sourceIp,
      target: held.projectId,
      outcome: 'success',
      details: { from: held.from, to: held.to, weakenings: held.weakenings, approval }
    },
    enrolment: null,
    after: () => deps.policies.refresh(null)
  }
}
