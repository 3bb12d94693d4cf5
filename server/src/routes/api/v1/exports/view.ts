import type { FastifyInstance, FastifyRequest } from 'fastify'
import { IMPORT_REVIEWERS } from '../../../../airlock/airlock-service.js'
import { resolveAirlockParams } from '../../../../airlock/disclosure/params.js'
import {
  checkForRequester,
  checkForReviewer,
  provenanceForRequester,
  provenanceForReviewer
} from '../../../../airlock/requester-view.js'
import { quotaFiguresOf } from '../../../../errors.js'
import type { ExportRequestView } from '../../../../schemas/airlock.js'
import type { AirlockRequestDetail } from '../../../../store/types.js'

/**
 * Who reads a request: its reviewers read every check's message; the requester of an export reads
 * fixed sentences in their place (airlock/requester-view.ts), for the messages quote the file and
 * the requester's view is outside any session's display budget. An import's requester reads the
 * messages: everything in them came from the file they uploaded.
 */
export type Reader = 'requester' | 'reviewer'

/** An export request as its requester or its reviewers see it: every round's files, checks and decisions. */
export async function exportRequestView(
  app: FastifyInstance,
  d: AirlockRequestDetail,
  reader: Reader
): Promise<ExportRequestView> {
  const names = new Map<string, string>()
  const nameOf = async (id: string) => {
    if (!names.has(id)) names.set(id, (await app.store.getUserById(id))?.username ?? 'unknown')
    return names.get(id)!
  }
  const { request } = d
  const quoted = reader === 'reviewer' || request.direction === 'import'
  return {
    id: request.id,
    direction: request.direction,
    projectId: request.projectId,
    requester: await nameOf(request.requesterId),
    state: request.state,
    round: request.round,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    releasedAt: request.releasedAt,
    approvals: d.decisions.filter((x) => x.round === request.round && x.decision === 'approve').length,
    approvalsNeeded:
      request.direction === 'import'
        ? IMPORT_REVIEWERS
        : resolveAirlockParams(app.policyFor(request.projectId).airlock).reviewers,
    files: d.files.map((f) => ({
      id: f.id,
      round: f.round,
      path: f.path,
      name: f.name,
      sha256: f.sha256,
      size: f.size,
      justification: f.justification,
      outcome: f.outcome,
      checks: (f.checks as Record<string, unknown>[]).map(quoted ? checkForReviewer : checkForRequester),
      provenance: (quoted ? provenanceForReviewer : provenanceForRequester)(
        (f.provenance as Record<string, unknown> | null) ?? null
      ),
      listing: (f.listing as Record<string, unknown>[] | null) ?? null
    })),
    decisions: await Promise.all(
      d.decisions.map(async (x) => ({
        round: x.round,
        reviewer: await nameOf(x.reviewerId),
        decision: x.decision,
        comment: x.comment,
        createdAt: x.createdAt
      }))
    )
  }
}

export async function exportRequestSummary(app: FastifyInstance, r: AirlockRequestDetail['request']) {
  const requester = (await app.store.getUserById(r.requesterId))?.username ?? 'unknown'
  return {
    id: r.id,
    direction: r.direction,
    projectId: r.projectId,
    requester,
    state: r.state,
    round: r.round,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt
  }
}

/** Headers for a file's bytes: never rendered as a page by the browser, always saved as what it is. */
export function fileHeaders(name: string): Record<string, string> {
  const type = /\.png$/i.test(name)
    ? 'image/png'
    : /\.jpe?g$/i.test(name)
      ? 'image/jpeg'
      : /\.pdf$/i.test(name)
        ? 'application/pdf'
        : 'application/octet-stream'
  return {
    'content-type': type,
    'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'no-store'
  }
}

/**
 * Runs an airlock request's submission; a refusal (bad input, a file refused, a quota reached) is
 * recorded in the audit log with its reason (and a quota's figures) before the error goes back, so
 * attempts are visible too.
 */
export async function auditRefusal<T>(
  app: FastifyInstance,
  request: Pick<FastifyRequest, 'principal' | 'ip'>,
  action: string,
  details: Record<string, unknown>,
  submit: () => Promise<T>
): Promise<T> {
  try {
    return await submit()
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode
    if (status !== undefined && status < 500) {
      await app.store.appendAudit({
        actor: request.principal!.user.id,
        action,
        sourceIp: request.ip,
        target: null,
        outcome: 'denied',
        details: { ...details, reason: (err as Error).message, ...quotaFiguresOf(err) }
      })
    }
    throw err
  }
}

/** Submissions a researcher may make per minute on one route unless the policy says otherwise. */
export const SUBMISSIONS_PER_MINUTE = 10

/**
 * The route config that holds back a loop of submissions (each copies files out of a sandbox and
 * runs the checks), per signed-in user: after authentication has named them.
 */
export function submissionLimit(app: FastifyInstance) {
  return {
    rateLimit: {
      hook: 'preHandler' as const,
      // the project's policy: named by an import's query, or by the session an export comes from
      max: async (request: FastifyRequest) => {
        const { projectId } = (request.query ?? {}) as { projectId?: string }
        const { sessionId } = (request.body ?? {}) as { sessionId?: string }
        const project =
          typeof projectId === 'string'
            ? projectId
            : typeof sessionId === 'string'
              ? ((await app.store.getSandboxSession(sessionId))?.projectId ?? null)
              : null
        const policy = project === null ? app.policy() : app.policyFor(project)
        return policy.airlock.submissionsPerMinute ?? SUBMISSIONS_PER_MINUTE
      },
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => request.principal?.user.id ?? request.ip
    }
  }
}
