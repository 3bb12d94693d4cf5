import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'

export const ISSUER = 'vre-gateway'
export const AUDIENCE = 'vre-api'
/** The one algorithm access tokens are signed and verified with. */
export const ALGORITHM = 'HS256' as const

export type TokenType = 'access'

export interface AccessClaims {
  sub: string
  /** the sign-in (refresh family) this token belongs to; revoking it revokes the token */
  sid: string
  typ: TokenType
  jti: string
  iat: number
  exp: number
}

export class TokenRejected extends Error {
  override name = 'TokenRejected'
}

export function signAccessToken(
  secret: KeyObject,
  claims: { userId: string; sessionId: string },
  now: Date,
  lifetimeSeconds: number
): { token: string; expiresAt: Date } {
  const iat = Math.floor(now.getTime() / 1000)
  const exp = iat + lifetimeSeconds
  const token = jwt.sign({ sid: claims.sessionId, typ: 'access', iat, exp }, secret, {
    algorithm: ALGORITHM,
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: claims.userId,
    jwtid: randomUUID()
  })
  return { token, expiresAt: new Date(exp * 1000) }
}

/**
 * Verifies signature (HS256 only), issuer, audience and expiry, and then what jsonwebtoken does not
 * insist on: that exp is present and the token is an access token, not some other kind.
 */
export function verifyAccessToken(secret: KeyObject, token: string, now: Date): AccessClaims {
  let payload: string | jwt.JwtPayload
  try {
    payload = jwt.verify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      clockTimestamp: Math.floor(now.getTime() / 1000)
    })
  } catch (err) {
    const e = err as Error
    if (e.name === 'TokenExpiredError') throw new TokenRejected('it has expired')
    throw new TokenRejected(
      e.message === 'invalid algorithm' ? 'its algorithm is not accepted' : 'its signature or claims are wrong'
    )
  }
  if (typeof payload === 'string') throw new TokenRejected('its payload is not a claims object')
  if (typeof payload.exp !== 'number') throw new TokenRejected('it has no expiry')
  if (payload.typ !== 'access') throw new TokenRejected('it is not an access token')
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.jti !== 'string') {
    throw new TokenRejected('it lacks required claims')
  }
  return payload as AccessClaims
}

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashRefreshToken(token) }
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}
