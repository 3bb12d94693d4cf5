import fp from 'fastify-plugin'
import {
  type Authenticated,
  type AuthService,
  createAuthService,
  type RequestContext
} from '../../auth/auth-service.js'
import type { Role } from '../../schemas/identity.js'
import { Errors } from '../../errors.js'
import type { FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthService
    /** onRequest hook: the request must carry a live access token. */
    authenticate: (request: FastifyRequest) => Promise<void>
    /** onRequest hook factory: authenticated and holding one of `roles`. */
    requireRole: (...roles: Role[]) => (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    principal: Authenticated | null
  }
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
      if (!roles.some((r) => user.roles.includes(r))) {
        await app.store.appendAudit({
          actor: user.id,
          action: 'access.denied',
          sourceIp: request.ip,
          target: `${request.method} ${request.routeOptions.url ?? request.url}`,
          outcome: 'denied',
          details: { needs: roles }
        })
        throw new Errors.Forbidden(`This needs the ${roles.join(' or ')} role.`)
      }
    })
  },
  { name: 'auth', dependencies: ['store', 'policy', 'config'] }
)
