import { askPolicyVersion, askProjectPolicy, policyWeakenings } from '../approvals/index.js'
import type { ApprovalDeps } from '../approvals/approval-service.js'
import { pendingView } from '../approvals/pending-view.js'
import { refusal } from '../audit/refusals.js'
import { Errors } from '../errors.js'
import { administered } from '../identity/administered.js'
import type { Actor } from '../identity/administration.js'
import type { PendingChangeView } from '../schemas/approvals.js'
import type {
  Assignment,
  PolicySummary,
  PolicyVersionView,
  PolicyView,
  PutAssignmentResult,
  PutPolicyResult
} from '../schemas/policies.js'
import type { Static } from 'typebox'
import type { LiveLimitChange } from '../sessions/session-service.js'
import type { PolicyVersionRow, Store } from '../store/types.js'
import { liveApplied } from './live-applied.js'
import type { PolicyProblem } from './load.js'
import { DEFAULT_POLICY, type PolicyService, type PolicySource } from './policy-service.js'
import type { Policy } from './schema.js'

export interface PolicyConsoleDeps {
  store: Store
  policies: PolicyService
  approvals: ApprovalDeps
  /** brings the policy now in force to running sessions; what each took, and those still starting */
  applyPolicy: (by: {
    actor: string
    sourceIp: string | null
  }) => Promise<{ changes: LiveLimitChange[]; pending: string[] }>
}

export type SaveOutcome =
  | { kind: 'done'; result: PutPolicyResult }
  | { kind: 'held'; pending: PendingChangeView }
  | { kind: 'invalid'; problems: PolicyProblem[] }
  | { kind: 'stale'; currentVersion: number }

/**
 * Administering policies: the named policies with their versions, a new version with optimistic
 * concurrency (a stale base version is refused and nothing is lost), and which project works under
 * which policy. Any relaxation of a safeguard waits for a second administrator (approvals/); a
 * saved change reaches new sessions, and what can change live reaches running ones. Every change
 * and refusal is audited.
 */
