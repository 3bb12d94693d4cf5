import type { AuditAction } from '../audit/actions.js'
import type { AuditEvent } from '../audit/record.js'
import { refusal } from '../audit/refusals.js'
import { hashPassword, passwordProblem } from '../auth/passwords.js'
import { newTotpSecret, totpSealContext, totpStep, totpUri } from '../auth/totp.js'
import { Errors } from '../errors.js'
import type { Keys } from '../keys/keys.js'
import { seal, unseal } from '../keys/sealed.js'
import type { EnrolmentRow } from '../store/enrolments.js'
import type { Store, UserRow } from '../store/types.js'
import { hashEnrolmentToken } from './links.js'

/**
 * A person enrols through their link: they open it and are shown a fresh authenticator seed (the
 * only time anyone sees it), then set their own password and confirm the seed with a code. Nobody
 * else ever learns either secret. Every step, and every refusal, is audited.
 */

export interface EnrolmentDeps {
  store: Store
  keys: Keys
  now: () => Date
}

export interface EnrolmentContext {
  sourceIp: string | null
}

export interface OpenedEnrolment {
  username: string
  displayName: string
  totpSecret: string
  totpUri: string
  expiresAt: string
}

/** The link's row and its account, if the link may still be used; otherwise an audited refusal that says why. */
async function usable(
  deps: EnrolmentDeps,
  token: string,
  ctx: EnrolmentContext,
  action: AuditAction
): Promise<{ row: EnrolmentRow; user: UserRow }> {
  const at = deps.now()
  const row = await deps.store.enrolments.get(hashEnrolmentToken(token))
  const user = row === null ? null : await deps.store.getUserById(row.userId)
  const problem =
    row === null || user === null
      ? 'This enrolment link is not valid. Check that you copied all of it (both parts, if you were given the link in two), or ask an administrator for a new one.'
      : row.usedAt !== null
        ? 'This enrolment link was already used. Sign in with the password you chose, or ask an administrator for a new link.'
        : row.revokedAt !== null
          ? 'This enrolment link was replaced by a newer one. Use the newest link you were given.'
          : Date.parse(row.expiresAt) <= at.getTime()
            ? `This enrolment link expired at ${row.expiresAt}. Ask an administrator for a new one.`
            : user.status !== 'active'
              ? `This account is ${user.status}; contact your administrator.`
              : null
  if (problem !== null) {
    await deps.store.appendAudit(
      refusal(
        { actor: user?.id ?? 'anonymous', action, sourceIp: ctx.sourceIp, target: user?.id ?? null },
        { reason: problem, ...(user ? { username: user.username } : {}) }
      )
    )
    throw new Errors.EnrolmentLinkInvalid(problem)
  }
  return { row: row!, user: user! }
}

/** Shows the person a new authenticator seed; opening the link again replaces it. */
export async function openEnrolment(
  deps: EnrolmentDeps,
  token: string,
  ctx: EnrolmentContext
): Promise<OpenedEnrolment> {
  const { row, user } = await usable(deps, token, ctx, 'user.enrol_open')
  const secret = newTotpSecret()
  const audit: AuditEvent = {
    actor: user.id,
    action: 'user.enrol_open',
    sourceIp: ctx.sourceIp,
    target: user.id,
    outcome: 'success',
    details: { username: user.username, purpose: row.purpose }
  }
  const sealed = seal(secret, deps.keys.secretsKey, totpSealContext(user.username))
  if (!(await deps.store.enrolments.open(row.tokenHash, sealed, deps.now().toISOString(), audit))) {
    throw new Errors.EnrolmentLinkInvalid(
      'This enrolment link stopped working just now. Ask an administrator for a new one.'
    )
  }
  return {
    username: user.username,
    displayName: user.displayName,
    totpSecret: secret,
    totpUri: totpUri(secret, user.username),
    expiresAt: row.expiresAt
  }
}

/**
 * Sets the password the person chose and the authenticator they confirmed with a code; the link
 * is then used up. A weak password or a code that does not match changes nothing.
 */
export async function completeEnrolment(
  deps: EnrolmentDeps,
  input: { token: string; password: string; totp: string },
  ctx: EnrolmentContext
): Promise<{ username: string }> {
  const { row, user } = await usable(deps, input.token, ctx, 'user.enrol')
  const refuse = async (reason: string, err: Error): Promise<never> => {
    await deps.store.appendAudit(
      refusal(
        {
          actor: user.id,
          action: 'user.enrol',
          sourceIp: ctx.sourceIp,
          target: user.id,
          details: { username: user.username }
        },
        { reason }
      )
    )
    throw err
  }
  if (row.totpSecretSealed === null) {
    return refuse(
      'link not opened',
      new Errors.Conflict('Open the enrolment link first: it shows the authenticator secret to add.')
    )
  }
  const weak = passwordProblem(input.password, user.username)
  if (weak !== null) {
    const sentence = `${weak.charAt(0).toUpperCase()}${weak.slice(1)}.`
    return refuse('password refused', new Errors.BadRequest(sentence))
  }
  const at = deps.now()
  const secret = unseal(row.totpSecretSealed, deps.keys.secretsKey, totpSealContext(user.username))
  const step = totpStep(secret, input.totp, at)
  if (step === null) {
    return refuse(
      'wrong authenticator code',
      new Errors.BadRequest(
        'The code does not match the authenticator secret shown on this page. Check that the device’s clock is right, then enter the code it shows now.'
      )
    )
  }
  const done = await deps.store.enrolments.complete(
    row.tokenHash,
    { passwordHash: await hashPassword(input.password), totpSecretSealed: row.totpSecretSealed, totpStep: step },
    at.toISOString(),
    {
      actor: user.id,
      action: 'user.enrol',
      sourceIp: ctx.sourceIp,
      target: user.id,
      outcome: 'success',
      details: { username: user.username, purpose: row.purpose, issuedBy: row.issuedBy }
    }
  )
  if (!done) {
    throw new Errors.EnrolmentLinkInvalid(
      'This enrolment link was used or replaced just now. Ask an administrator for a new one.'
    )
  }
  return { username: user.username }
}
