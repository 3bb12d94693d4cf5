import { describe, expect, it } from 'vitest'
import type { CellOutput } from '../api/types'
import {
  checkOutputs,
  newCell,
  newNotebookContent,
  NotebookFormatError,
  parseNotebook,
  serializeNotebook,
  TABLE_MIME,
  type NotebookDoc
} from './notebook-format'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

function problemOf(text: string): string | null {
  try {
    parseNotebook(text)
    return null
  } catch (err) {
    return err instanceof NotebookFormatError ? err.problem : 'other'
  }
}

describe('reading a notebook', () => {
  it('refuses what is not JSON, not nbformat 4, or not shaped like a notebook, saying which', () => {
    expect(problemOf('{')).toBe('json')
    expect(problemOf('')).toBe('json')
    expect(problemOf('[]')).toBe('shape')
    expect(problemOf('null')).toBe('shape')
    expect(problemOf(JSON.stringify({ nbformat: 3, cells: [] }))).toBe('version')
    expect(problemOf(JSON.stringify({ nbformat: 4 }))).toBe('shape')
    expect(problemOf(JSON.stringify({ nbformat: 4, cells: [{ cell_type: 'widget', source: '' }] }))).toBe('shape')
    expect(problemOf(JSON.stringify({ nbformat: 4, cells: [{ cell_type: 'code', source: 42 }] }))).toBe('shape')
    expect(problemOf(JSON.stringify({ nbformat: 4, cells: [] }))).toBeNull()
  })

  it('joins a source written as a list of lines', () => {
    const doc = parseNotebook(
      JSON.stringify({ nbformat: 4, nbformat_minor: 4, cells: [{ cell_type: 'markdown', source: ['# 見出し\n', 'text'] }] })
    )
    expect(doc.cells[0]).toMatchObject({ kind: 'markdown', source: '# 見出し\ntext', outputs: [] })
    expect(doc.nbformatMinor).toBe(4)
  })

  it('reads a code cell as Python unless its metadata says SQL, keeping other metadata', () => {
    const doc = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        cells: [
          { cell_type: 'code', id: 'q1', source: 'select 1', metadata: { vre: { language: 'sql', durationMs: 40, pinned: true }, tags: ['x'] } },
          { cell_type: 'code', id: 'p1', source: 'print(1)', metadata: {} }
        ]
      })
    )
    expect(doc.cells[0]).toMatchObject({
      id: 'q1',
      language: 'sql',
      durationMs: 40,
      metadata: { vre: { pinned: true }, tags: ['x'] }
    })
    expect(doc.cells[1]).toMatchObject({ id: 'p1', language: 'python', durationMs: null, metadata: {} })
  })

  it('gives cells without a usable id, or with one already taken, a new unique one', () => {
    const doc = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        cells: [
          { cell_type: 'raw', id: 'same', source: '' },
          { cell_type: 'raw', id: 'same', source: '' },
          { cell_type: 'raw', id: 'has space', source: '' },
          { cell_type: 'raw', source: '' }
        ]
      })
    )
    const ids = doc.cells.map((c) => c.id)
    expect(ids[0]).toBe('same')
    expect(new Set(ids).size).toBe(4)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
  })

  it('reads nbformat outputs as the kernel shapes, falling back to text for rich ones and dropping HTML-only ones', () => {
    const doc = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        cells: [
          {
            cell_type: 'code',
            source: 'x',
            execution_count: 3,
            outputs: [
              { output_type: 'stream', name: 'stdout', text: ['a\n', 'b\n'] },
              { output_type: 'display_data', data: { 'text/html': '<b>x</b>', 'text/plain': 'x' } },
              { output_type: 'display_data', data: { 'text/html': '<script>alert(1)</script>' } },
              { output_type: 'display_data', data: { 'image/png': [PNG.slice(0, 20), '\n', PNG.slice(20)] } },
              { output_type: 'display_data', data: { 'image/svg+xml': '<svg/>' } },
              { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['line 1'] },
              { output_type: 'unknown' }
            ]
          }
        ]
      })
    )
    expect(doc.cells[0]!.executionCount).toBe(3)
    expect(doc.cells[0]!.outputs).toEqual([
      { type: 'stream', name: 'stdout', text: 'a\nb\n' },
      { type: 'text', text: 'x' },
      { type: 'image', mime: 'image/png', data: PNG },
      { type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['line 1'] }
    ])
  })

  it('keeps no outputs or execution count for a text cell', () => {
    const doc = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        cells: [{ cell_type: 'markdown', source: 'x', execution_count: 2, outputs: [{ output_type: 'stream', name: 'stdout', text: 'y' }] }]
      })
    )
    expect(doc.cells[0]).toMatchObject({ outputs: [], executionCount: null, durationMs: null })
  })
})

