import { createTwoFilesPatch } from 'diff'
import { isMap, isSeq, parseDocument, stringify, type Document } from 'yaml'
import type { PolicyVersionRow } from '../store/types.js'

/** A policy's text: the diff between two versions, and an edit written into the YAML an editor keeps. */

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