export function createPolicyConsole(deps: PolicyConsoleDeps) {
  const { store, policies } = deps
  const policyActor = (by: Actor) => ({ id: by.actor, sourceIp: by.sourceIp })
  const applyLive = async (by: Actor, before: Policy | null, after: Policy) =>
    liveApplied(await deps.applyPolicy({ actor: by.actor, sourceIp: by.sourceIp }), before, after)

  async function authorOf(id: string): Promise<{ id: string; name: string }> {
    if (id === 'system') return { id, name: 'system' }
    const user = await store.getUserById(id)
    return { id, name: user?.displayName ?? id }
  }

  /** Projects working under `name`: those assigned it, or for the default those assigned nothing. */
  async function projectsUnder(name: string): Promise<{ id: string; title: string }[]> {
    const assigned = policies.assignments()
    return (await store.listProjects())
      .filter((p) => (assigned.get(p.id) ?? DEFAULT_POLICY) === name)
      .map((p) => ({ id: p.id, title: p.title }))
  }

  async function policyView(row: PolicyVersionRow, policy: Policy): Promise<PolicyView> {
    return {
      name: row.name,
      version: row.version,
      yaml: row.yaml,
      policy: policy as unknown as Record<string, unknown>,
      author: await authorOf(row.author),
      createdAt: row.createdAt,
      comment: row.comment,
      projects: await projectsUnder(row.name)
    }
  }

  return {
    async summaries(): Promise<PolicySummary[]> {
      const assigned = policies.assignments()
      const projects = await store.listProjects()
      return Promise.all(
        policies.list().map(async (row) => ({
          name: row.name,
          description: policies.get(row.name)?.policy.description ?? null,
          version: row.version,
          author: await authorOf(row.author),
          createdAt: row.createdAt,
          comment: row.comment,
          projects: projects.filter((p) => (assigned.get(p.id) ?? DEFAULT_POLICY) === row.name).length
        }))
      )
    },

    async view(name: string): Promise<PolicyView> {
      const loaded = policies.get(name)
      if (loaded === null) throw new Errors.NotFound(`There is no policy named ${name}.`)
      return policyView(loaded.row, loaded.policy)
    },

    async versions(name: string): Promise<PolicyVersionView[]> {
      const versions = await policies.versions(name)
      if (versions.length === 0) throw new Errors.NotFound(`There is no policy named ${name}.`)
      return Promise.all(
        versions.map(async (v) => ({
          version: v.version,
          author: await authorOf(v.author),
          createdAt: v.createdAt,
          comment: v.comment,
          diff: v.diff,
          yaml: v.yaml
        }))
      )
    },

    async save(
      name: string,
      source: PolicySource,
      baseVersion: number,
      comment: string | undefined,
      by: Actor
    ): Promise<SaveOutcome> {
      const note = comment?.trim() || null
      // any relaxation of a safeguard (by values in force, approvals/weakening.ts) waits for a second
      // administrator: weighed against the version the store holds, never a copy that fell behind
      const result = await administered(store, by, 'policy.update', name, () =>
        policies.save(name, source, baseVersion, note, policyActor(by), async (change) => {
          const weakenings = policyWeakenings(change.before?.policy ?? null, change.policy, change.baseline)
          if (weakenings.length === 0) return null
          const held = await askPolicyVersion(
            deps.approvals,
            { name, baseVersion, yaml: change.yaml, comment: note, diff: change.diff, weakenings },
            by
          )
          return held.id
        })
      )
      if (result.kind === 'held') {
        return {
          kind: 'held',
          pending: await pendingView(store, (await store.approvals.get(result.pendingId))!, by.actor)
        }
      }
      if (result.kind === 'invalid' || result.kind === 'stale') return result
      const loaded = policies.get(name)!
      const view = await policyView(loaded.row, loaded.policy)
      if (result.kind === 'unchanged') {
        const live = { sessions: [], pending: [], newSessionsOnly: [], note: 'Nothing changed, so nothing was saved.' }
        return { kind: 'done', result: { policy: view, changed: false, diff: '', live } }
      }
      const live = await applyLive(by, result.previous, result.policy)
      return { kind: 'done', result: { policy: view, changed: true, diff: result.row.diff, live } }
    },

    async assignments(): Promise<Assignment[]> {
      return (await store.listProjects()).map((p) => ({
        projectId: p.id,
        title: p.title,
        policy: policies.policyNameFor(p.id)
      }))
    },

    /** Assigns `name` (null: the default) to a project; one that relaxes a safeguard waits for a second administrator. */
    async assign(
      projectId: string,
      name: string | null,
      reason: string | undefined,
      by: Actor
    ): Promise<{ held: PendingChangeView } | { assigned: Static<typeof PutAssignmentResult> }> {
      const refuse = (why: string) =>
        store.appendAudit(
          refusal(
            { actor: by.actor, action: 'project.policy', sourceIp: by.sourceIp, target: projectId },
            { reason: why, policy: name }
          )
        )
      const project = await store.getProject(projectId)
      if (project === null) {
        await refuse('no such project')
        throw new Errors.NotFound('There is no such project.')
      }
      // weighed against what the store holds now (the project's assignment, both policies' newest
      // versions), never a copy of them that fell behind
      await policies.refresh(null)
      const fromName = policies.policyNameFor(projectId)
      const to = await policies.stored(name ?? DEFAULT_POLICY)
      if (to === null) {
        await refuse('no such policy')
        throw new Errors.BadRequest(`There is no policy named ${name}; save it first, then assign it.`)
      }
      const baseline = (await policies.stored(DEFAULT_POLICY))!.policy
      const before = (await policies.stored(fromName))?.policy ?? baseline
      const weakenings = policyWeakenings(before, to.policy, baseline)
      if (weakenings.length > 0 && fromName !== to.row.name) {
        const pending = await administered(store, by, 'project.policy', projectId, () =>
          askProjectPolicy(
            deps.approvals,
            { projectId, title: project.title, from: fromName, to: to.row.name, toVersion: to.row.version, weakenings },
            reason,
            by
          )
        )
        return { held: await pendingView(store, pending, by.actor) }
      }
      await policies.assign(projectId, name, policyActor(by))
      return {
        assigned: {
          assignment: { projectId, title: project.title, policy: policies.policyNameFor(projectId) },
          live: await applyLive(by, before, policies.policyFor(projectId))
        }
      }
    }
  }
}

export type PolicyConsole = ReturnType<typeof createPolicyConsole>