describe('writing a notebook', () => {
  const table: CellOutput = {
    type: 'table',
    columns: [{ name: 'age', type: 'INTEGER', index: true }, { name: '名前', type: 'VARCHAR' }],
    rows: [[1, 'あ'], [2, null]],
    rowCount: 5,
    truncated: true
  }
  const doc: NotebookDoc = {
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformatMinor: 4,
    cells: [
      {
        ...newCell('code', 'sql'),
        id: 'c1',
        source: 'select *\r\nfrom t\n',
        executionCount: 4,
        durationMs: 17,
        outputs: [{ type: 'stream', name: 'stderr', text: 'warn\n' }, table],
        metadata: { tags: ['keep'] }
      },
      {
        ...newCell('code', 'python'),
        id: 'c2',
        source: 'plot()',
        executionCount: 5,
        outputs: [
          { type: 'image', mime: 'image/png', data: PNG },
          { type: 'text', text: 'done\nok' },
          { type: 'error', ename: 'KeyError', evalue: "'x'", traceback: [] }
        ]
      },
      { ...newCell('markdown', 'python'), id: 'm1', source: '# Résumé ✓\n\n- 一\n', attachments: { 'a.png': { 'image/png': PNG } } },
      { ...newCell('raw', 'python'), id: 'r1', source: '' }
    ]
  }

  it('reads back what it wrote, cell for cell', () => {
    const again = parseNotebook(serializeNotebook(doc))
    expect(again.cells).toEqual(doc.cells)
    expect(again.metadata).toEqual(doc.metadata)
  })

  it('writes nbformat 4.5 at least, indented by one with a final newline, as Jupyter does', () => {
    const text = serializeNotebook(doc)
    const raw = JSON.parse(text)
    expect(raw.nbformat).toBe(4)
    expect(raw.nbformat_minor).toBe(5)
    expect(JSON.parse(serializeNotebook({ ...doc, nbformatMinor: 9 })).nbformat_minor).toBe(9)
    expect(text.endsWith('}\n')).toBe(true)
    expect(text.split('\n')[1]).toBe(' "cells": [')
  })

  it('writes sources as lines with their line ends kept, and the language and duration in vre metadata', () => {
    const [code, , markdown, raw] = JSON.parse(serializeNotebook(doc)).cells
    expect(code.source).toEqual(['select *\r\n', 'from t\n'])
    expect(code.metadata).toEqual({ tags: ['keep'], vre: { language: 'sql', durationMs: 17 } })
    expect(markdown.source).toEqual(['# Résumé ✓\n', '\n', '- 一\n'])
    expect(markdown.attachments).toEqual({ 'a.png': { 'image/png': PNG } })
    expect(markdown).not.toHaveProperty('outputs')
    expect(raw.source).toEqual([])
  })

  it('writes the last table or text as the result and what came before as displayed', () => {
    const [first, second] = JSON.parse(serializeNotebook(doc)).cells
    expect(first.outputs.map((o: { output_type: string }) => o.output_type)).toEqual(['stream', 'execute_result'])
    expect(first.outputs[1]).toMatchObject({ execution_count: 4, data: { 'text/plain': '5 rows' } })
    expect(first.outputs[1].data[TABLE_MIME]).toEqual({
      columns: table.columns,
      rows: [[1, 'あ'], [2, null]],
      rowCount: 5,
      truncated: true
    })
    expect(second.outputs.map((o: { output_type: string }) => o.output_type)).toEqual([
      'display_data',
      'display_data',
      'error'
    ])
  })

  it('writes an error without a traceback with an empty one, as nbformat requires', () => {
    const bare: NotebookDoc = {
      ...doc,
      cells: [{ ...newCell('code'), id: 'e', outputs: [{ type: 'error', ename: 'E', evalue: '' }] }]
    }
    expect(JSON.parse(serializeNotebook(bare)).cells[0].outputs).toEqual([
      { output_type: 'error', ename: 'E', evalue: '', traceback: [] }
    ])
  })

  it('keeps a display cut in the file as a note on stderr', () => {
    const cut: NotebookDoc = {
      ...doc,
      cells: [{ ...newCell('code'), id: 'x', outputs: [{ type: 'display-cut', heldBackBytes: 2048, availableBytes: 0, bytesPerMinute: 100 }] }]
    }
    const [cell] = JSON.parse(serializeNotebook(cut)).cells
    expect(cell.outputs).toEqual([
      { output_type: 'stream', name: 'stderr', text: ['[output cut by the display budget: 2048 bytes were held back]\n'] }
    ])
  })

  it('makes a new notebook that opens empty, with a Python kernelspec', () => {
    const fresh = parseNotebook(newNotebookContent())
    expect(fresh.cells).toEqual([])
    expect(fresh.metadata).toMatchObject({ kernelspec: { name: 'python3' }, language_info: { name: 'python' } })
    expect(fresh.nbformatMinor).toBe(5)
  })
})

describe('checking outputs', () => {
  it('keeps well-formed outputs of every kind and drops the rest', () => {
    expect(
      checkOutputs([
        { type: 'stream', name: 'stdout', text: 'x' },
        { type: 'stream', name: 'stdin', text: 'x' },
        { type: 'image', mime: 'image/jpeg', data: '/9j/ 4AAQ\n' },
        { type: 'image', mime: 'image/gif', data: 'R0lG' },
        { type: 'image', mime: 'image/png', data: 'not base64!' },
        { type: 'html', html: '<b>' },
        { type: 'error' },
        null,
        'text'
      ])
    ).toEqual([
      { type: 'stream', name: 'stdout', text: 'x' },
      { type: 'image', mime: 'image/jpeg', data: '/9j/4AAQ' },
      { type: 'error', ename: 'Error', evalue: '' }
    ])
  })

  it('marks a table truncated when it counts more rows than it carries, and refuses malformed ones', () => {
    const [table] = checkOutputs([{ type: 'table', columns: [{ name: 'n' }], rows: [[1]], rowCount: 3 }])
    expect(table).toEqual({ type: 'table', columns: [{ name: 'n', type: '' }], rows: [[1]], rowCount: 3, truncated: true })
    expect(checkOutputs([{ type: 'table', columns: [{ type: 'x' }], rows: [] }])).toEqual([])
    expect(checkOutputs([{ type: 'table', columns: [], rows: [1] }])).toEqual([])
  })

  it('reads a display cut with nonsense numbers as zero', () => {
    expect(checkOutputs([{ type: 'display-cut', heldBackBytes: -1, availableBytes: 'x', bytesPerMinute: 60 }])).toEqual([
      { type: 'display-cut', heldBackBytes: 0, availableBytes: 0, bytesPerMinute: 60 }
    ])
  })
})
