import { Errors } from '../errors.js'
import {
  type AuthDeps,
  auditedAt as event,
  type Authenticated,
  type IssuedTokens,
  issueAccessToken,
  type RequestContext
} from './auth-context.js'
import { hashRefreshToken, newRefreshToken } from './tokens.js'

/**
 * Renewal and sign-out. A refresh token is used once: each renewal rotates it, and one coming back
 * after use ends the whole sign-in.
 */
export function createRenewal(deps: AuthDeps) {
  const { store, now } = deps

  async function refresh(token: string | undefined, ctx: RequestContext): Promise<IssuedTokens> {
    const at = now()
    const deny = async (reason: string, sessionId: string | null, userId: string | null): Promise<never> => {
      await store.appendAudit(
        event(ctx, {
          actor: userId ?? 'anonymous',
          action: 'auth.refresh',
          target: sessionId,
          outcome: 'denied',
          details: { reason }
        })
      )
      throw new Errors.RefreshInvalid()
    }
    if (token === undefined || token === '') throw new Errors.RefreshInvalid()
    const row = await store.getRefreshToken(hashRefreshToken(token))
    if (row === null) return deny('unknown refresh token', null, null)
    const session = await store.getAuthSession(row.sessionId)
    if (session === null) return deny('sign-in not found', row.sessionId, null)
    if (row.usedAt !== null) {
      // A used token coming back means it was copied: end the whole sign-in (RFC 6819 5.2.2.3).
      if (session.revokedAt === null) {
        await store.revokeAuthSession(
          session.id,
          'refresh token reused',
          event(ctx, {
            actor: 'system',
            action: 'auth.refresh.reuse_detected',
            target: session.id,
            outcome: 'success',
            details: { userId: session.userId, revoked: true }
          })
        )
      }
      return deny('refresh token reused', session.id, session.userId)
    }
    if (session.revokedAt !== null)
      return deny(`sign-in revoked (${session.revokeReason ?? 'revoked'})`, session.id, session.userId)
    if (new Date(row.expiresAt) <= at || new Date(session.expiresAt) <= at) {
      return deny('refresh token expired', session.id, session.userId)
    }
    const user = await store.getUserById(session.userId)
    if (user === null || user.status !== 'active') {
      return deny(`account ${user?.status ?? 'missing'}`, session.id, session.userId)
    }
    const next = newRefreshToken()
    const rotated = await store.rotateRefreshToken(
      row.tokenHash,
      {
        tokenHash: next.hash,
        sessionId: session.id,
        issuedAt: at.toISOString(),
        expiresAt: session.expiresAt,
        usedAt: null
      },
      event(ctx, { actor: user.id, action: 'auth.refresh', target: session.id, outcome: 'success' })
    )
    if (!rotated) return deny('refresh token used concurrently', session.id, user.id)
    const access = await issueAccessToken(deps, user, session.id, at)
    return {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken: next.token,
      refreshExpiresAt: new Date(session.expiresAt),
      user
    }
  }

  async function logout(who: Authenticated, ctx: RequestContext): Promise<void> {
    await store.revokeAuthSession(
      who.claims.sid,
      'signed out',
      event(ctx, { actor: who.user.id, action: 'auth.logout', target: who.claims.sid, outcome: 'success' })
    )
  }

  return { refresh, logout }
}
