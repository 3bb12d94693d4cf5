import { ConflictingInput, InvalidInput, NotFoundInput } from '../identity/accounts.js'
import type { ProjectReviewerRow } from '../store/airlock.js'
import type { Store, UserRow } from '../store/types.js'
import { resolveAirlockParams } from './disclosure/params.js'
import type { Policy } from '../policy/schema.js'

/**
 * Who reviews a project's requests: reviewers an administrator assigns to it. A reviewer is
 * assigned only where they are independent of the project: a reviewer by role, not a member, and
 * (where the project's policy excludes the requester's organization) of no member's organization.
 * The same is checked again on every look at a request, for members and roles change.
 */

export interface Assigner {
  actor: string
  sourceIp: string | null
}

/** Why `user` cannot review `projectId`'s requests, or null. */
export async function assignmentProblem(
  store: Store,
  projectId: string,
  user: UserRow,
  policy: Policy
): Promise<string | null> {
  if (!user.roles.includes('reviewer')) return `${user.username} is not a reviewer`
  if (user.status !== 'active') return `${user.username} is suspended`
  const members = await store.listProjectMemberIds(projectId)
  if (members.includes(user.id))
    return `${user.username} is a member of the project: a member never reviews its requests`
  if (resolveAirlockParams(policy.airlock).excludeRequesterOrganization && user.organizationId !== null) {
    for (const id of members) {
      const m = await store.getUserById(id)
      if (m?.organizationId === user.organizationId) {
        return `${user.username} is of the organization of ${m.username}, a member of the project, which the project's policy excludes from reviewing its requests`
      }
    }
  }
  return null
}

export async function setProjectReviewer(
  store: Store,
  policyFor: (projectId: string) => Policy,
  projectId: string,
  userId: string,
  assigned: boolean,
  by: Assigner
): Promise<void> {
  const project = await store.getProject(projectId)
  if (project === null) throw new NotFoundInput('there is no such project')
  const user = await store.getUserById(userId)
  if (user === null) throw new NotFoundInput('there is no such user')
  if (assigned) {
    const problem = await assignmentProblem(store, projectId, user, policyFor(projectId))
    if (problem !== null) throw new InvalidInput(problem)
  }
  const changed = await store.airlock.setProjectReviewer(projectId, userId, assigned, by.actor, {
    actor: by.actor,
    action: assigned ? 'project.reviewer_assign' : 'project.reviewer_unassign',
    sourceIp: by.sourceIp,
    target: projectId,
    outcome: 'success',
    details: { project: project.title, user: userId, username: user.username }
  })
  if (!changed) {
    throw new ConflictingInput(
      assigned
        ? `${user.username} already reviews "${project.title}"`
        : `${user.username} is not a reviewer of "${project.title}"`
    )
  }
}

/** A project's reviewers as the console lists them, each with whether they are independent of it now. */
export async function projectReviewers(
  store: Store,
  policyFor: (projectId: string) => Policy,
  projectId: string
): Promise<(ProjectReviewerRow & { user: UserRow | null; problem: string | null })[]> {
  const out = []
  for (const r of await store.airlock.listProjectReviewers(projectId)) {
    const user = await store.getUserById(r.userId)
    out.push({
      ...r,
      user,
      problem:
        user === null ? 'the account is gone' : await assignmentProblem(store, projectId, user, policyFor(projectId))
    })
  }
  return out
}
