import type { PolicyStrings } from './strings'

// The policy's values the structured editor offers, by the JSON pointer the server's problems use.

export type PolicyObject = Record<string, unknown>

type FieldKey = keyof PolicyStrings['fields']
export interface FieldDef {
  key: FieldKey
  /** the JSON pointer of the value, as the server's problems name it */
  path: string
  kind: 'number' | 'text' | 'select'
  options?: string[]
  /** changes reach running sessions (server/src/sessions/session-service.ts) */
  live?: boolean
}
const field = (key: FieldKey, path: string, kind: FieldDef['kind'] = 'number', extra: Partial<FieldDef> = {}) => ({
  key,
  path,
  kind,
  ...extra
})

/** The values an administrator changes most; the rest are edited as YAML. */
export const SECTIONS: { id: 'sandbox' | 'airlock' | 'display' | 'auth'; fields: FieldDef[] }[] = [
  {
    id: 'sandbox',
    fields: [
      field('image', '/sandbox/image', 'text'),
      field('runtime', '/sandbox/runtime', 'select', { options: ['runsc', 'runc'] }),
      field('cpus', '/sandbox/cpus', 'number', { live: true }),
      field('memoryMiB', '/sandbox/memoryMiB', 'number', { live: true }),
      field('pids', '/sandbox/pids', 'number', { live: true }),
      field('maxDurationMinutes', '/sandbox/maxDurationMinutes', 'number', { live: true }),
      field('idleMinutes', '/sandbox/idleMinutes', 'number', { live: true }),
      field('rowCap', '/sandbox/rowCap', 'number', { live: true }),
      field('sessionsPerUser', '/sandbox/sessionsPerUser'),
      field('workAreaMiB', '/sandbox/workAreaMiB'),
      field('tmpMiB', '/sandbox/tmpMiB'),
      field('dataMiB', '/sandbox/dataMiB')
    ]
  },
  {
    id: 'airlock',
    fields: [
      field('preset', '/airlock/preset', 'select', { options: ['ndb-japan', 'acro-default'] }),
      field('threshold', '/airlock/threshold'),
      field('reviewers', '/airlock/reviewers'),
      field('maxExportFileMiB', '/airlock/maxExportFileMiB'),
      field('maxImportFileMiB', '/airlock/maxImportFileMiB'),
      field('submissionsPerMinute', '/airlock/submissionsPerMinute')
    ]
  },
  {
    // what may reach a researcher's screen: changes reach running sessions at their next byte
    id: 'display',
    fields: [
      field('bytesPerMinute', '/display/bytesPerMinute', 'number', { live: true }),
      field('burstBytes', '/display/burstBytes', 'number', { live: true }),
      field('bytesPerSession', '/display/bytesPerSession', 'number', { live: true })
    ]
  },
  {
    id: 'auth',
    fields: [
      field('accessTokenMinutes', '/auth/accessTokenMinutes'),
      field('refreshTokenHours', '/auth/refreshTokenHours'),
      field('accountFreeFailures', '/auth/signInDelays/accountFreeFailures'),
      field('maxDelaySeconds', '/auth/signInDelays/maxDelaySeconds'),
      field('requestsPerMinute', '/auth/requestsPerMinute')
    ]
  }
]
export const ALL_FIELDS = SECTIONS.flatMap((s) => s.fields)

const keysOf = (path: string) => path.split('/').slice(1)

export function read(policy: PolicyObject, path: string): unknown {
  let v: unknown = policy
  for (const k of keysOf(path)) v = v !== null && typeof v === 'object' ? (v as PolicyObject)[k] : undefined
  return v
}

/** Writes the field's text into a copy of the policy: a number where it reads as one, else the text for the server to refuse. */
export function write(policy: PolicyObject, def: FieldDef, text: string): void {
  const keys = keysOf(def.path)
  let o = policy
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {}
    o = o[k] as PolicyObject
  }
  const last = keys.at(-1)!
  const trimmed = text.trim()
  if (trimmed === '') delete o[last]
  else if (def.kind === 'number' && /^-?\d+(\.\d+)?$/.test(trimmed)) o[last] = Number(trimmed)
  else o[last] = trimmed
}

export const draftOf = (policy: PolicyObject): Record<string, string> =>
  Object.fromEntries(ALL_FIELDS.map((f) => [f.path, String(read(policy, f.path) ?? '')]))

export const fieldId = (path: string) => `policy-field${path.replaceAll('/', '-')}`
