import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditEvent } from '../audit/record.js'
import { ConfigError } from '../errors.js'
import type { PolicyVersionRow, Store } from '../store/types.js'
import { loadPolicyFile, parsePolicyText, type PolicyProblem } from './load.js'
import type { Policy } from './schema.js'
import { policyDiff, yamlOfObject } from './yaml-text.js'

export { policyDiff, yamlOfObject }

/** The policy every project works under unless it is assigned another. */
export const DEFAULT_POLICY = 'default'

/** Who asks for a change, for the audit. */
export interface Actor {
  id: string
  sourceIp: string | null
}

export type SaveResult =
  | { kind: 'saved'; row: PolicyVersionRow; policy: Policy; previous: Policy | null }
  | { kind: 'unchanged'; row: PolicyVersionRow }
  | { kind: 'invalid'; problems: PolicyProblem[] }
  | { kind: 'stale'; currentVersion: number }
  /** held back by `hold`: a second administrator approves it first */
  | { kind: 'held'; pendingId: string }

/**
 * Asked before a valid new version is written, with what it would replace and become: the id of a
 * pending change that holds it back for a second administrator, or null to save it now.
 */
export type SaveHold = (change: {
  before: { row: PolicyVersionRow; policy: Policy } | null
  policy: Policy
  yaml: string
  diff: string
  /** the default policy as the store holds it: what a new policy is weighed against */
  baseline: Policy
}) => Promise<string | null>

export interface PolicySource {
  /** what a name's policy is written as: YAML text, or an object that is merged into the current YAML */
  yaml?: string
  policy?: Record<string, unknown>
}

