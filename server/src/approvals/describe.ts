import type { PendingChangeRow } from '../store/pending-changes.js'
import type { Weakening } from './weakening.js'

const ROLE: Record<string, string> = { researcher: 'researcher', reviewer: 'reviewer', admin: 'administrator' }
const roles = (rs: unknown) => (rs as string[]).map((r) => ROLE[r] ?? r).join(' and ')

const addedTo = (w: Weakening) => (w.to as string[]).filter((r) => !(w.from as string[]).includes(r))

/** A weakening in words: "reviewers 2 → 1", "exportTypes adds parquet". */
export function describeWeakening(w: Weakening): string {
  switch (w.key) {
    case 'exceptionRules':
      return `exceptions allowed for ${addedTo(w).join(', ')}`
    case 'excludeRequesterOrganization':
      return "reviewers of the requester's organization allowed"
    case 'partialRelease':
      return 'partial release switched on'
    case 'zerosDisclosive':
      return 'zeros no longer disclosive'
  }
  if (Array.isArray(w.to)) return `${w.key} adds ${addedTo(w).join(', ')}`
  return `${w.key} ${String(w.from)} → ${String(w.to)}`
}

/** What a pending change would do, in one English sentence (the console words it in the reader's language). */
export function describeChange(row: PendingChangeRow): string {
  const c = row.change
  switch (row.kind) {
    case 'user.create':
      return `Create the account ${String(c.username)} (${String(c.displayName)}) with the ${roles(c.roles)} role`
    case 'user.update': {
      const org = c.organization as { name: string | null } | undefined
      const parts = [
        ...((c.granted as string[]).length > 0 ? [`grant ${roles(c.granted)}`] : []),
        ...((c.removed as string[]).length > 0 ? [`remove ${roles(c.removed)}`] : []),
        ...(org === undefined ? [] : [org.name === null ? 'take out of their organization' : `move to ${org.name}`])
      ]
      const sentence = parts.join(' and ')
      return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}: ${String(c.username)}`
    }
    case 'user.credentials_reset':
      return `Reset the credentials of ${String(c.username)} (${roles(c.roles)})`
    case 'policy.update':
      return `Policy ${String(c.name)} from version ${String(c.baseVersion)}: ${(c.weakenings as Weakening[]).map(describeWeakening).join('; ')}`
    case 'project.policy':
      return `Move the project "${String(c.title)}" from ${String(c.from)} to ${String(c.to)}: ${(c.weakenings as Weakening[]).map(describeWeakening).join('; ')}`
  }
}
