import fp from 'fastify-plugin'
import { type ApprovalConsole, createApprovalConsole } from '../../approvals/approval-console.js'
import { createPolicyConsole, type PolicyConsole } from '../../policy/policy-console.js'
import { type EnforceNow, enforcingNow } from '../../identity/administered.js'
import { createPeopleService, type PeopleService } from '../../identity/people-service.js'
import { createProjectService, type ProjectService } from '../../projects/project-service.js'
import { createReviewerService, type ReviewerService } from '../../projects/reviewer-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** organizations, their certification, and accounts */
    people: PeopleService
    /** research projects, their members and granted datasets */
    projects: ProjectService
    /** who reviews each project's requests */
    reviewers: ReviewerService
    /** named policies, their versions, and which project works under which */
    policyConsole: PolicyConsole
    /** changes waiting for a second administrator */
    approvalConsole: ApprovalConsole
    /** ends what an administrator's change took the right to: live sessions, reviewers' votes */
    enforceNow: EnforceNow
  }
}

/** What administrators manage: people, projects and their reviewers, changes awaiting a second administrator. Each service writes its own audit records. */
export default fp(
  async (app) => {
    const enforceNow = enforcingNow({
      endLapsed: () => app.sessions.endLapsed(),
      recheckIndependence: (by) => app.airlock.recheckIndependence(by),
      log: app.log
    })
    const approvals = { store: app.store, policies: app.policies, now: app.now }
    app.decorate('enforceNow', enforceNow)
    app.decorate(
      'people',
      createPeopleService({ store: app.store, approvals, now: app.now, timeZone: app.config.timeZone, enforceNow })
    )
    app.decorate(
      'projects',
      createProjectService({
        store: app.store,
        policy: app.policy,
        now: app.now,
        timeZone: app.config.timeZone,
        dataDir: app.config.dataDir,
        enforceNow,
        endProjectSessions: (id, reason, by) => app.sessions.endProjectSessions(id, reason, by)
      })
    )
    app.decorate(
      'approvalConsole',
      createApprovalConsole({ ...approvals, enforceNow, applyPolicy: (by) => app.sessions.applyPolicy(by) })
    )
    app.decorate(
      'policyConsole',
      createPolicyConsole({
        store: app.store,
        policies: app.policies,
        approvals,
        applyPolicy: (by) => app.sessions.applyPolicy(by)
      })
    )
    app.decorate('reviewers', createReviewerService({ store: app.store, policyFor: app.policyFor, enforceNow }))
  },
  { name: 'administration', dependencies: ['store', 'policy', 'config', 'sessions', 'airlock'] }
)
