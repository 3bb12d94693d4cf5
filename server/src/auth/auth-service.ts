import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import { mustChangeCredentials } from '../approvals/privileged.js'
import { Errors } from '../errors.js'
import { certificationView, dayIn } from '../identity/index.js'
import type { Keys } from '../keys/keys.js'
import { unseal } from '../keys/sealed.js'
import { DEFAULT_SIGN_IN_DELAYS, type Policy } from '../policy/schema.js'
import type { UserView } from '../schemas/identity.js'
import { CredentialsWithdrawn, TotpReplayError } from '../store/sqlite/sqlite-store.js'
import type { Store, UserRow } from '../store/types.js'
import { verifyAgainstDummy, verifyPassword } from './passwords.js'
import { delayedError, waitBeforeChecking } from './sign-in-delays.js'
import { totpSealContext, totpStep } from './totp.js'
import {
  type AccessClaims,
  hashRefreshToken,
  newRefreshToken,
  signAccessToken,
  TokenRejected,
  verifyAccessToken
} from './tokens.js'

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

/** Refused tokens recorded one by one per address and minute; past that they are counted. */
export const DENIALS_RECORDED_PER_MINUTE = 20

/**
 * Keeps an anonymous flood of bad tokens from filling the audit log (and its fsyncs): each address
 * gets a number of individual records per minute; the rest are counted, and the count is recorded
 * with the address's next refusal after the minute ends.
 */
export class DenialCounter {
  private readonly windows = new Map<string, { start: number; seen: number; suppressed: number }>()
  constructor(private readonly perMinute: number) {}

  note(address: string, at: number): { record: boolean; summary: number | null } {
    let w = this.windows.get(address)
    let summary: number | null = null
    if (w === undefined || at - w.start >= 60_000) {
      if (w !== undefined && w.suppressed > 0) summary = w.suppressed
      w = { start: at, seen: 0, suppressed: 0 }
      this.windows.set(address, w)
      if (this.windows.size > 10_000) this.windows.delete(this.windows.keys().next().value as string)
    }
    w.seen++
    if (w.seen <= this.perMinute) return { record: true, summary }
    w.suppressed++
    return { record: false, summary }
  }
}

export interface AuthDeps {
  store: Store
  keys: Keys
  policy: () => Policy
  now: () => Date
  timeZone: string
}

/**
 * Sign-in, renewal, sign-out and per-request authentication. Every decision is audited through the
 * store; a refused attempt is audited too.
 */
