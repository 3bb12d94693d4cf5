import { describe, expect, it } from 'vitest'
import type { CheckOutcome, ExportFileView, ExportRequestView, ExportState, RuleResult } from '../api/types'
import {
  canWithdraw,
  extension,
  filesOfRound,
  imageMime,
  isFinal,
  previewKind,
  requestLabel,
  shortId,
  sortChecks,
  STATE_BADGE
} from './airlock-format'

const check = (rule: string, outcome: CheckOutcome): RuleResult => ({ rule, outcome, message: '', cells: [] })

// only the fields these functions read; the rest of a view does not matter to them
const file = (name: string, round: number, outcome: CheckOutcome) => ({ name, round, outcome }) as ExportFileView
const request = (round: number, files: ExportFileView[]) =>
  ({ id: '0f8e2c1a-77aa-4b1e-9c3d-5e6f7a8b9c0d', round, files }) as ExportRequestView

const ALL_STATES = Object.keys(STATE_BADGE) as ExportState[]

describe('ordering for the reviewer', () => {
  it('puts failing checks first, then those for review, then passes, keeping the checker order within each', () => {
    const checks = [
      check('threshold', 'pass'),
      check('dominance', 'review'),
      check('zeros', 'fail'),
      check('repeats', 'review'),
      check('file-type', 'fail')
    ]
    expect(sortChecks(checks).map((c) => c.rule)).toEqual(['zeros', 'file-type', 'dominance', 'repeats', 'threshold'])
    // the input is left as it was
    expect(checks[0]!.rule).toBe('threshold')
    expect(sortChecks([])).toEqual([])
  })

  it("lists one round's files, failing first, each outcome in the order submitted", () => {
    const r = request(2, [
      file('old.csv', 1, 'fail'),
      file('a.csv', 2, 'pass'),
      file('b.csv', 2, 'fail'),
      file('c.csv', 2, 'review'),
      file('d.csv', 2, 'fail')
    ])
    expect(filesOfRound(r, 2).map((f) => f.name)).toEqual(['b.csv', 'd.csv', 'c.csv', 'a.csv'])
    expect(filesOfRound(r, 1).map((f) => f.name)).toEqual(['old.csv'])
    expect(filesOfRound(r, 3)).toEqual([])
  })
})

describe('request states', () => {
  it('lets a request be withdrawn only until something was decided for good', () => {
    expect(ALL_STATES.filter(canWithdraw)).toEqual(['draft', 'submitted', 'in_review', 'returned'])
  })

  it('rests in released, rejected or withdrawn, and an approved request is not final yet', () => {
    expect(ALL_STATES.filter(isFinal)).toEqual(['released', 'rejected', 'withdrawn'])
    expect(isFinal('approved')).toBe(false)
  })

  it('no state is both final and withdrawable', () => {
    expect(ALL_STATES.filter((s) => isFinal(s) && canWithdraw(s))).toEqual([])
  })
})

describe('file names', () => {
  it('shows tables, images, text, archives and PDFs by their extension, in any case', () => {
    expect(previewKind('by-age.CSV')).toBe('table')
    expect(previewKind('counts.tsv')).toBe('table')
    expect(previewKind('plot.JPEG')).toBe('image')
    expect(previewKind('plot.png')).toBe('image')
    expect(previewKind('query.sql')).toBe('text')
    expect(previewKind('notes.md')).toBe('text')
    expect(previewKind('code.tar.gz')).toBe('archive')
    expect(previewKind('code.TGZ')).toBe('archive')
    expect(previewKind('code.zip')).toBe('archive')
    expect(previewKind('report.pdf')).toBe('pdf')
  })

  it('shows nothing for other types, names without an extension, or a leading-dot name', () => {
    expect(previewKind('model.pkl')).toBe('none')
    expect(previewKind('data.gz')).toBe('none')
    expect(previewKind('README')).toBe('none')
    expect(previewKind('.csv')).toBe('none')
  })

  it('reads the extension after the last dot, lower-cased', () => {
    expect(extension('a.b.TXT')).toBe('txt')
    expect(extension('noext')).toBe('')
    expect(extension('.hidden')).toBe('')
  })
})

describe('naming a request', () => {
  const more = (n: number) => `+ ${n}`

  it("is its current round's first file, with how many more", () => {
    expect(requestLabel(request(1, [file('by-age.csv', 1, 'fail')]), more)).toBe('by-age.csv')
    const two = request(2, [file('old.csv', 1, 'pass'), file('x.csv', 2, 'fail'), file('y.csv', 2, 'pass'), file('z.csv', 2, 'pass')])
    // the first submitted, not the first failing: the label does not move as checks change
    expect(requestLabel(two, more)).toBe('x.csv + 2')
  })

  it('falls back to a short id when the round has no files', () => {
    expect(requestLabel(request(3, [file('old.csv', 2, 'pass')]), more)).toBe('0f8e2c1a')
    expect(shortId('abc')).toBe('abc')
  })
})

describe('image types', () => {
  it('knows PNG and JPEG by their first bytes', () => {
    expect(imageMime(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe('image/png')
    expect(imageMime(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
  })

  it('refuses anything else, a cut-short signature, or nothing', () => {
    expect(imageMime(new TextEncoder().encode('GIF89a'))).toBeNull()
    expect(imageMime(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull()
    expect(imageMime(new Uint8Array([0xff, 0xd8]))).toBeNull()
    expect(imageMime(new Uint8Array())).toBeNull()
  })
})
