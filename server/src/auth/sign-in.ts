import { randomUUID } from 'node:crypto'
import { Errors } from '../errors.js'
import { unseal } from '../keys/sealed.js'
import { DEFAULT_SIGN_IN_DELAYS } from '../policy/schema.js'
import { CredentialsWithdrawn, TotpReplayError } from '../store/sqlite/sqlite-store.js'
import type { UserRow } from '../store/types.js'
import {
  type AuthDeps,
  auditedAt as event,
  type IssuedTokens,
  issueAccessToken,
  type RequestContext
} from './auth-context.js'
import { verifyAgainstDummy, verifyPassword } from './passwords.js'
import { delayedError, waitBeforeChecking } from './sign-in-delays.js'
import { totpSealContext, totpStep } from './totp.js'
import { newRefreshToken } from './tokens.js'

/** Sign-in by password and authenticator code: every attempt is audited, a failed one recorded for the delays. */
export function createSignIn(deps: AuthDeps) {
  const { store, keys, now } = deps
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
    const access = await issueAccessToken(deps, user, sessionId, at)
    return {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshExpiresAt,
      user
    }
  }

  return { login }
}
