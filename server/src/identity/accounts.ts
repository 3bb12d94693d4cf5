import { randomBytes } from 'node:crypto'
import type { AuditEvent } from '../audit/record.js'
import { hashPassword, passwordProblem } from '../auth/passwords.js'
import { newTotpSecret, totpSealContext } from '../auth/totp.js'
import type { Keys } from '../keys/keys.js'
import { seal } from '../keys/sealed.js'
import { ROLES, type CertificationStatus, type Role } from '../schemas/identity.js'
import type { OrganizationRow, ProjectRow, Store, UserRow } from '../store/types.js'
import { isCalendarDate } from './calendar.js'

/** Bad input to an identity operation: the message says what to change. Nothing was written. */
export class InvalidInput extends Error {
  override name = 'InvalidInput'
}

const USERNAME = /^[a-z][a-z0-9._-]{1,31}$/

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

/** Creates an account with an argon2id password and a fresh TOTP seed (sealed at rest). */
export async function createAccount(
  store: Store,
  keys: Keys,
  input: NewAccount,
  audit: Omit<AuditEvent, 'action' | 'target' | 'outcome'>
): Promise<CreatedAccount> {
  if (!USERNAME.test(input.username)) {
    throw new InvalidInput(
      'a username is 2-32 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter'
    )
  }
  if (input.displayName.trim() === '') throw new InvalidInput('a display name is required')
  if (input.roles.length === 0) throw new InvalidInput(`at least one role is required (${ROLES.join(', ')})`)
  for (const r of input.roles) {
    if (!ROLES.includes(r)) throw new InvalidInput(`unknown role "${r}" (roles: ${ROLES.join(', ')})`)
  }
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
  const password = input.password ?? generatePassword()
  const problem = passwordProblem(password, input.username)
  if (problem !== null) throw new InvalidInput(problem)
  const totpSecret = newTotpSecret()
  const user = await store.createUser(
    {
      username: input.username,
      displayName: input.displayName.trim(),
      organizationId,
      roles: [...new Set(input.roles)],
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
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{1,31}$/.test(input.certificationNumber)) {
    throw new InvalidInput('a certification number is letters, digits and "-" (for example T2-0042)')
  }
  for (const [label, d] of [
    ['valid-from', input.validFrom],
    ['valid-to', input.validTo]
  ] as const) {
    if (!isCalendarDate(d)) throw new InvalidInput(`${label} must be a date written YYYY-MM-DD, got "${d}"`)
  }
  if (input.validFrom > input.validTo) throw new InvalidInput('valid-from must not be after valid-to')
  if ((await store.getOrganizationByName(input.name)) !== null) {
    throw new InvalidInput(`an organization named "${input.name}" exists`)
  }
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
  if (input.approvalReference.trim() === '') throw new InvalidInput('the ethics/approval reference is required')
  for (const [label, d] of [
    ['start', input.startDate],
    ['end', input.endDate]
  ] as const) {
    if (!isCalendarDate(d)) throw new InvalidInput(`${label} must be a date written YYYY-MM-DD, got "${d}"`)
  }
  if (input.startDate > input.endDate) throw new InvalidInput('the start date must not be after the end date')
  if ((await store.getProjectByTitle(input.title)) !== null)
    throw new InvalidInput(`a project titled "${input.title}" exists`)
  const memberIds: string[] = []
  for (const name of input.members) {
    const u = await store.getUserByUsername(name)
    if (u === null) throw new InvalidInput(`there is no user ${name}`)
    memberIds.push(u.id)
  }
  const datasetIds: string[] = []
  for (const name of input.datasets) {
    const d = await store.getDatasetByName(name)
    if (d === null) throw new InvalidInput(`there is no dataset ${name}`)
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
