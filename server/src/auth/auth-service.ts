import { type AuthDeps } from './auth-context.js'
import { createRenewal } from './renewal.js'
import { createRequestAuthentication } from './request-authentication.js'
import { createSignIn } from './sign-in.js'
import { userViewOf } from './user-view.js'

export type { AuthDeps, Authenticated, IssuedTokens, RequestContext } from './auth-context.js'
export { DenialCounter, DENIALS_RECORDED_PER_MINUTE } from './denial-counter.js'

/**
 * Sign-in, renewal, sign-out and per-request authentication. Every decision is audited through the
 * store; a refused attempt is audited too.
 */
export function createAuthService(deps: AuthDeps) {
  const { login } = createSignIn(deps)
  const { refresh, logout } = createRenewal(deps)
  const { authenticate, signInLapsed } = createRequestAuthentication(deps)
  const userView = (user: Parameters<typeof userViewOf>[1]) => userViewOf(deps, user)
  return { login, refresh, logout, authenticate, signInLapsed, userView }
}

export type AuthService = ReturnType<typeof createAuthService>
