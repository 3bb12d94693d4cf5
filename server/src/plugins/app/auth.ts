import fp from 'fastify-plugin'
import {
  type Authenticated,
  type AuthService,
  createAuthService,
  type RequestContext
} from '../../auth/auth-service.js'
import { mustChangeCredentials, PRIVILEGED_ROLES } from '../../approvals/privileged.js'
import type { Attempt } from '../../audit/refusals.js'
import { createRefusalService, type RefusalService } from '../../audit/refusal-service.js'
import { completeEnrolment, type EnrolmentDeps, openEnrolment } from '../../enrolment/enrolment-service.js'
import { createSelfService, type SelfService } from '../../identity/self-service.js'
import type { Role } from '../../schemas/identity.js'
import { Errors } from '../../errors.js'
import type { FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthService
    /** refusals on record: of a role, of eligibility, of a submission's input */
    refusals: RefusalService
    /** what a signed-in person reads and changes of their own */
    self: SelfService
    /** enrolment from a link, before the person can sign in */
    enrolment: Enrolment
    /** onRequest hook: the request must carry a live access token. */
    authenticate: (request: FastifyRequest) => Promise<void>
    /** onRequest hook factory: authenticated and holding one of `roles`. */
    requireRole: (...roles: Role[]) => (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    principal: Authenticated | null
  }
}

/** Enrolment from a link: the link's token is the credential (enrolment/enrolment-service.ts). */
export interface Enrolment {
  open: (token: string, at: { sourceIp: string | null }) => ReturnType<typeof openEnrolment>
  complete: (
    input: Parameters<typeof completeEnrolment>[1],
    at: { sourceIp: string | null }
  ) => ReturnType<typeof completeEnrolment>
}

export function requestContext(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent']
  return { sourceIp: request.ip ?? null, ...(ua ? { userAgent: ua.slice(0, 200) } : {}) }
}

export default fp(
  async (app) => {
    const auth = createAuthService({
      store: app.store,
      keys: app.keys,
      policy: app.policy,
      now: app.now,
      timeZone: app.config.timeZone
    })
    app.decorate('auth', auth)
    const refusals = createRefusalService(app.store)
    app.decorate('refusals', refusals)
    app.decorate(
      'self',
      createSelfService({
        store: app.store,
        keys: app.keys,
        policy: app.policy,
        now: app.now,
        timeZone: app.config.timeZone,
        userView: (user) => auth.userView(user)
      })
    )
    const enrolment: EnrolmentDeps = { store: app.store, keys: app.keys, now: app.now }
    app.decorate('enrolment', {
      open: (token, at) => openEnrolment(enrolment, token, at),
      complete: (input, at) => completeEnrolment(enrolment, input, at)
    } satisfies Enrolment)
    app.decorateRequest('principal', null)
    const authenticate = async (request: FastifyRequest) => {
      request.principal = await auth.authenticate(request.headers.authorization, {
        ...requestContext(request),
        route: `${request.method} ${request.routeOptions.url ?? request.url}`
      })
    }
    app.decorate('authenticate', authenticate)
    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      await authenticate(request)
      const user = request.principal!.user
      const attempt: Attempt = {
        actor: user.id,
        action: 'access.denied',
        sourceIp: request.ip,
        target: `${request.method} ${request.routeOptions.url ?? request.url}`,
        details: { needs: roles }
      }
      if (!roles.some((r) => user.roles.includes(r))) {
        await refusals.record(attempt)
        throw new Errors.Forbidden(`This needs the ${roles.join(' or ')} role.`)
      }
      // the one place a reviewer's or administrator's standing is checked: with credentials an
      // administrator handed out (who could sign in as them), they neither review nor administer
      if (roles.some((r) => PRIVILEGED_ROLES.includes(r)) && mustChangeCredentials(user)) {
        await refusals.record(attempt, { reason: 'credentials handed out by an administrator: not changed yet' })
        throw new Errors.CredentialsChangeRequired(
          'Your password and authenticator were set up by an administrator, who may know them: set your own ' +
            '("Change sign-in" on your overview) before you review or administer.'
        )
      }
    })
  },
  { name: 'auth', dependencies: ['store', 'policy', 'config'] }
)
