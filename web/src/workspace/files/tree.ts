import type { FileEntry } from '../../api/types'
import { ancestorsOf, parentOf } from '../workspace-files'

// The flat file list the server gives, drawn as a tree: folders first, then by name, with only the
// open folders' contents shown.

export interface TreeNode {
  entry: FileEntry
  children: TreeNode[]
}

/** A row of the table: an entry and how deep it sits. */
export interface TreeRow {
  entry: FileEntry
  depth: number
}

/** Folders first, then by name; an entry whose folder is not listed (a truncated list) sits at the top level. */
export function buildTree(entries: readonly FileEntry[]): TreeNode[] {
  const nodes = new Map(entries.map((entry) => [entry.path, { entry, children: [] as TreeNode[] }]))
  const roots: TreeNode[] = []
  for (const node of nodes.values()) {
    const parent = nodes.get(parentOf(node.entry.path))
    if (parent !== undefined && parent.entry.type === 'dir') parent.children.push(node)
    else roots.push(node)
  }
  const sort = (list: TreeNode[]) => {
    list.sort(
      (a, b) =>
        Number(b.entry.type === 'dir') - Number(a.entry.type === 'dir') || a.entry.name.localeCompare(b.entry.name)
    )
    for (const n of list) sort(n.children)
  }
  sort(roots)
  return roots
}

/** The rows shown: every top-level entry, and inside a folder only while it is open. */
export function visibleRows(nodes: readonly TreeNode[], expanded: ReadonlySet<string>): TreeRow[] {
  const out: TreeRow[] = []
  const walk = (level: readonly TreeNode[], depth: number) => {
    for (const node of level) {
      out.push({ entry: node.entry, depth })
      if (node.entry.type === 'dir' && expanded.has(node.entry.path)) walk(node.children, depth + 1)
    }
  }
  walk(nodes, 0)
  return out
}

/** `expanded` with every folder above `path` opened, or null when they all are already. */
export function openedTo(expanded: ReadonlySet<string>, path: string): Set<string> | null {
  const missing = ancestorsOf(path).filter((a) => !expanded.has(a))
  return missing.length > 0 ? new Set([...expanded, ...missing]) : null
}

/** `expanded` with the folder at `path` closed if it was open, opened if not. */
export function toggled(expanded: ReadonlySet<string>, path: string): Set<string> {
  const next = new Set(expanded)
  if (!next.delete(path)) next.add(path)
  return next
}
