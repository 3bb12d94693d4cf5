import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { askPolicyVersion, askProjectPolicy, policyWeakenings } from '../../../../../approvals/index.js'
import { Errors } from '../../../../../errors.js'
import { DEFAULT_POLICY } from '../../../../../policy/policy-service.js'
import type { Policy } from '../../../../../policy/schema.js'
import { errorResponses } from '../../../../../schemas/common.js'
import {
  Assignment,
  AssignmentParams,
  LiveApplied,
  PolicyInvalidBody,
  PolicyParams,
  PolicyStaleBody,
  PolicySummary,
  PolicyVersionView,
  PolicyView,
  PutAssignmentBody,
  PutAssignmentResult,
  PutPolicyBody,
  PutPolicyResult
} from '../../../../../schemas/policies.js'
import { HeldForApproval } from '../../../../../schemas/approvals.js'
import { NEW_SESSION_KEYS } from '../../../../../sessions/session-service.js'
import type { PendingChangeRow } from '../../../../../store/pending-changes.js'
import type { PolicyVersionRow } from '../../../../../store/types.js'
import { approvalDeps } from '../approvals/index.js'
import { pendingView } from '../approvals/view.js'
import { actorOf as adminActorOf, administer } from '../refusal.js'

const actorOf = (request: FastifyRequest) => ({ id: request.principal!.user.id, sourceIp: request.ip ?? null })

async function authorOf(app: FastifyInstance, id: string): Promise<{ id: string; name: string }> {
  if (id === 'system') return { id, name: 'system' }
  const user = await app.store.getUserById(id)
  return { id, name: user?.displayName ?? id }
}

/** Projects working under `name`: those assigned it, or for the default those assigned nothing. */
async function projectsUnder(app: FastifyInstance, name: string): Promise<{ id: string; title: string }[]> {
  const assigned = app.policies.assignments()
  return (await app.store.listProjects())
    .filter((p) => (assigned.get(p.id) ?? DEFAULT_POLICY) === name)
    .map((p) => ({ id: p.id, title: p.title }))
}

async function policyView(app: FastifyInstance, row: PolicyVersionRow, policy: Policy): Promise<PolicyView> {
  return {
    name: row.name,
    version: row.version,
    yaml: row.yaml,
    policy: policy as unknown as Record<string, unknown>,
    author: await authorOf(app, row.author),
    createdAt: row.createdAt,
    comment: row.comment,
    projects: await projectsUnder(app, row.name)
  }
}

/** Applies the policy now in force to the running sessions, and says what reached them. */
async function applyLive(
  app: FastifyInstance,
  request: FastifyRequest,
  before: Policy | null,
  after: Policy
): Promise<LiveApplied> {
  const { changes, pending } = await app.sessions.applyPolicy({
    actor: request.principal!.user.id,
    sourceIp: request.ip
  })
  const newSessionsOnly =
    before === null
      ? []
      : NEW_SESSION_KEYS.filter((k) => before.sandbox[k] !== after.sandbox[k]).map((k) => `sandbox.${k}`)
  const applied = changes.filter((c) => c.applied.length > 0).length
  const refused = changes.flatMap((c) => c.notApplied)
  const parts = [
    changes.length === 0
      ? 'No running session needed a change.'
      : `${applied} running session${applied === 1 ? '' : 's'} took the new limits.`,
    ...(refused.length > 0
      ? [`Not changed in place: ${[...new Set(refused.map((r) => `${r.key} (${r.reason})`))].join('; ')}.`]
      : []),
    ...(pending.length > 0 ? [`${pending.length} session(s) still starting get it once they run.`] : []),
    ...(newSessionsOnly.length > 0 ? [`${newSessionsOnly.join(', ')} apply to new sessions only.`] : [])
  ]
  return {
    sessions: changes.map((c) => ({
      sessionId: c.sessionId,
      projectId: c.projectId,
      applied: c.applied.map((a) => ({ key: a.key, from: a.from, to: a.to })),
      notApplied: c.notApplied.map((n) => ({ key: n.key, to: n.to, reason: n.reason }))
    })),
    pending,
    newSessionsOnly,
    note: parts.join(' ')
  }
}

