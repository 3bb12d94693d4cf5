import { randomBytes } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import { hashPassword, passwordProblem } from '../auth/passwords.js'
import { newTotpSecret, totpSealContext } from '../auth/totp.js'
import type { Keys } from '../keys/keys.js'
import { seal } from '../keys/sealed.js'
import type { CertificationStatus, Role } from '../schemas/identity.js'
import type { OrganizationRow, Store, UserRow } from '../store/types.js'
import { type IssuedEnrolment, newEnrolment } from '../enrolment/links.js'
import { checkCertificationNumber, checkDates, checkName, checkRoles, InvalidInput, USERNAME } from './input-checks.js'

// where these lived before; the command line, the demo seed and tests import them from here
export {
  checkCertificationNumber,
  checkDates,
  checkName,
  checkRoles,
  ConflictingInput,
  ForbiddenInput,
  InvalidInput,
  NotFoundInput,
  rolesProblem
} from './input-checks.js'
export { createProject, memberProblem, type NewProjectInput } from '../projects/new-project.js'

export function generatePassword(): string {
  // 18 random bytes -> 24 base64url characters, ~144 bits.
  return randomBytes(18).toString('base64url')
}

export interface NewAccount {
  username: string
  displayName: string
  organization: string | null
  roles: Role[]
  password?: string
}

export interface CreatedAccount {
  user: UserRow
  password: string
  totpSecret: string
}

/** A new account checked against the rules and what exists: the username free, the organization known. */
export async function checkNewAccount(
  store: Store,
  input: Omit<NewAccount, 'password'>
): Promise<{ organizationId: string | null; displayName: string; roles: Role[] }> {
  if (!USERNAME.test(input.username)) {
    throw new InvalidInput(
      'a username is 2-32 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter'
    )
  }
  if (input.displayName.trim() === '') throw new InvalidInput('a display name is required')
  const displayName = checkName('a display name', input.displayName)
  const roles = checkRoles(input.roles)
  if ((await store.getUserByUsername(input.username)) !== null) {
    throw new InvalidInput(`the username ${input.username} is taken`)
  }
  let organizationId: string | null = null
  if (input.organization !== null) {
    const org = await store.getOrganizationByName(input.organization)
    if (org === null) throw new InvalidInput(`there is no organization named "${input.organization}"`)
    organizationId = org.id
  } else if (input.roles.includes('researcher')) {
    throw new InvalidInput(
      'a researcher must belong to an organization (its Type II certification is what lets them work)'
    )
  }
  return { organizationId, displayName, roles }
}

/**
 * Creates an account enrolled at once, with a password (generated unless given) and a fresh TOTP
 * seed, both returned: for the demo's seeded accounts and for tests. People get enrolment links
 * (createAccountToEnrol), so nobody learns their secrets.
 */
export async function createAccount(
  store: Store,
  keys: Keys,
  input: NewAccount,
  audit: Omit<AuditEvent, 'action' | 'target' | 'outcome'>
): Promise<CreatedAccount> {
  const { organizationId, displayName, roles } = await checkNewAccount(store, input)
  const password = input.password ?? generatePassword()
  const problem = passwordProblem(password, input.username)
  if (problem !== null) throw new InvalidInput(problem)
  const totpSecret = newTotpSecret()
  const user = await store.createUser(
    {
      username: input.username,
      displayName,
      organizationId,
      roles,
      passwordHash: await hashPassword(password),
      totpSecretSealed: seal(totpSecret, keys.secretsKey, totpSealContext(input.username))
    },
    {
      ...audit,
      action: 'user.create',
      target: null,
      outcome: 'success',
      details: { username: input.username, roles: input.roles, organization: input.organization }
    }
  )
  return { user, password, totpSecret }
}

/**
 * Creates an account without credentials and the single-use link with which the person sets their
 * own: the link is all that is handed over, by whoever may (see approvals/ for accounts that need a
 * second administrator).
 */
export async function createAccountToEnrol(
  store: Store,
  input: Omit<NewAccount, 'password'>,
  issue: { at: Date; baseUrl: string },
  audit: Omit<AuditEvent, 'action' | 'target' | 'outcome'>,
  details: Record<string, unknown> = {}
): Promise<{ user: UserRow; enrolment: IssuedEnrolment }> {
  const { organizationId, displayName, roles } = await checkNewAccount(store, input)
  const { row, link } = newEnrolment('', 'account', audit.actor, issue.at, issue.baseUrl)
  const user = await store.createUser(
    { username: input.username, displayName, organizationId, roles, passwordHash: '', totpSecretSealed: '' },
    {
      ...audit,
      action: 'user.create',
      target: null,
      outcome: 'success',
      details: {
        username: input.username,
        roles,
        organization: input.organization,
        enrolmentExpiresAt: link.expiresAt,
        ...details
      }
    },
    row
  )
  return { user, enrolment: link }
}

export interface NewOrganization {
  name: string
  certificationNumber: string
  validFrom: string
  validTo: string
  status?: CertificationStatus
}

export async function createOrganization(
  store: Store,
  input: NewOrganization,
  audit: Omit<AuditEvent, 'action' | 'target' | 'outcome'>
): Promise<OrganizationRow> {
  if (input.name.trim() === '') throw new InvalidInput('an organization name is required')
  checkName('an organization name', input.name)
  checkCertificationNumber(input.certificationNumber)
  checkDates(['valid-from', 'valid-to'], input.validFrom, input.validTo)
  if ((await store.getOrganizationByName(input.name)) !== null) {
    throw new InvalidInput(`an organization named "${input.name}" exists`)
  }
  const holder = await certificationHolder(store, input.certificationNumber)
  if (holder !== null)
    throw new InvalidInput(`the certification ${input.certificationNumber} is held by ${holder.name}`)
  const org = await store.createOrganization(input.name.trim(), {
    ...audit,
    action: 'organization.create',
    target: null,
    outcome: 'success',
    details: { name: input.name }
  })
  await store.setCertification(
    {
      organizationId: org.id,
      number: input.certificationNumber,
      validFrom: input.validFrom,
      validTo: input.validTo,
      status: input.status ?? 'active'
    },
    {
      ...audit,
      action: 'certification.set',
      target: org.id,
      outcome: 'success',
      details: {
        number: input.certificationNumber,
        validFrom: input.validFrom,
        validTo: input.validTo,
        status: input.status ?? 'active'
      }
    }
  )
  return org
}

/** The organization holding certification `number`, if any (numbers are unique). */
export async function certificationHolder(store: Store, number: string): Promise<OrganizationRow | null> {
  for (const org of await store.listOrganizations()) {
    if ((await store.getCertification(org.id))?.number === number) return org
  }
  return null
}