export function createAuthService(deps: AuthDeps) {
  const { store, keys, now } = deps
  const event = (ctx: RequestContext, e: Omit<AuditEvent, 'sourceIp'>): AuditEvent => ({ ...e, sourceIp: ctx.sourceIp })

  async function issue(user: UserRow, sessionId: string, at: Date): Promise<{ token: string; expiresAt: Date }> {
    return signAccessToken(keys.jwtKey, { userId: user.id, sessionId }, at, deps.policy().auth.accessTokenMinutes * 60)
  }

  /** A wrong password or code (or an unknown name): recorded, so the next attempts wait (sign-in-delays.ts). */
  async function fail(username: string, user: UserRow | null, reason: string, ctx: RequestContext): Promise<never> {
    await store.recordLoginFailure(
      { username, sourceIp: ctx.sourceIp },
      event(ctx, {
        actor: user?.id ?? `unknown:${username}`,
        action: 'auth.login',
        target: user?.id ?? null,
        outcome: 'failure',
        details: { username, reason }
      })
    )
    throw new Errors.InvalidCredentials()
  }

  const attempts = new Map<string, Promise<unknown>>()

  /**
   * Sign-in attempts for one username from one address, and all those from one address, run one
   * after another, so concurrent guesses can't all be checked before the first failures make the
   * next ones wait; attempts from elsewhere in the same name do not queue behind them.
   */
  async function login(
    input: { username: string; password: string; totp: string },
    ctx: RequestContext
  ): Promise<IssuedTokens> {
    const keys = [
      `pair:${JSON.stringify([input.username, ctx.sourceIp])}`,
      ...(ctx.sourceIp === null ? [] : [`address:${ctx.sourceIp}`])
    ]
    const before = Promise.all(keys.map((k) => (attempts.get(k) ?? Promise.resolve()).catch(() => undefined)))
    const mine = before.then(() => attempt(input, ctx))
    for (const k of keys) attempts.set(k, mine)
    try {
      return await mine
    } finally {
      for (const k of keys) if (attempts.get(k) === mine) attempts.delete(k)
    }
  }

  async function attempt(
    input: { username: string; password: string; totp: string },
    ctx: RequestContext
  ): Promise<IssuedTokens> {
    const at = now()
    const auth = deps.policy().auth
    /** A refused attempt that records no failure: the reason goes to the audit, the client gets `err`. */
    const refuse = async (user: UserRow | null, details: Record<string, unknown>, err: Error): Promise<never> => {
      await store.appendAudit(
        event(ctx, {
          actor: user?.id ?? `unknown:${input.username}`,
          action: 'auth.login',
          target: user?.id ?? null,
          outcome: 'denied',
          details: { username: input.username, ...details }
        })
      )
      throw err
    }
    const user = await store.getUserByUsername(input.username)
    const rules = deps.policy().auth.signInDelays ?? DEFAULT_SIGN_IN_DELAYS
    const wait = await waitBeforeChecking(store, rules, { username: input.username, user, sourceIp: ctx.sourceIp }, at)
    if (wait !== null) {
      const err = delayedError(wait, at)
      return refuse(
        user,
        {
          reason: `sign-in delayed after failures (${wait.by})`,
          failures: wait.failures,
          retryAfterSeconds: err.retryAfterSeconds
        },
        err
      )
    }
    if (user === null) {
      await verifyAgainstDummy(input.password)
      return fail(input.username, null, 'unknown username', ctx)
    }
    if (user.passwordHash === '') {
      // no credentials until the person enrols through their link: nothing to check against
      await verifyAgainstDummy(input.password)
      return fail(input.username, user, 'not enrolled yet', ctx)
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) {
      return fail(input.username, user, 'wrong password', ctx)
    }
    const step = totpStep(
      unseal(user.totpSecretSealed, keys.secretsKey, totpSealContext(user.username)),
      input.totp,
      at
    )
    if (step === null) return fail(input.username, user, 'wrong authenticator code', ctx)
    if (step <= user.totpLastStep) return fail(input.username, user, 'authenticator code already used', ctx)
    if (user.status !== 'active') {
      return refuse(
        user,
        { reason: `account ${user.status}` },
        new Errors.Forbidden(`this account is ${user.status}; contact your administrator`)
      )
    }
    const org = user.organizationId === null ? null : await store.getOrganization(user.organizationId)
    if (org !== null && org.status !== 'active') {
      return refuse(
        user,
        { reason: `organization ${org.status}`, organization: org.id },
        new Errors.Forbidden(`${org.name} is ${org.status}; contact your administrator`)
      )
    }

    const sessionId = randomUUID()
    const refreshExpiresAt = new Date(at.getTime() + auth.refreshTokenHours * 3_600_000)
    const refresh = newRefreshToken()
    try {
      await store.completeLogin(
        {
          userId: user.id,
          passwordHash: user.passwordHash,
          totpStep: step,
          session: {
            id: sessionId,
            userId: user.id,
            createdAt: at.toISOString(),
            expiresAt: refreshExpiresAt.toISOString(),
            revokedAt: null,
            revokeReason: null,
            sourceIp: ctx.sourceIp
          },
          refresh: {
            tokenHash: refresh.hash,
            sessionId,
            issuedAt: at.toISOString(),
            expiresAt: refreshExpiresAt.toISOString(),
            usedAt: null
          }
        },
        event(ctx, {
          actor: user.id,
          action: 'auth.login',
          target: user.id,
          outcome: 'success',
          details: { username: user.username, authSession: sessionId, userAgent: ctx.userAgent ?? null }
        })
      )
    } catch (err) {
      if (err instanceof TotpReplayError) return fail(input.username, user, 'authenticator code already used', ctx)
      if (err instanceof CredentialsWithdrawn) return fail(input.username, user, 'credentials reset meanwhile', ctx)
      throw err
    }
    const access = await issue(user, sessionId, at)
    return {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshExpiresAt,
      user
    }
  }

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
    const access = await issue(user, session.id, at)
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

  async function userView(user: UserRow): Promise<UserView> {
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

  return { login, refresh, logout, authenticate, signInLapsed, userView }
}

export type AuthService = ReturnType<typeof createAuthService>
