import type { AuditEvent } from '../audit/record.js'
import { hashPassword, passwordProblem, verifyPassword } from '../auth/passwords.js'
import { delayedError, waitBeforeChecking } from '../auth/sign-in-delays.js'
import { newTotpSecret, totpSealContext, totpStep, totpUri } from '../auth/totp.js'
import { Errors } from '../errors.js'
import type { Keys } from '../keys/keys.js'
import { seal, unseal } from '../keys/sealed.js'
import { DEFAULT_SIGN_IN_DELAYS, type Policy } from '../policy/schema.js'
import type { Store, UserRow } from '../store/types.js'

/**
 * A signed-in person replaces their own password and authenticator: for an account whose
 * credentials an administrator handed out (before enrolment links), this is what makes it the
 * person's alone, and a reviewer or administrator may act as one only afterwards. They are shown
 * a new authenticator secret, then prove themselves with their current password and code, choose
 * a new password and confirm the new secret with a code from it. Their other sign-ins end and any
 * enrolment link not used yet stops working. Every refusal is audited; a wrong current password or
 * code counts as a failed sign-in, so guessing through here waits as sign-in does.
 */

export interface OwnCredentialsDeps {
  store: Store
  keys: Keys
  policy: () => Policy
  now: () => Date
}

/** Who asks: the signed-in account, the sign-in they ask from, and where from. */
export interface Asker {
  user: UserRow
  sessionId: string
  sourceIp: string | null
}

/** How long a secret shown for a change may be confirmed. */
export const NEW_SECRET_MINUTES = 15

/** The new secret travels back sealed, bound to the account and the sign-in it was shown in. */
const ticketContext = (a: Asker) => `credentials-change:${a.user.id}:${a.sessionId}`

export interface NewOwnSecret {
  totpSecret: string
  totpUri: string
  /** the secret sealed for the server, to send back with the change; it opens nothing by itself */
  ticket: string
  expiresAt: string
}

/** Shows a new authenticator secret to add; nothing changes until the person confirms it. */
export async function newOwnSecret(deps: OwnCredentialsDeps, who: Asker): Promise<NewOwnSecret> {
  const secret = newTotpSecret()
  const expiresAt = new Date(deps.now().getTime() + NEW_SECRET_MINUTES * 60_000).toISOString()
  await deps.store.appendAudit({
    actor: who.user.id,
    action: 'user.credentials_change_open',
    sourceIp: who.sourceIp,
    target: who.user.id,
    outcome: 'success',
    details: { username: who.user.username, expiresAt }
  })
  return {
    totpSecret: secret,
    totpUri: totpUri(secret, who.user.username),
    ticket: seal(JSON.stringify({ secret, expiresAt }), deps.keys.secretsKey, ticketContext(who)),
    expiresAt
  }
}

export interface OwnCredentialsInput {
  password: string
  totp: string
  newPassword: string
  newTotp: string
  ticket: string
}

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`

/** The secret a ticket carries, or null when it is not this sign-in's or has expired. */
function secretOf(deps: OwnCredentialsDeps, who: Asker, ticket: string): string | null {
  try {
    const { secret, expiresAt } = JSON.parse(unseal(ticket, deps.keys.secretsKey, ticketContext(who))) as {
      secret: string
      expiresAt: string
    }
    return Date.parse(expiresAt) > deps.now().getTime() ? secret : null
  } catch {
    return null
  }
}

/** Replaces the person's credentials with the ones they chose; the account counts as theirs from now. */
export async function changeOwnCredentials(
  deps: OwnCredentialsDeps,
  who: Asker,
  input: OwnCredentialsInput
): Promise<UserRow> {
  const user = who.user
  const at = deps.now()
  const event = (outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({
    actor: user.id,
    action: 'user.credentials_change',
    sourceIp: who.sourceIp,
    target: user.id,
    outcome,
    details: { username: user.username, ...details }
  })
  const refuse = async (reason: string, err: Error): Promise<never> => {
    await deps.store.appendAudit(event('denied', { reason }))
    throw err
  }
  // what the person chose is checked first: nothing about the current credentials is tried for it
  const secret = secretOf(deps, who, input.ticket)
  if (secret === null) {
    return refuse(
      'new secret expired or not of this sign-in',
      new Errors.BadRequest(
        `The new authenticator secret on this page is older than ${NEW_SECRET_MINUTES} minutes or belongs to another sign-in: start again for a new one.`
      )
    )
  }
  const weak = passwordProblem(input.newPassword, user.username)
  if (weak !== null) return refuse('new password refused', new Errors.BadRequest(sentence(weak)))
  const newStep = totpStep(secret, input.newTotp, at)
  if (newStep === null) {
    return refuse(
      'wrong code for the new authenticator',
      new Errors.BadRequest(
        'The code does not match the new authenticator secret shown on this page. Check that the device’s clock is right, then enter the code it shows now.'
      )
    )
  }

  // then the current credentials, as a sign-in checks them: waits after failures, each failure counted
  const rules = deps.policy().auth.signInDelays ?? DEFAULT_SIGN_IN_DELAYS
  const wait = await waitBeforeChecking(
    deps.store,
    rules,
    { username: user.username, user, sourceIp: who.sourceIp },
    at
  )
  if (wait !== null) {
    const err = delayedError(wait, at)
    return refuse(`delayed after failures (${wait.by})`, err)
  }
  const wrong = async (reason: string): Promise<never> => {
    await deps.store.recordLoginFailure(
      { username: user.username, sourceIp: who.sourceIp },
      event('failure', { reason })
    )
    throw new Errors.Forbidden('Your current password or authenticator code is not right; nothing was changed.')
  }
  if (user.passwordHash === '' || !(await verifyPassword(user.passwordHash, input.password))) {
    return wrong('wrong current password')
  }
  const current = totpStep(
    unseal(user.totpSecretSealed, deps.keys.secretsKey, totpSealContext(user.username)),
    input.totp,
    at
  )
  if (current === null) return wrong('wrong current authenticator code')
  if (current <= user.totpLastStep) return wrong('current authenticator code already used')
  if (await verifyPassword(user.passwordHash, input.newPassword)) {
    return refuse(
      'new password same as the current one',
      new Errors.BadRequest('The new password must differ from the current one, which an administrator may know.')
    )
  }

  const changed = await deps.store.enrolments.changeOwn(
    {
      userId: user.id,
      expected: user.passwordHash,
      currentStep: current,
      keepSession: who.sessionId,
      credentials: {
        passwordHash: await hashPassword(input.newPassword),
        totpSecretSealed: seal(secret, deps.keys.secretsKey, totpSealContext(user.username)),
        totpStep: newStep
      }
    },
    at.toISOString(),
    event('success', { enrolled: true, linksRevoked: true })
  )
  if (changed === null) {
    return refuse(
      'credentials changed meanwhile',
      new Errors.Conflict('Your credentials changed meanwhile (a reset, or another change): sign in again and retry.')
    )
  }
  return (await deps.store.getUserById(user.id))!
}
