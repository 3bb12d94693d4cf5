import {
  type Asker,
  changeOwnCredentials,
  newOwnSecret,
  type OwnCredentialsDeps,
  type OwnCredentialsInput
} from '../enrolment/own-credentials.js'
import type { MeResponse } from '../schemas/auth.js'
import type { UserRow } from '../store/types.js'
import { dayIn } from './calendar.js'
import { eligibility, projectState } from './eligibility.js'

export interface SelfServiceDeps extends OwnCredentialsDeps {
  timeZone: string
  /** the account as its owner sees it */
  userView: (user: UserRow) => Promise<MeResponse['user']>
}

/**
 * What a signed-in person reads and changes of their own: their account, projects and whether they
 * can work today, and their own password and authenticator (enrolment/own-credentials.ts).
 */
export function createSelfService(deps: SelfServiceDeps) {
  const { store } = deps
  return {
    /** The person's identity, their projects and whether they can work today (with every reason not). */
    async me(user: UserRow): Promise<MeResponse> {
      const today = dayIn(deps.now(), deps.timeZone)
      const view = await deps.userView(user)
      const projects = await store.listProjectsForUser(user.id)
      const cert = user.organizationId === null ? null : await store.getCertification(user.organizationId)
      return {
        user: view,
        projects: projects.map((p) => ({
          id: p.id,
          title: p.title,
          purpose: p.purpose,
          approvalReference: p.approvalReference,
          startDate: p.startDate,
          endDate: p.endDate,
          state: projectState(p, today),
          datasets: p.datasets
        })),
        eligibility: eligibility({
          user,
          organizationName: view.organization?.name ?? null,
          certification: cert,
          projects,
          today
        })
      }
    },
    /** A new authenticator secret to add, shown once, for a change of sign-in. */
    newSecret: (asker: Asker) => newOwnSecret(deps, asker),
    /** Sets the person's own password and authenticator, proved with the current ones. */
    changeCredentials: (asker: Asker, input: OwnCredentialsInput) => changeOwnCredentials(deps, asker, input)
  }
}

export type SelfService = ReturnType<typeof createSelfService>