interface Loaded {
  row: PolicyVersionRow
  policy: Policy
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Named policies, every version kept in the store, and which projects work under which. The newest
 * version of each name is held in memory, so the callers that read a policy on every request
 * (sign-in limits, sessions, the airlock) never wait for the store.
 *
 * At start the files are imported: the policy file (VRE_POLICY_FILE) as `default`, the other
 * `*.yaml` of the policies folder (the presets) under their own names. A file is imported when it
 * differs from the last import of it, so an operator's edit of a file is not ignored, while a
 * version saved in the console stays in force as long as the file does not change.
 */
export async function createPolicyService(deps: {
  store: Store
  log: FastifyBaseLogger
  defaultFile: string
  presetDir: string | null
}) {
  const { store, log } = deps
  const current = new Map<string, Loaded>()
  const assigned = new Map<string, string>()

  function load(row: PolicyVersionRow): Loaded {
    const parsed = parsePolicyText(row.yaml)
    if (!parsed.ok) {
      // a newer gateway may check more strictly than the one that saved it: refuse to start rather than guess
      throw new ConfigError(
        `policy ${row.name} v${row.version} in the store is invalid:\n  ${parsed.problems
          .map((p) => `${p.path || '(top level)'}: ${p.message}`)
          .join('\n  ')}`
      )
    }
    return { row, policy: parsed.policy }
  }

  async function importFile(name: string, path: string): Promise<void> {
    const policy = loadPolicyFile(path)
    if (policy.name !== name) {
      throw new ConfigError(`policy ${path} is named ${policy.name}; it must be named ${name}`)
    }
    const text = readFileSync(path, 'utf8')
    const digest = sha256(text)
    const versions = await store.listPolicyVersions(name)
    const newest = versions[0] ?? null
    const lastImport = versions.find((v) => v.sourceSha256 !== null)
    if (lastImport?.sourceSha256 === digest || newest?.yaml === text) return
    const result = await store.addPolicyVersion(
      {
        name,
        yaml: text,
        author: 'system',
        comment: newest === null ? `imported from ${basename(path)}` : `${basename(path)} changed: imported again`,
        diff: policyDiff(name, newest, text, (newest?.version ?? 0) + 1),
        source: path,
        sourceSha256: digest
      },
      newest?.version ?? 0,
      {
        actor: 'system',
        action: 'policy.import',
        sourceIp: null,
        target: name,
        outcome: 'success',
        details: { file: path, sha256: digest, replaces: newest?.version ?? null }
      }
    )
    // another gateway on the same store imported it at the same moment
    if ('conflict' in result) return
    if (newest !== null) log.warn({ policy: name, file: path }, 'the policy file changed; its content is now in force')
  }

  await importFile(DEFAULT_POLICY, deps.defaultFile)
  if (deps.presetDir !== null) {
    for (const file of readdirSync(deps.presetDir).sort()) {
      const full = join(deps.presetDir, file)
      if (!file.endsWith('.yaml') || file === 'default.yaml' || full === deps.defaultFile) continue
      await importFile(file.slice(0, -'.yaml'.length), full)
    }
  }
  for (const row of await store.listPolicies()) current.set(row.name, load(row))
  for (const a of await store.listProjectPolicies()) assigned.set(a.projectId, a.policyName)

  const defaultPolicy = (): Policy => current.get(DEFAULT_POLICY)!.policy

  /** The newest version of `name` in the store, which what is in force here then follows. */
  async function stored(name: string): Promise<Loaded | null> {
    const row = await store.getPolicyVersion(name)
    if (row === null) return null
    const held = current.get(name)
    if (held !== undefined && held.row.version === row.version) return held
    const loaded = load(row)
    current.set(name, loaded)
    return loaded
  }

  return {
    /** the default policy in force */
    policy: defaultPolicy,
    /** the policy in force for a project: its assigned one, else the default */
    policyFor(projectId: string): Policy {
      const name = assigned.get(projectId)
      return (name === undefined ? undefined : current.get(name)?.policy) ?? defaultPolicy()
    },
    /** the name of the policy a project works under */
    policyNameFor(projectId: string): string {
      return assigned.get(projectId) ?? DEFAULT_POLICY
    },
    list(): PolicyVersionRow[] {
      return [...current.values()].map((l) => l.row).sort((a, b) => a.name.localeCompare(b.name))
    },
    get(name: string): Loaded | null {
      return current.get(name) ?? null
    },
    versions: (name: string) => store.listPolicyVersions(name),
    /** project id -> policy name, for projects that have one other than the default */
    assignments(): Map<string, string> {
      return new Map(assigned)
    },

    /**
     * Saves the next version of `name` if it is still at `baseVersion` (0 creates it). Invalid
     * input or a stale base changes nothing and is audited as refused. The version it replaces is
     * read from the store, not this gateway's memory: `hold` always weighs the change against what
     * is in force (another gateway, or a direct write, may have moved it on), and a base the store
     * has moved past is refused as stale before anything is weighed or written. The store writes
     * only on that same base version, so what was weighed is what the new version replaces.
     */
    async save(
      name: string,
      source: PolicySource,
      baseVersion: number,
      comment: string | null,
      actor: Actor,
      hold?: SaveHold
    ): Promise<SaveResult> {
      const audit = (outcome: AuditEvent['outcome'], details: Record<string, unknown>): AuditEvent => ({
        actor: actor.id,
        action: 'policy.update',
        sourceIp: actor.sourceIp,
        target: name,
        outcome,
        details: { baseVersion, ...details }
      })
      const refuse = async (problems: PolicyProblem[]): Promise<SaveResult> => {
        await store.appendAudit(audit('denied', { reason: 'invalid', problems: problems.slice(0, 50) }))
        return { kind: 'invalid', problems }
      }
      const stale = async (currentVersion: number): Promise<SaveResult> => {
        await store.appendAudit(audit('denied', { reason: 'stale version', currentVersion }))
        return { kind: 'stale', currentVersion }
      }
      if ((source.yaml === undefined) === (source.policy === undefined)) {
        return refuse([{ path: '', message: 'give the policy either as yaml or as a policy object, not both' }])
      }
      const before = await stored(name)
      const yaml = source.yaml ?? yamlOfObject(before?.row.yaml ?? null, source.policy!)
      const parsed = parsePolicyText(yaml)
      if (!parsed.ok) return refuse(parsed.problems)
      if (parsed.policy.name !== name) {
        return refuse([{ path: '/name', message: `must be ${name}, the name the policy is saved under` }])
      }
      const now = before?.row.version ?? 0
      if (now !== baseVersion) return stale(now)
      if (before !== null && before.row.yaml === yaml) return { kind: 'unchanged', row: before.row }
      const version = now + 1
      const diff = policyDiff(name, before?.row ?? null, yaml, version)
      if (hold !== undefined) {
        const baseline = name === DEFAULT_POLICY && before !== null ? before : await stored(DEFAULT_POLICY)
        const pendingId = await hold({
          before,
          policy: parsed.policy,
          yaml,
          diff,
          baseline: (baseline ?? { policy: parsed.policy }).policy
        })
        if (pendingId !== null) return { kind: 'held', pendingId }
      }
      const result = await store.addPolicyVersion(
        {
          name,
          yaml,
          author: actor.id,
          comment,
          diff,
          source: null,
          sourceSha256: null
        },
        baseVersion,
        audit('success', { version, comment, created: before === null })
      )
      if ('conflict' in result) {
        // another gateway saved it meanwhile: what is in force here follows the store
        await stored(name)
        return stale(result.conflict)
      }
      current.set(name, { row: result.saved, policy: parsed.policy })
      return { kind: 'saved', row: result.saved, policy: parsed.policy, previous: before?.policy ?? null }
    },

    /** The newest version of `name` as the store holds it now (this gateway's copy follows it); null: none. */
    stored,

    /**
     * Reads the newest version of `name`, and every project's assignment, from the store again:
     * after a change written there directly (a second administrator's approval carries it out).
     */
    async refresh(name: string | null): Promise<void> {
      if (name !== null) {
        const newest = await store.getPolicyVersion(name)
        if (newest !== null) current.set(name, load(newest))
      }
      assigned.clear()
      for (const a of await store.listProjectPolicies()) assigned.set(a.projectId, a.policyName)
    },

    /** Names the policy a project works under (null: the default again). */
    async assign(projectId: string, name: string | null, actor: Actor): Promise<{ from: string; to: string }> {
      const from = assigned.get(projectId) ?? DEFAULT_POLICY
      const to = name ?? DEFAULT_POLICY
      await store.setProjectPolicy(projectId, name === DEFAULT_POLICY ? null : name, {
        actor: actor.id,
        action: 'project.policy',
        sourceIp: actor.sourceIp,
        target: projectId,
        outcome: 'success',
        details: { from, to }
      })
      if (to === DEFAULT_POLICY) assigned.delete(projectId)
      else assigned.set(projectId, to)
      return { from, to }
    }
  }
}

export type PolicyService = Awaited<ReturnType<typeof createPolicyService>>
