import { describe, expect, it } from 'vitest'
import { cleanOutputs } from './outputs.js'

describe("a cell's outputs as the gateway passes them on", () => {
  it('keeps the known kinds with their known fields only', () => {
    const out = cleanOutputs([
      { type: 'stream', name: 'stdout', text: 'hi', extra: 'x'.repeat(1000) },
      {
        type: 'table',
        columns: [{ name: 'n', type: 'BIGINT', secret: 'y' }],
        rows: [[1]],
        rowCount: 1,
        truncated: false,
        note: 'the whole claims table'
      },
      { type: 'image', mime: 'image/png', data: 'QUJD', alt: 'z' }
    ])
    expect(out).toEqual([
      { type: 'stream', name: 'stdout', text: 'hi' },
      { type: 'table', columns: [{ name: 'n', type: 'BIGINT' }], rows: [[1]], rowCount: 1, truncated: false },
      { type: 'image', mime: 'image/png', data: 'QUJD' }
    ])
  })

  it('drops what is not one of the kinds, or has a field of the wrong type', () => {
    expect(
      cleanOutputs([
        { type: 'html', html: '<b>x</b>' },
        { type: 'stream', name: 'stdin', text: 'x' },
        { type: 'image', mime: 'image/svg+xml', data: 'QUJD' },
        { type: 'image', mime: 'image/png', data: 'not base64!' },
        { type: 'table', columns: [{ name: 1 }], rows: [] },
        'text',
        null
      ])
    ).toEqual([])
    expect(cleanOutputs({ not: 'an array' })).toEqual([])
  })

  it("takes a table's row count only as a whole number no smaller than its rows", () => {
    const [t] = cleanOutputs([{ type: 'table', columns: [], rows: [[1], [2]], rowCount: 'R'.repeat(5_000_000) }])
    expect(t).toMatchObject({ rowCount: 2, truncated: false })
    const [u] = cleanOutputs([{ type: 'table', columns: [], rows: [[1]], rowCount: 500, truncated: false }])
    expect(u).toMatchObject({ rowCount: 500, truncated: true })
  })
})
