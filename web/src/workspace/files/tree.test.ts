import { describe, expect, it } from 'vitest'
import type { FileEntry } from '../../api/types'
import { buildTree, openedTo, toggled, visibleRows } from './tree'

const file = (path: string): FileEntry => ({
  path,
  name: path.slice(path.lastIndexOf('/') + 1),
  type: 'file',
  size: 10,
  modifiedAt: '2026-03-31T12:00:00Z'
})
const dir = (path: string): FileEntry => ({ ...file(path), type: 'dir', size: 0 })

const paths = (rows: { entry: FileEntry; depth: number }[]) => rows.map((r) => `${r.depth}:${r.entry.path}`)

describe('the file tree', () => {
  const entries = [
    file('readme.md'),
    dir('outbox'),
    file('notebooks/b.ipynb'),
    dir('notebooks'),
    file('notebooks/a.ipynb'),
    dir('notebooks/old'),
    file('notebooks/old/x.ipynb'),
    file('Analysis.py')
  ]

  it('lists folders first, then files by name, at every level', () => {
    const tree = buildTree(entries)
    expect(tree.map((n) => n.entry.path)).toEqual(['notebooks', 'outbox', 'Analysis.py', 'readme.md'])
    expect(tree[0]!.children.map((n) => n.entry.path)).toEqual([
      'notebooks/old',
      'notebooks/a.ipynb',
      'notebooks/b.ipynb'
    ])
  })

  it('shows only the top level while every folder is closed', () => {
    expect(paths(visibleRows(buildTree(entries), new Set()))).toEqual([
      '0:notebooks',
      '0:outbox',
      '0:Analysis.py',
      '0:readme.md'
    ])
  })

  it('shows an open folder’s contents one level deeper, only as far as its folders are open too', () => {
    const tree = buildTree(entries)
    expect(paths(visibleRows(tree, new Set(['notebooks'])))).toEqual([
      '0:notebooks',
      '1:notebooks/old',
      '1:notebooks/a.ipynb',
      '1:notebooks/b.ipynb',
      '0:outbox',
      '0:Analysis.py',
      '0:readme.md'
    ])
    // an open folder inside a closed one stays hidden
    expect(paths(visibleRows(tree, new Set(['notebooks/old'])))).not.toContain('2:notebooks/old/x.ipynb')
    expect(paths(visibleRows(tree, new Set(['notebooks', 'notebooks/old'])))).toContain('2:notebooks/old/x.ipynb')
  })

  it('puts an entry whose folder was not listed (a truncated list) at the top level', () => {
    const tree = buildTree([file('data/deep/t.csv'), file('a.txt')])
    expect(tree.map((n) => n.entry.path)).toEqual(['a.txt', 'data/deep/t.csv'])
  })

  it('does not nest anything under a file that shares a folder’s name', () => {
    const tree = buildTree([file('x'), file('x/y.txt')])
    expect(tree.map((n) => n.entry.path)).toEqual(['x', 'x/y.txt'])
  })

  it('draws nothing for an empty folder listing', () => {
    expect(visibleRows(buildTree([]), new Set(['anything']))).toEqual([])
  })
})

describe('open folders', () => {
  it('opens every folder above a path, keeping those already open', () => {
    const opened = openedTo(new Set(['inbox', 'a']), 'a/b/c/file.csv')
    expect(opened).toEqual(new Set(['inbox', 'a', 'a/b', 'a/b/c']))
  })

  it('answers null when every folder above is already open, or the path is at the top', () => {
    expect(openedTo(new Set(['a', 'a/b']), 'a/b/file.csv')).toBeNull()
    expect(openedTo(new Set(), 'file.csv')).toBeNull()
  })

  it('toggles one folder without changing the set it was given', () => {
    const before = new Set(['a', 'b'])
    expect(toggled(before, 'a')).toEqual(new Set(['b']))
    expect(toggled(before, 'c')).toEqual(new Set(['a', 'b', 'c']))
    expect(before).toEqual(new Set(['a', 'b']))
  })
})
