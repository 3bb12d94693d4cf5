import { Errors } from '../errors.js'
import { type AuthDeps, auditedAt as event, type Authenticated, type RequestContext } from './auth-context.js'
import { DenialCounter, DENIALS_RECORDED_PER_MINUTE } from './denial-counter.js'
import { type AccessClaims, TokenRejected, verifyAccessToken } from './tokens.js'

/** Authentication of each request by its bearer token, and of connections that outlive it. */
export function createRequestAuthentication(deps: AuthDeps) {
  const { store, keys, now } = deps
  const denials = new DenialCounter(DENIALS_RECORDED_PER_MINUTE)

  /** Checks a bearer token on every request: signature and claims, then that its sign-in and account are live. */
  async function authenticate(
    header: string | undefined,
    ctx: RequestContext & { route: string }
  ): Promise<Authenticated> {
    const deny = async (reason: string, actor: string, err: Error): Promise<never> => {
      const verdict = denials.note(ctx.sourceIp ?? 'unknown', now().getTime())
      if (verdict.summary !== null) {
        await store.appendAudit(
          event(ctx, {
            actor: 'system',
            action: 'auth.token',
            target: null,
            outcome: 'denied',
            details: { reason: 'refused tokens not recorded one by one', count: verdict.summary }
          })
        )
      }
      if (verdict.record) {
        await store.appendAudit(
          event(ctx, { actor, action: 'auth.token', target: ctx.route, outcome: 'denied', details: { reason } })
        )
      }
      throw err
    }
    if (header === undefined || !header.startsWith('Bearer ')) {
      throw new Errors.Unauthenticated('Sign in first: this request has no bearer token.')
    }
    const at = now()
    let claims: AccessClaims
    try {
      claims = verifyAccessToken(keys.jwtKey, header.slice('Bearer '.length).trim(), at)
    } catch (err) {
      if (err instanceof TokenRejected) return deny(err.message, 'anonymous', new Errors.TokenInvalid(err.message))
      throw err
    }
    const found = await store.getAuthSessionWithUser(claims.sid)
    if (found === null || found.session.userId !== claims.sub) {
      return deny('unknown sign-in', claims.sub, new Errors.TokenInvalid('its sign-in is unknown'))
    }
    const { session, user } = found
    if (session.revokedAt !== null) {
      return deny(
        `sign-in revoked (${session.revokeReason ?? 'revoked'})`,
        claims.sub,
        new Errors.SessionRevoked(session.revokeReason ?? 'revoked')
      )
    }
    if (Date.parse(session.expiresAt) <= at.getTime()) {
      return deny('sign-in expired', claims.sub, new Errors.SessionRevoked('it expired'))
    }
    if (user.status !== 'active') {
      return deny(`account ${user.status}`, claims.sub, new Errors.SessionRevoked(`account ${user.status}`))
    }
    return { user, claims }
  }

  /**
   * Why sign-in `sid` of `userId` no longer lets anyone in (revoked, expired, account not active),
   * or null while it does: for connections that outlive the token that opened them.
   */
  async function signInLapsed(sid: string, userId: string): Promise<string | null> {
    const found = await store.getAuthSessionWithUser(sid)
    if (found === null || found.session.userId !== userId) return 'the sign-in is unknown'
    if (found.session.revokedAt !== null) return `the sign-in was revoked (${found.session.revokeReason ?? 'revoked'})`
    if (Date.parse(found.session.expiresAt) <= now().getTime()) return 'the sign-in expired'
    if (found.user.status !== 'active') return `the account is ${found.user.status}`
    return null
  }

  return { authenticate, signInLapsed }
}
