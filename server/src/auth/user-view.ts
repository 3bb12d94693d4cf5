import { mustChangeCredentials } from '../approvals/privileged.js'
import { certificationView, dayIn } from '../identity/index.js'
import type { UserView } from '../schemas/identity.js'
import type { UserRow } from '../store/types.js'
import type { AuthDeps } from './auth-context.js'

/** The signed-in person as the web app shows them: roles, organization and its certification today. */
export async function userViewOf(deps: AuthDeps, user: UserRow): Promise<UserView> {
  const { store, now } = deps
  const today = dayIn(now(), deps.timeZone)
  let organization: UserView['organization'] = null
  if (user.organizationId !== null) {
    const org = await store.getOrganization(user.organizationId)
    const cert = await store.getCertification(user.organizationId)
    if (org !== null) {
      organization = {
        id: org.id,
        name: org.name,
        certification: cert === null ? null : certificationView(cert, today)
      }
    }
  }
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    status: user.status,
    organization,
    mustChangeCredentials: mustChangeCredentials(user)
  }
}
