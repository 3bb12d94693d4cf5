import type { Static } from 'typebox'
import { projectReviewers, setProjectReviewer } from '../airlock/reviewers.js'
import { Errors } from '../errors.js'
import { administered, type EnforceNow } from '../identity/administered.js'
import type { Actor } from '../identity/administration.js'
import type { Policy } from '../policy/schema.js'
import type { ProjectReviewer } from '../schemas/admin-identity.js'
import type { Store } from '../store/types.js'

export interface ReviewerDeps {
  store: Store
  policyFor: (projectId: string) => Policy
  enforceNow: EnforceNow
}

/** A reviewer assigned to a project, as the console lists them. */
export type ProjectReviewerView = Static<typeof ProjectReviewer>

/**
 * Reviewers assigned to a project: only they see its requests, and only while independent of it.
 * Assigning a non-reviewer, a member of the project, or (under a policy that excludes the
 * requester's organization) someone of a member's organization is refused; both ways audited.
 */
export function createReviewerService(deps: ReviewerDeps) {
  const { store } = deps

  async function list(projectId: string): Promise<ProjectReviewerView[]> {
    const out = []
    for (const r of await projectReviewers(store, deps.policyFor, projectId)) {
      const org = r.user?.organizationId ? await store.getOrganization(r.user.organizationId) : null
      const by = r.assignedBy === 'system' ? null : await store.getUserById(r.assignedBy)
      out.push({
        id: r.userId,
        username: r.user?.username ?? 'unknown',
        displayName: r.user?.displayName ?? '',
        organization: org?.name ?? null,
        assignedBy: by?.username ?? r.assignedBy,
        assignedAt: r.assignedAt,
        independent: r.problem === null,
        why: r.problem
      })
    }
    return out
  }

  return {
    async reviewers(projectId: string): Promise<ProjectReviewerView[]> {
      if ((await store.getProject(projectId)) === null) throw new Errors.NotFound('There is no such project.')
      return list(projectId)
    },

    async setReviewer(projectId: string, userId: string, assigned: boolean, by: Actor): Promise<ProjectReviewerView[]> {
      const action = assigned ? 'project.reviewer_assign' : 'project.reviewer_unassign'
      await administered(store, by, action, projectId, () =>
        setProjectReviewer(store, deps.policyFor, projectId, userId, assigned, {
          actor: by.actor,
          sourceIp: by.sourceIp
        })
      )
      // an unassigned reviewer's votes on the project's open requests stop counting
      if (!assigned) await deps.enforceNow(by)
      return list(projectId)
    }
  }
}

export type ReviewerService = ReturnType<typeof createReviewerService>
