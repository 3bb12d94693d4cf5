import { describe, expect, it } from 'vitest'
import { lineDiff, splitLines, withContext, type DiffLine } from './line-diff'

const same = (text: string): DiffLine => ({ kind: 'same', text })
const added = (text: string): DiffLine => ({ kind: 'added', text })
const removed = (text: string): DiffLine => ({ kind: 'removed', text })

describe('splitting lines', () => {
  it('splits on LF and CRLF alike, without the empty line after a final newline', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b'])
    expect(splitLines('a\r\nb\r\n')).toEqual(['a', 'b'])
    expect(splitLines('a\r\nb')).toEqual(['a', 'b'])
  })

  it('keeps blank lines inside, and a lone CR as part of its line', () => {
    expect(splitLines('a\n\n\nb')).toEqual(['a', '', '', 'b'])
    expect(splitLines('a\rb\n')).toEqual(['a\rb'])
  })

  it('has no lines for empty text, and one empty line for a lone newline', () => {
    expect(splitLines('')).toEqual([])
    expect(splitLines('\n')).toEqual([''])
  })
})

describe('the line diff', () => {
  it('marks every line the same when nothing changed', () => {
    expect(lineDiff(['a', 'b'], ['a', 'b'])).toEqual([same('a'), same('b')])
    expect(lineDiff([], [])).toEqual([])
  })

  it('shows a file made from nothing as all added, and one emptied as all removed', () => {
    expect(lineDiff([], ['x', 'y'])).toEqual([added('x'), added('y')])
    expect(lineDiff(['x', 'y'], [])).toEqual([removed('x'), removed('y')])
  })

  it('finds a changed line between unchanged ones, removed before added', () => {
    expect(lineDiff(['age,n', '30,12', '40,8'], ['age,n', '30,15', '40,8'])).toEqual([
      same('age,n'),
      removed('30,12'),
      added('30,15'),
      same('40,8')
    ])
  })

  it('keeps the lines the two sides share in the middle of a change', () => {
    expect(lineDiff(['a', 'x', 'b', 'y', 'c'], ['a', 'b', 'z', 'c'])).toEqual([
      same('a'),
      removed('x'),
      same('b'),
      removed('y'),
      added('z'),
      same('c')
    ])
  })

  it('compares lines exactly: case, spaces and unicode count', () => {
    expect(lineDiff(['東京 ', 'Osaka'], ['東京', 'osaka'])).toEqual([
      removed('東京 '),
      removed('Osaka'),
      added('東京'),
      added('osaka')
    ])
  })

  it('loses no line of either side', () => {
    const before = splitLines('one\ntwo\nthree\nfour\nfive\n')
    const after = splitLines('zero\none\nthree\nfour!\nfive\nsix\n')
    const diff = lineDiff(before, after)
    expect(diff.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(before)
    expect(diff.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(after)
  })

  it('matches the shared lines of a large change, up to the size it compares', () => {
    const shared = Array.from({ length: 3998 }, (_, i) => `row ${i}`)
    const diff = lineDiff(['first', ...shared], [...shared, 'last'])
    expect(diff[0]).toEqual(removed('first'))
    expect(diff.at(-1)).toEqual(added('last'))
    expect(diff.filter((l) => l.kind === 'same')).toHaveLength(3998)
  })

  it('past that size shows the changed middle as removed then added', () => {
    const shared = Array.from({ length: 4001 }, (_, i) => `row ${i}`)
    const diff = lineDiff(['first', ...shared], [...shared, 'last'])
    expect(diff.filter((l) => l.kind === 'same')).toHaveLength(0)
    expect(diff.slice(0, 4002).every((l) => l.kind === 'removed')).toBe(true)
    expect(diff.slice(4002).every((l) => l.kind === 'added')).toBe(true)
    expect(diff).toHaveLength(8004)
  })
})

describe('context around changes', () => {
  const lines = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(same)

  it('folds unchanged runs beyond two lines either side of a change', () => {
    const diff = [...lines.slice(0, 4), added('new'), ...lines.slice(4)]
    expect(withContext(diff)).toEqual([
      { kind: 'skipped', count: 2 },
      same('3'),
      same('4'),
      added('new'),
      same('5'),
      same('6'),
      { kind: 'skipped', count: 3 }
    ])
  })

  it('takes the context size asked, and merges changes whose context meets', () => {
    const diff = [same('a'), removed('b'), same('c'), same('d'), added('e'), same('f'), same('g')]
    expect(withContext(diff, 1)).toEqual([same('a'), removed('b'), same('c'), same('d'), added('e'), same('f'), { kind: 'skipped', count: 1 }])
    expect(withContext(diff, 0)).toEqual([
      { kind: 'skipped', count: 1 },
      removed('b'),
      { kind: 'skipped', count: 2 },
      added('e'),
      { kind: 'skipped', count: 2 }
    ])
  })

  it('folds everything when nothing changed, and shows nothing for no lines', () => {
    expect(withContext(lines)).toEqual([{ kind: 'skipped', count: 9 }])
    expect(withContext([])).toEqual([])
  })
})
