import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IssuedTokens } from '../../../../auth/auth-service.js'
import { Errors } from '../../../../errors.js'
import { requestContext } from '../../../../plugins/app/auth.js'
import { LoginBody, OkResponse, SignInDelayedBody, TokenResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/common.js'

export const REFRESH_COOKIE = 'vre_refresh'
const COOKIE_PATH = '/api/v1/auth'

/**
 * A request that rides on the refresh cookie must come from our own pages: SameSite=Strict already
 * keeps other sites' requests from carrying it; this refuses an explicit foreign Origin as well.
 */
function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin
  if (origin === undefined) return
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    throw new Errors.Forbidden('The Origin header is malformed.')
  }
  if (host !== request.headers.host) throw new Errors.Forbidden(`Requests from ${origin} are not accepted.`)
}

/**
 * Answers a wait after failed sign-ins with how long, for people and for clients (RFC 9110
 * Retry-After, and `retryAfterSeconds`); any other error is thrown on.
 */
export function sendDelayed(reply: FastifyReply, err: unknown): FastifyReply {
  const seconds = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds
  if (typeof seconds !== 'number') throw err
  return reply
    .status(429)
    .header('retry-after', String(seconds))
    .send({
      error: {
        code: (err as Error & { code: string }).code,
        message: (err as Error).message,
        retryAfterSeconds: seconds
      }
    })
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const send = async (reply: FastifyReply, issued: IssuedTokens) => {
    reply.setCookie(REFRESH_COOKIE, issued.refreshToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
      path: COOKIE_PATH,
      expires: issued.refreshExpiresAt
    })
    return {
      accessToken: issued.accessToken,
      expiresAt: issued.expiresAt.toISOString(),
      user: await app.auth.userView(issued.user)
    }
  }

  const limit = {
    rateLimit: {
      max: () => app.policy().auth.requestsPerMinute,
      timeWindow: 60_000
    }
  }

  app.post(
    '/login',
    {
      config: limit,
      schema: { body: LoginBody, response: { 200: TokenResponse, ...errorResponses, 429: SignInDelayedBody } }
    },
    async (request, reply) => {
      try {
        return await send(reply, await app.auth.login(request.body, requestContext(request)))
      } catch (err) {
        return sendDelayed(reply, err)
      }
    }
  )

  app.post(
    '/refresh',
    { config: limit, schema: { response: { 200: TokenResponse, ...errorResponses } } },
    async (request, reply) => {
      assertSameOrigin(request)
      try {
        return await send(reply, await app.auth.refresh(request.cookies[REFRESH_COOKIE], requestContext(request)))
      } catch (err) {
        reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH })
        throw err
      }
    }
  )

  app.post(
    '/logout',
    { onRequest: app.authenticate, schema: { response: { 200: OkResponse, ...errorResponses } } },
    async (request, reply) => {
      await app.auth.logout(request.principal!, requestContext(request))
      reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH })
      return { ok: true as const }
    }
  )
}

export default routes
