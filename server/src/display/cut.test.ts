import { describe, expect, it } from 'vitest'
import type { CellOutput } from '../notebook/kernel-service.js'
import { type CutBudget, cutCellOutputs, cutText, notebookPieces, sizeOf, utf8Prefix } from './cut.js'

/** A budget of `n` bytes, taken as the display service would. */
function budget(n: number): CutBudget & { left(): number } {
  let left = n
  return {
    take(bytes) {
      const got = Math.min(bytes, left)
      left -= got
      return got
    },
    takeWhole(bytes) {
      if (bytes > left) return false
      left -= bytes
      return true
    },
    left: () => left
  }
}

const table: CellOutput = {
  type: 'table',
  columns: [{ name: 'n', type: 'BIGINT' }],
  rows: Array.from({ length: 100 }, (_, i) => [i]),
  rowCount: 250,
  truncated: true
}

describe('cutting what reaches the screen', () => {
  it('never splits a UTF-8 character', () => {
    expect(utf8Prefix('日本語', 4)).toBe('日')
    expect(utf8Prefix('日本語', 6)).toBe('日本')
    expect(cutText('日本語', budget(5))).toEqual({ text: '日', heldBack: 6 })
  })

  it('passes outputs within the budget unchanged, and charges every byte of them as sent', () => {
    const outs: CellOutput[] = [{ type: 'stream', name: 'stdout', text: 'hello\n' }, table]
    const b = budget(1_000_000)
    const cut = cutCellOutputs(outs, b)
    expect(cut.outputs).toEqual(outs)
    expect(cut.heldBack).toBe(0)
    // a table is taken a row at a time: a comma more than its JSON at most
    const charged = 1_000_000 - b.left()
    expect(charged).toBeGreaterThanOrEqual(sizeOf(outs[0]!) + sizeOf(table))
    expect(charged).toBeLessThanOrEqual(sizeOf(outs[0]!) + sizeOf(table) + 1)
    expect(sizeOf(table)).toBe(JSON.stringify(table).length + 1)
  })

  it('cuts a stream at the budget and holds back everything after it; what is sent never costs more than was taken', () => {
    const outs: CellOutput[] = [
      { type: 'stream', name: 'stdout', text: 'a'.repeat(100) },
      { type: 'image', mime: 'image/png', data: 'QUJD' },
      { type: 'text', text: 'after' }
    ]
    const room = sizeOf({ type: 'stream', name: 'stdout', text: 'a'.repeat(40) })
    const b = budget(room)
    const cut = cutCellOutputs(outs, b)
    expect(cut.outputs).toEqual([{ type: 'stream', name: 'stdout', text: 'a'.repeat(40) }])
    expect(b.left()).toBe(0)
    expect(cut.heldBack).toBe(60 + sizeOf(outs[1]!) + sizeOf(outs[2]!))
    expect(Buffer.concat(cut.shown.map((p) => p.content)).toString()).toBe('a'.repeat(40))
  })

  it('counts characters JSON escapes as they are sent', () => {
    const nul: CellOutput = { type: 'stream', name: 'stdout', text: '\u0000'.repeat(100) }
    // 100 bytes of text, 600 of JSON
    const room = sizeOf({ ...nul, text: '' }) + 60
    const cut = cutCellOutputs([nul], budget(room))
    const sent = cut.outputs[0] as { text: string }
    expect(sizeOf(cut.outputs[0]!)).toBeLessThanOrEqual(room)
    expect(sent.text.length).toBe(10)
  })

  it('cuts a table at a whole row and keeps its count of every row', () => {
    const head = sizeOf({ ...table, rows: [] } as CellOutput)
    const cut = cutCellOutputs([table], budget(head + 3 * 4))
    const t = cut.outputs[0] as Extract<CellOutput, { type: 'table' }>
    expect(t.rows).toEqual([[0], [1], [2]])
    expect(t.rowCount).toBe(250)
    expect(t.truncated).toBe(true)
    expect(cut.heldBack).toBeGreaterThan(0)
  })

  it('shows an image whole or not at all, and hands its decoded bytes to the monitor apart', () => {
    const png = { type: 'image' as const, mime: 'image/png', data: Buffer.from('not really a png').toString('base64') }
    const whole = cutCellOutputs([png], budget(1_000))
    expect(whole.outputs).toEqual([png])
    expect(whole.shown).toEqual([{ content: Buffer.from('not really a png'), binary: true }])
    const none = cutCellOutputs([png], budget(10))
    expect(none.outputs).toEqual([])
    expect(none.heldBack).toBe(sizeOf(png))
  })

  it("keeps an error's name and message before its traceback", () => {
    const err: CellOutput = { type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['line 1', 'line 2'] }
    const room = sizeOf({ ...err, traceback: ['line 1'] })
    const cut = cutCellOutputs([err], budget(room))
    expect(cut.outputs).toEqual([{ type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['line 1'] }])
  })

  it("splits a notebook's images from its text for the monitor", () => {
    const nb = JSON.stringify({
      cells: [
        {
          cell_type: 'code',
          source: ['print(1)'],
          outputs: [{ output_type: 'display_data', data: { 'image/png': Buffer.from('PNGDATA').toString('base64') } }]
        }
      ]
    })
    const pieces = notebookPieces(nb)
    expect(pieces[0]!.binary).toBe(false)
    expect(pieces[0]!.content.toString()).toContain('print(1)')
    expect(pieces[0]!.content.toString()).not.toContain(Buffer.from('PNGDATA').toString('base64'))
    expect(pieces[1]).toEqual({ content: Buffer.from('PNGDATA'), binary: true })
  })
})
