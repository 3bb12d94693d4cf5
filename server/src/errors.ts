import { format } from 'node:util'

/**
 * The one family of errors a client may see. Each has a stable code (clients and tests match on
 * it) and the HTTP status of its category; the error handler maps the family once: a 4xx's
 * sentence reaches the client, a 5xx is logged and hidden (except the 503s below, which name what
 * is unavailable). Errors outside the family (store races, driver faults) stay private: a 500.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string
  abstract readonly statusCode: number

  /** What the client reads: a sentence a person can act on. */
  get sentence(): string {
    return this.message
  }
}

/** A constructor of one member of the family: `new Errors.NotFound('There is no such project.')`. */
export type DomainErrorClass = new (...args: unknown[]) => DomainError

/**
 * Makes a member of the family from its code, message and status, as @fastify/error does: the
 * message's `%s` take the arguments, and a last `{ cause }` argument becomes the cause.
 */
function domainError(code: string, message: string, status: number): DomainErrorClass {
  return class extends DomainError {
    readonly code = code
    readonly statusCode = status
    constructor(...args: unknown[]) {
      const last = args.at(-1)
      const cause =
        typeof last === 'object' && last !== null && 'cause' in last
          ? (args.pop() as { cause: unknown }).cause
          : undefined
      super(format(message, ...args), cause === undefined ? undefined : { cause })
      this.name = 'DomainError'
    }
  }
}

/**
 * Every error the gateway answers with, in one place. The code is stable (clients and tests
 * match on it); the message is a sentence a person can act on. 4xx messages reach the client;
 * 5xx messages are logged and replaced by a generic sentence.
 */
export const Errors = {
  BadRequest: domainError('VRE_ERR_BAD_REQUEST', '%s', 400),
  Unauthenticated: domainError('VRE_ERR_UNAUTHENTICATED', '%s', 401),
  InvalidCredentials: domainError(
    'VRE_ERR_INVALID_CREDENTIALS',
    'Username, password or authenticator code is incorrect.',
    401
  ),
  TokenInvalid: domainError('VRE_ERR_TOKEN_INVALID', 'The access token is invalid: %s.', 401),
  SessionRevoked: domainError('VRE_ERR_SESSION_REVOKED', 'This sign-in has ended (%s). Please sign in again.', 401),
  RefreshInvalid: domainError('VRE_ERR_REFRESH_INVALID', 'The refresh token is missing, expired or revoked.', 401),
  /** A wait after failed sign-ins (never a lockout): the attempt was not checked and does not count. */
  SignInDelayed: domainError('VRE_ERR_SIGN_IN_DELAYED', '%s', 429),
  /** An enrolment link that is unknown, used, replaced or expired. */
  EnrolmentLinkInvalid: domainError('VRE_ERR_ENROLMENT_LINK', '%s', 410),
  RateLimited: domainError('VRE_ERR_RATE_LIMITED', 'Too many requests: %s', 429),
  Forbidden: domainError('VRE_ERR_FORBIDDEN', '%s', 403),
  /** A reviewer or administrator whose credentials were handed out by an administrator: they set their own first. */
  CredentialsChangeRequired: domainError('VRE_ERR_CHANGE_CREDENTIALS', '%s', 403),
  NotEligible: domainError('VRE_ERR_NOT_ELIGIBLE', '%s', 403),
  NotFound: domainError('VRE_ERR_NOT_FOUND', '%s', 404),
  Conflict: domainError('VRE_ERR_CONFLICT', '%s', 409),
  TooLarge: domainError('VRE_ERR_TOO_LARGE', '%s', 413),
  UnsupportedType: domainError('VRE_ERR_UNSUPPORTED_TYPE', '%s', 415),
  /** What a researcher can make the gateway store is capped by the policy's `quotas`: one is reached. */
  QuotaExceeded: domainError('VRE_ERR_QUOTA_EXCEEDED', '%s', 403),
  ChecksUnavailable: domainError(
    'VRE_ERR_CHECKS_UNAVAILABLE',
    'The automated disclosure checks could not run (%s), so nothing was submitted; try again later.',
    503
  ),
  SandboxUnavailable: domainError('VRE_ERR_SANDBOX_UNAVAILABLE', 'No sandbox can be started now: %s.', 503),
  AuditUnavailable: domainError(
    'VRE_ERR_AUDIT_UNAVAILABLE',
    'The audit log could not be written, so the action was not carried out.',
    503
  ),
  Internal: domainError('VRE_ERR_INTERNAL', 'An internal error occurred; the action was not carried out.', 500)
} as const

/** The figures of a quota refusal, as its audit record keeps them. */
export interface QuotaFigures {
  quota: 'dataOperationLogBytesPerSession' | 'quarantineBytesPerProject' | 'previewMiBPerReviewerPerDay'
  quotaBytes: number
  usedBytes: number
  requestedBytes: number
}

/** A quota refusal that carries its figures, so whoever audits the refusal records the numbers too. */
export function quotaExceeded(message: string, figures: QuotaFigures) {
  return Object.assign(new Errors.QuotaExceeded(message), { figures })
}

/** The figures of a quota refusal, or null for any other error. */
export function quotaFiguresOf(err: unknown): QuotaFigures | null {
  const f = (err as { figures?: unknown } | null)?.figures
  return (err as { code?: unknown } | null)?.code === 'VRE_ERR_QUOTA_EXCEEDED' && typeof f === 'object' && f !== null
    ? (f as QuotaFigures)
    : null
}

/** Raised by configuration or key checks at boot; the CLI prints the message and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}
