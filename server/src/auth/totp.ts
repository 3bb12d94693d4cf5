import * as OTPAuth from 'otpauth'

export const TOTP_PERIOD = 30

/** The context under which a TOTP seed is sealed; binds the ciphertext to its account. */
export const totpSealContext = (username: string) => `totp:${username}`
const WINDOW = 1

function totp(secretBase32: string, label = 'vre'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: 'VRE',
    label,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD
  })
}

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32
}

export function totpUri(secretBase32: string, username: string): string {
  return totp(secretBase32, username).toString()
}

export function totpCode(secretBase32: string, at: Date): string {
  return totp(secretBase32).generate({ timestamp: at.getTime() })
}

/**
 * The RFC 6238 time step the code belongs to (allowing one step of clock drift either side),
 * or null if it matches none. The caller refuses a step not newer than the last one accepted,
 * which is what stops a code being used twice.
 */
export function totpStep(secretBase32: string, code: string, at: Date): number | null {
  const delta = totp(secretBase32).validate({ token: code, timestamp: at.getTime(), window: WINDOW })
  if (delta === null) return null
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD) + delta
}