/**
 * Administering policies: the named policies with their versions, a new version with optimistic
 * concurrency (a stale base version is refused and nothing is lost), and which project works under
 * which policy. A saved change reaches new sessions, and what can change live reaches running
 * ones. Administrators only; every change and refusal is audited.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('admin'))

  /** A change that now waits for a second administrator: 202 with the pending change. */
  const held = async (request: FastifyRequest, reply: FastifyReply, row: PendingChangeRow) => {
    reply.code(202)
    return {
      pending: await pendingView(app, row, request.principal!.user.id),
      message:
        'This change relaxes a safeguard (the airlock, the screen budget, monitoring, the sandbox or sign-in), so it needs a second administrator: it waits in the console until another administrator approves or refuses it.'
    }
  }

  app.get('/policies', { schema: { response: { 200: Type.Array(PolicySummary), ...errorResponses } } }, async () => {
    const assigned = app.policies.assignments()
    const projects = await app.store.listProjects()
    return Promise.all(
      app.policies.list().map(async (row) => ({
        name: row.name,
        description: app.policies.get(row.name)?.policy.description ?? null,
        version: row.version,
        author: await authorOf(app, row.author),
        createdAt: row.createdAt,
        comment: row.comment,
        projects: projects.filter((p) => (assigned.get(p.id) ?? DEFAULT_POLICY) === row.name).length
      }))
    )
  })

  app.get(
    '/policies/:name',
    { schema: { params: PolicyParams, response: { 200: PolicyView, ...errorResponses } } },
    async (request) => {
      const loaded = app.policies.get(request.params.name)
      if (loaded === null) throw new Errors.NotFound(`There is no policy named ${request.params.name}.`)
      return policyView(app, loaded.row, loaded.policy)
    }
  )

  app.get(
    '/policies/:name/versions',
    { schema: { params: PolicyParams, response: { 200: Type.Array(PolicyVersionView), ...errorResponses } } },
    async (request) => {
      const versions = await app.policies.versions(request.params.name)
      if (versions.length === 0) throw new Errors.NotFound(`There is no policy named ${request.params.name}.`)
      return Promise.all(
        versions.map(async (v) => ({
          version: v.version,
          author: await authorOf(app, v.author),
          createdAt: v.createdAt,
          comment: v.comment,
          diff: v.diff,
          yaml: v.yaml
        }))
      )
    }
  )

  app.put(
    '/policies/:name',
    {
      schema: {
        params: PolicyParams,
        body: PutPolicyBody,
        response: {
          ...errorResponses,
          200: PutPolicyResult,
          202: HeldForApproval,
          400: PolicyInvalidBody,
          409: PolicyStaleBody
        }
      }
    },
    async (request, reply) => {
      const { name } = request.params
      const { yaml, policy, baseVersion, comment } = request.body
      const note = comment?.trim() || null
      // any relaxation of a safeguard (by values in force, approvals/weakening.ts) waits for a second
      // administrator: weighed against the version the store holds, never a copy that fell behind
      const result = await administer(app, request, 'policy.update', name, () =>
        app.policies.save(
          name,
          { ...(yaml !== undefined ? { yaml } : {}), ...(policy !== undefined ? { policy } : {}) },
          baseVersion,
          note,
          actorOf(request),
          async (change) => {
            const weakenings = policyWeakenings(change.before?.policy ?? null, change.policy, change.baseline)
            if (weakenings.length === 0) return null
            const held = await askPolicyVersion(
              approvalDeps(app),
              { name, baseVersion, yaml: change.yaml, comment: note, diff: change.diff, weakenings },
              adminActorOf(request)
            )
            return held.id
          }
        )
      )
      if (result.kind === 'held') return held(request, reply, (await app.store.approvals.get(result.pendingId))!)
      if (result.kind === 'invalid') {
        return reply.status(400).send({
          error: {
            code: 'VRE_ERR_POLICY_INVALID',
            message: `The policy was not saved: ${result.problems
              .map((p) => `${p.path || '(whole policy)'}: ${p.message}`)
              .join('; ')}.`,
            problems: result.problems
          }
        })
      }
      if (result.kind === 'stale') {
        return reply.status(409).send({
          error: {
            code: 'VRE_ERR_STALE_VERSION',
            message:
              result.currentVersion === 0
                ? `There is no policy named ${name} yet: save it from version 0.`
                : `The policy was changed since version ${baseVersion} (it is now at version ${result.currentVersion}); ` +
                  'nothing was saved. Reload it, make your change again and save.',
            currentVersion: result.currentVersion
          }
        })
      }
      const loaded = app.policies.get(name)!
      const view = await policyView(app, loaded.row, loaded.policy)
      if (result.kind === 'unchanged') {
        return {
          policy: view,
          changed: false,
          diff: '',
          live: { sessions: [], pending: [], newSessionsOnly: [], note: 'Nothing changed, so nothing was saved.' }
        }
      }
      return {
        policy: view,
        changed: true,
        diff: result.row.diff,
        live: await applyLive(app, request, result.previous, result.policy)
      }
    }
  )

  app.get(
    '/policy-assignments',
    { schema: { response: { 200: Type.Array(Assignment), ...errorResponses } } },
    async () =>
      (await app.store.listProjects()).map((p) => ({
        projectId: p.id,
        title: p.title,
        policy: app.policies.policyNameFor(p.id)
      }))
  )

  app.put(
    '/policy-assignments/:projectId',
    {
      schema: {
        params: AssignmentParams,
        body: PutAssignmentBody,
        response: { 200: PutAssignmentResult, 202: HeldForApproval, ...errorResponses }
      }
    },
    async (request, reply) => {
      const { projectId } = request.params
      const name = request.body.policy
      const refuse = async (reason: string) => {
        await app.store.appendAudit({
          actor: request.principal!.user.id,
          action: 'project.policy',
          sourceIp: request.ip,
          target: projectId,
          outcome: 'denied',
          details: { reason, policy: name }
        })
      }
      const project = await app.store.getProject(projectId)
      if (project === null) {
        await refuse('no such project')
        throw new Errors.NotFound('There is no such project.')
      }
      // weighed against what the store holds now (the project's assignment, both policies' newest
      // versions), never a copy of them that fell behind
      await app.policies.refresh(null)
      const fromName = app.policies.policyNameFor(projectId)
      const to = await app.policies.stored(name ?? DEFAULT_POLICY)
      if (to === null) {
        await refuse('no such policy')
        throw new Errors.BadRequest(`There is no policy named ${name}; save it first, then assign it.`)
      }
      const baseline = (await app.policies.stored(DEFAULT_POLICY))!.policy
      const before = (await app.policies.stored(fromName))?.policy ?? baseline
      const weakenings = policyWeakenings(before, to.policy, baseline)
      if (weakenings.length > 0 && fromName !== to.row.name) {
        const pending = await administer(app, request, 'project.policy', projectId, () =>
          askProjectPolicy(
            approvalDeps(app),
            {
              projectId,
              title: project.title,
              from: fromName,
              to: to.row.name,
              toVersion: to.row.version,
              weakenings
            },
            request.body.reason,
            adminActorOf(request)
          )
        )
        return held(request, reply, pending)
      }
      await app.policies.assign(projectId, name, actorOf(request))
      return {
        assignment: { projectId, title: project.title, policy: app.policies.policyNameFor(projectId) },
        live: await applyLive(app, request, before, app.policyFor(projectId))
      }
    }
  )
}

export default routes
