import type { AuditEvent } from '../audit/record.js'
import type { Keys } from '../keys/keys.js'
import type { Policy } from '../policy/schema.js'
import type { Store, UserRow } from '../store/types.js'
import { type AccessClaims, signAccessToken } from './tokens.js'

export interface RequestContext {
  sourceIp: string | null
  userAgent?: string
}

export interface IssuedTokens {
  accessToken: string
  expiresAt: Date
  refreshToken: string
  refreshExpiresAt: Date
  user: UserRow
}

export interface Authenticated {
  user: UserRow
  claims: AccessClaims
}

export interface AuthDeps {
  store: Store
  keys: Keys
  policy: () => Policy
  now: () => Date
  timeZone: string
}

/** An audit event stamped with the request's address. */
export const auditedAt = (ctx: RequestContext, e: Omit<AuditEvent, 'sourceIp'>): AuditEvent => ({
  ...e,
  sourceIp: ctx.sourceIp
})

/** A signed access token for one sign-in of `user`, as long-lived as the policy says. */
export async function issueAccessToken(
  deps: AuthDeps,
  user: UserRow,
  sessionId: string,
  at: Date
): Promise<{ token: string; expiresAt: Date }> {
  return signAccessToken(
    deps.keys.jwtKey,
    { userId: user.id, sessionId },
    at,
    deps.policy().auth.accessTokenMinutes * 60
  )
}
