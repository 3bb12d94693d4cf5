import { randomBytes } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import { hashPassword, passwordProblem } from '../auth/passwords.js'
import { newTotpSecret, totpSealContext } from '../auth/totp.js'
import type { Keys } from '../keys/keys.js'
import { seal } from '../keys/sealed.js'
import { ROLES, type CertificationStatus, type Role } from '../schemas/identity.js'
import { plainTextProblem } from '../schemas/plain-text.js'
import type { OrganizationRow, ProjectRow, Store, UserRow } from '../store/types.js'
import { type IssuedEnrolment, newEnrolment } from '../enrolment/links.js'
import { isCalendarDate } from './calendar.js'

/** Bad input to an identity operation: the message says what to change. Nothing was written. */
export class InvalidInput extends Error {
  override name = 'InvalidInput'
}

/** Something an identity operation was asked to act on does not exist. Nothing was written. */
export class NotFoundInput extends InvalidInput {
  override name = 'NotFoundInput'
}

/** The change would leave things as they are, or clash with what is there. Nothing was written. */
export class ConflictingInput extends InvalidInput {
  override name = 'ConflictingInput'
}

/** Not this person's to do (approving their own request, withdrawing someone else's). Nothing was written. */
export class ForbiddenInput extends InvalidInput {
  override name = 'ForbiddenInput'
}

const USERNAME = /^[a-z][a-z0-9._-]{1,31}$/
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

export interface NewProjectInput {
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
  members: string[]
  datasets: string[]
}

export async function createProject(
  store: Store,
  input: NewProjectInput,
  audit: Omit<AuditEvent, 'action' | 'target' | 'outcome'>
): Promise<ProjectRow> {
  if (input.title.trim() === '') throw new InvalidInput('a project title is required')
  checkName('a project title', input.title)
  if (input.approvalReference.trim() === '') throw new InvalidInput('the ethics/approval reference is required')
  checkDates(['the start date', 'the end date'], input.startDate, input.endDate)
  if ((await store.getProjectByTitle(input.title)) !== null)
    throw new InvalidInput(`a project titled "${input.title}" exists`)
  const memberIds: string[] = []
  for (const name of input.members) {
    const u = await store.getUserByUsername(name)
    if (u === null) throw new InvalidInput(`there is no user ${name}`)
    const problem = memberProblem(u)
    if (problem !== null) throw u.roles.includes('admin') ? new ConflictingInput(problem) : new InvalidInput(problem)
    memberIds.push(u.id)
  }
  const datasetIds: string[] = []
  for (const name of input.datasets) {
    const d = await store.getDatasetByName(name)
    if (d === null) throw new InvalidInput(`there is no dataset ${name}`)
    // Pseudonyms are made for one project: a dataset two projects see would let them link theirs.
    const other = await store.getDatasetProject(d.id)
    if (other !== null) {
      throw new InvalidInput(
        `the dataset ${name} is granted to the project "${other.title}"; its pseudonyms are that project's`
      )
    }
    datasetIds.push(d.id)
  }
  return store.createProject(
    { ...input, memberIds, datasetIds },
    {
      ...audit,
      action: 'project.create',
      target: null,
      outcome: 'success',
      details: { title: input.title, members: input.members, datasets: input.datasets }
    }
  )
}

/** Why `user` cannot be a project member, or null: only researchers work in projects, and never an administrator. */
export function memberProblem(user: Pick<UserRow, 'username' | 'roles'>): string | null {
  if (user.roles.includes('admin')) {
    return `${user.username} is an administrator: an administrator is never a project member, or they could admit themselves to its data`
  }
  return user.roles.includes('researcher')
    ? null
    : `${user.username} does not have the researcher role; only researchers are project members`
}

/** The organization holding certification `number`, if any (numbers are unique). */
export async function certificationHolder(store: Store, number: string): Promise<OrganizationRow | null> {
  for (const org of await store.listOrganizations()) {
    if ((await store.getCertification(org.id))?.number === number) return org
  }
  return null
}
