import argon2 from 'argon2'

/** argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export const MIN_PASSWORD_LENGTH = 12

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS)
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | null = null

/**
 * Spends the same time as a real check, so an unknown username can't be told from a wrong
 * password by the response time.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy password for timing equalisation')
  await verifyPassword(await dummyHash, password)
  return false
}

/** A reason the password is refused, or null. Length is what matters (NIST SP 800-63B). */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`
  if (password.length > 1024) return 'a password can have at most 1024 characters'
  if (password.toLowerCase().includes(username.toLowerCase())) return 'a password must not contain the username'
  return null
}
