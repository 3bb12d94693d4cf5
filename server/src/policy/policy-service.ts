import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { createTwoFilesPatch } from 'diff'
import { isMap, isSeq, parseDocument, stringify, type Document } from 'yaml'
import type { AuditEvent } from '../audit/record.js'
import { ConfigError } from '../errors.js'
import type { PolicyVersionRow, Store } from '../store/types.js'
import { loadPolicyFile, parsePolicyText, type PolicyProblem } from './load.js'
import type { Policy } from './schema.js'

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

/** A readable unified line diff between two versions' YAML. */
export function policyDiff(name: string, before: PolicyVersionRow | null, after: string, version: number): string {
  if (before === null) return ''
  return createTwoFilesPatch(`${name} v${before.version}`, `${name} v${version}`, before.yaml, after, '', '', {
    context: 3
  })
}

/**
 * Writes `value` into the YAML document key by key, so what an editor did not change keeps its
 * comments and layout; keys the value no longer has are removed.
 */
function mergeInto(doc: Document, path: (string | number)[], value: unknown): void {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true)
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && isMap(node)) {
    const obj = value as Record<string, unknown>
    for (const [k, v] of Object.entries(obj)) mergeInto(doc, [...path, k], v)
    for (const pair of [...node.items]) {
      const key = (pair.key as { value?: unknown } | null)?.value ?? String(pair.key)
      if (!Object.hasOwn(obj, String(key))) doc.deleteIn([...path, key])
    }
    return
  }
  const current: unknown =
    node !== null && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node
  if (JSON.stringify(current) === JSON.stringify(value)) return
  const created = doc.createNode(value)
  // a list written inline stays inline
  if (isSeq(node) && isSeq(created)) created.flow = node.flow ?? false
  if (path.length === 0) doc.contents = created
  else doc.setIn(path, created)
}

/** The YAML for a policy given as an object: the current version's text with the changes written in. */
export function yamlOfObject(current: string | null, value: Record<string, unknown>): string {
  if (current !== null) {
    const doc = parseDocument(current)
    if (doc.errors.length === 0 && isMap(doc.contents)) {
      mergeInto(doc, [], value)
      return doc.toString({ lineWidth: 0, flowCollectionPadding: false })
    }
  }
  return stringify(value, { lineWidth: 0 })
}

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
     * input or a stale base changes nothing and is audited as refused.
     */
    async save(
      name: string,
      source: PolicySource,
      baseVersion: number,
      comment: string | null,
      actor: Actor
    ): Promise<SaveResult> {
      const before = current.get(name) ?? null
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
      if ((source.yaml === undefined) === (source.policy === undefined)) {
        return refuse([{ path: '', message: 'give the policy either as yaml or as a policy object, not both' }])
      }
      const yaml = source.yaml ?? yamlOfObject(before?.row.yaml ?? null, source.policy!)
      const parsed = parsePolicyText(yaml)
      if (!parsed.ok) return refuse(parsed.problems)
      if (parsed.policy.name !== name) {
        return refuse([{ path: '/name', message: `must be ${name}, the name the policy is saved under` }])
      }
      if (before !== null && before.row.version === baseVersion && before.row.yaml === yaml) {
        return { kind: 'unchanged', row: before.row }
      }
      const version = (before?.row.version ?? 0) + 1
      const result = await store.addPolicyVersion(
        {
          name,
          yaml,
          author: actor.id,
          comment,
          diff: policyDiff(name, before?.row ?? null, yaml, version),
          source: null,
          sourceSha256: null
        },
        baseVersion,
        audit('success', { version, comment, created: before === null })
      )
      if ('conflict' in result) {
        await store.appendAudit(audit('denied', { reason: 'stale version', currentVersion: result.conflict }))
        // another gateway may have saved it: what is in force here follows the store
        const newest = await store.getPolicyVersion(name)
        if (newest !== null && newest.version !== before?.row.version) current.set(name, load(newest))
        return { kind: 'stale', currentVersion: result.conflict }
      }
      current.set(name, { row: result.saved, policy: parsed.policy })
      return { kind: 'saved', row: result.saved, policy: parsed.policy, previous: before?.policy ?? null }
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
