import { DomainError } from '../errors.js'
import { ROLES, type Role } from '../schemas/identity.js'
import { plainTextProblem } from '../schemas/plain-text.js'
import { isCalendarDate } from './calendar.js'

/** Checks of what an administrator or the command line types in, and the errors that say what to change. */

/**
 * Bad input to an identity operation: the message says what to change. Nothing was written. The
 * message is a clause (the command line prints it, the audit records it); a client reads it as a
 * sentence.
 */
export class InvalidInput extends DomainError {
  override name = 'InvalidInput'
  readonly code: string = 'VRE_ERR_BAD_REQUEST'
  readonly statusCode: number = 400

  override get sentence(): string {
    const s = this.message.charAt(0).toUpperCase() + this.message.slice(1)
    return /[.!?]$/.test(s) ? s : `${s}.`
  }
}

/** Something an identity operation was asked to act on does not exist. Nothing was written. */
export class NotFoundInput extends InvalidInput {
  override name = 'NotFoundInput'
  override readonly code = 'VRE_ERR_NOT_FOUND'
  override readonly statusCode = 404
}

/** The change would leave things as they are, or clash with what is there. Nothing was written. */
export class ConflictingInput extends InvalidInput {
  override name = 'ConflictingInput'
  override readonly code = 'VRE_ERR_CONFLICT'
  override readonly statusCode = 409
}

/** Not this person's to do (approving their own request, withdrawing someone else's). Nothing was written. */
export class ForbiddenInput extends InvalidInput {
  override name = 'ForbiddenInput'
  override readonly code = 'VRE_ERR_FORBIDDEN'
  override readonly statusCode = 403
}

/** A username: lower case, starting with a letter, 2 to 32 characters. */
export const USERNAME = /^[a-z][a-z0-9._-]{1,31}$/
const CERTIFICATION_NUMBER = /^[A-Za-z0-9][A-Za-z0-9-]{1,31}$/
const MAX_TEXT = 200

/** A name shown to people (display name, organization name, project title): required, one line, not too long. */
export function checkName(label: string, value: string): string {
  const v = value.trim()
  if (v === '') throw new InvalidInput(`${label} is required`)
  if (v.length > MAX_TEXT) throw new InvalidInput(`${label} is at most ${MAX_TEXT} characters`)
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new InvalidInput(`${label} must be one line of text`)
  const hidden = plainTextProblem(label, v)
  if (hidden !== null) throw new InvalidInput(hidden)
  return v
}

/** Known roles, at least one; an administrator holds no other (see rolesProblem): ConflictingInput. */
export function checkRoles(roles: Role[]): Role[] {
  if (roles.length === 0) throw new InvalidInput(`at least one role is required (${ROLES.join(', ')})`)
  for (const r of roles) {
    if (!ROLES.includes(r)) throw new InvalidInput(`unknown role "${r}" (roles: ${ROLES.join(', ')})`)
  }
  const unique = [...new Set(roles)]
  const problem = rolesProblem(unique)
  if (problem !== null) throw new ConflictingInput(problem)
  return unique
}

/**
 * Separation of roles: an administrator is never also a researcher or a reviewer, or one person
 * could admit themselves to a project's data, or vote on what leaves it, with nobody else involved.
 */
export function rolesProblem(roles: readonly Role[]): string | null {
  const others = roles.filter((r) => r !== 'admin')
  if (!roles.includes('admin') || others.length === 0) return null
  return `an administrator can't also be a ${others.join(' or ')}: whoever administers the platform neither works in the data nor reviews what leaves it (use a separate account for that work)`
}

/** Dates of a certification or a project: real days, the first not after the last. */
export function checkDates(labels: [string, string], from: string, to: string): void {
  for (const [label, d] of [
    [labels[0], from],
    [labels[1], to]
  ] as const) {
    if (!isCalendarDate(d)) throw new InvalidInput(`${label} must be a date written YYYY-MM-DD, got "${d}"`)
  }
  if (from > to) throw new InvalidInput(`${labels[0]} must not be after ${labels[1]}`)
}

export function checkCertificationNumber(number: string): void {
  if (!CERTIFICATION_NUMBER.test(number)) {
    throw new InvalidInput('a certification number is letters, digits and "-" (for example T2-0042)')
  }
}
