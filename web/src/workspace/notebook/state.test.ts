import { describe, expect, it } from 'vitest'
import type { CellResult } from '../../api/types'
import { newCell, type NotebookCell } from '../notebook-format'
import {
  initialNotebookState,
  isDirty,
  isReady,
  notebookDoc,
  notebookReducer,
  runningIndex,
  runStateOf,
  type NotebookAction,
  type NotebookState
} from './state'

function cell(id: string, source: string, kind: NotebookCell['kind'] = 'code'): NotebookCell {
  return { ...newCell(kind, 'sql'), id, source }
}

function apply(state: NotebookState, ...actions: NotebookAction[]): NotebookState {
  return actions.reduce(notebookReducer, state)
}

/** A notebook read from a file with cells a, b, c (all SQL with something to run). */
function loaded(cells = [cell('a', 'select 1'), cell('b', 'select 2'), cell('c', 'select 3')]): NotebookState {
  return apply(initialNotebookState, {
    type: 'loaded',
    doc: { cells, metadata: { kernelspec: { name: 'python3' } }, nbformatMinor: 5 }
  })
}

const ok = (rows: number[][] = [[1]]): CellResult => ({
  status: 'ok',
  outputs: [{ type: 'table', columns: [{ name: 'x', type: 'INTEGER' }], rows, rowCount: rows.length, truncated: false }],
  executionCount: 7,
  durationMs: 12
})
const failed: CellResult = {
  status: 'error',
  outputs: [{ type: 'error', ename: 'ParserException', evalue: 'syntax error' }],
  executionCount: 8,
  durationMs: 3
}

const ids = (state: NotebookState) => state.cells.map((c) => c.id)

describe('loading', () => {
  it('starts loading, with nothing to save', () => {
    expect(initialNotebookState.load).toEqual({ kind: 'loading' })
    expect(isReady(initialNotebookState)).toBe(false)
    expect(isDirty(initialNotebookState)).toBe(false)
  })

  it('is ready and saved once read, with the first cell selected and the document kept', () => {
    const state = loaded()
    expect(isReady(state)).toBe(true)
    expect(isDirty(state)).toBe(false)
    expect(state.activeId).toBe('a')
    expect(notebookDoc(state)).toEqual({
      cells: state.cells,
      metadata: { kernelspec: { name: 'python3' } },
      nbformatMinor: 5
    })
  })

  it('selects nothing in an empty notebook', () => {
    expect(loaded([]).activeId).toBeNull()
  })

  it('keeps the reason a file could not be opened', () => {
    const state = apply(initialNotebookState, { type: 'loadFailed', problem: 'version', message: 'not nbformat 4' })
    expect(state.load).toEqual({ kind: 'failed', problem: 'version', message: 'not nbformat 4' })
    expect(isReady(state)).toBe(false)
  })

  it('counts a reload, and reading again forgets the edits and the refusals of the copy before', () => {
    const edited = apply(loaded(), { type: 'run', ids: ['a'] })
    const refused = apply(edited, { type: 'runFailed', job: edited.running!, message: 'session ended' })
    const dirty = apply(refused, { type: 'editSource', id: 'b', source: 'select 20' })
    expect(isDirty(dirty)).toBe(true)
    const reloading = apply(dirty, { type: 'reload' }, { type: 'loadStarted' })
    expect(reloading.generation).toBe(dirty.generation + 1)
    expect(reloading.load).toEqual({ kind: 'loading' })
    // while it loads there is nothing to save
    expect(isDirty(reloading)).toBe(false)
    const again = apply(reloading, { type: 'loaded', doc: { cells: [cell('a', 'select 1')], metadata: {}, nbformatMinor: 4 } })
    expect(isDirty(again)).toBe(false)
    expect(again.runErrors.size).toBe(0)
    expect(ids(again)).toEqual(['a'])
  })
})

describe('editing', () => {
  it('changes a cell source and marks the notebook unsaved', () => {
    const state = apply(loaded(), { type: 'editSource', id: 'b', source: 'select 22' })
    expect(state.cells[1]!.source).toBe('select 22')
    expect(isDirty(state)).toBe(true)
  })

  it('ignores an edit of a cell that is gone', () => {
    const before = loaded()
    expect(apply(before, { type: 'editSource', id: 'zz', source: 'x' })).toBe(before)
  })

  it('selects a cell; selecting the selected one changes nothing', () => {
    const before = loaded()
    expect(apply(before, { type: 'select', id: 'c' }).activeId).toBe('c')
    expect(apply(before, { type: 'select', id: 'a' })).toBe(before)
  })

  it('turns a code cell with outputs into text without outputs, and back to code with its language', () => {
    const ran = apply(loaded(), { type: 'run', ids: ['a'] })
    const withOutput = apply(ran, { type: 'runFinished', job: ran.running!, result: ok() })
    expect(withOutput.cells[0]!.outputs).toHaveLength(1)
    const text = apply(withOutput, { type: 'setType', id: 'a', cellType: 'markdown' })
    expect(text.cells[0]).toMatchObject({ kind: 'markdown', outputs: [], executionCount: null, durationMs: null })
    const python = apply(text, { type: 'setType', id: 'a', cellType: 'python' })
    expect(python.cells[0]).toMatchObject({ kind: 'code', language: 'python', source: 'select 1' })
    expect(python.revision).toBe(withOutput.revision + 2)
  })

  it('adds a cell after the selected one, selects it and asks for the focus on its source', () => {
    const state = apply(loaded(), { type: 'select', id: 'b' }, { type: 'addCell', cell: cell('n', '') })
    expect(ids(state)).toEqual(['a', 'b', 'n', 'c'])
    expect(state.activeId).toBe('n')
    expect(state.focus).toEqual({ id: 'n', on: 'source' })
    expect(isDirty(state)).toBe(true)
  })

  it('adds a cell at the end when none is selected', () => {
    const state = apply(loaded([]), { type: 'addCell', cell: cell('n', '', 'markdown') })
    expect(ids(state)).toEqual(['n'])
  })

  it('moves a cell up or down, keeping the focus on the button that moved it', () => {
    const up = apply(loaded(), { type: 'moveCell', id: 'c', by: -1 })
    expect(ids(up)).toEqual(['a', 'c', 'b'])
    expect(up.focus).toEqual({ id: 'c', on: 'up' })
    const down = apply(up, { type: 'moveCell', id: 'a', by: 1 })
    expect(ids(down)).toEqual(['c', 'a', 'b'])
    expect(down.focus).toEqual({ id: 'a', on: 'down' })
    expect(isDirty(down)).toBe(true)
  })

  it('does not move the first cell up or the last one down', () => {
    const before = loaded()
    expect(apply(before, { type: 'moveCell', id: 'a', by: -1 })).toBe(before)
    expect(apply(before, { type: 'moveCell', id: 'c', by: 1 })).toBe(before)
  })

  it('deletes a cell and selects the one after it, or before it when it was the last', () => {
    const middle = apply(loaded(), { type: 'deleteCell', id: 'b' })
    expect(ids(middle)).toEqual(['a', 'c'])
    expect(middle.activeId).toBe('c')
    expect(middle.focus).toEqual({ id: 'c', on: 'source' })
    const last = apply(middle, { type: 'deleteCell', id: 'c' })
    expect(last.activeId).toBe('a')
    const none = apply(last, { type: 'deleteCell', id: 'a' })
    expect(none.cells).toEqual([])
    expect(none.activeId).toBeNull()
    expect(none.focus).toBeNull()
    expect(isDirty(none)).toBe(true)
  })
})

describe('running', () => {
  it('runs the first cell asked at once and queues the rest, in order', () => {
    const state = apply(loaded(), { type: 'runAll' })
    expect(state.running).toEqual({ id: 'a', language: 'sql', source: 'select 1' })
    expect(state.queue.map((j) => j.id)).toEqual(['b', 'c'])
    expect(['a', 'b', 'c'].map((id) => runStateOf(state, id))).toEqual(['running', 'queued', 'queued'])
    expect(runningIndex(state)).toBe(0)
  })

  it('skips text cells and empty code cells, and a cell already waiting', () => {
    const cells = [cell('a', 'select 1'), cell('t', '# notes', 'markdown'), cell('e', '  \n'), cell('b', 'select 2')]
    const state = apply(loaded(cells), { type: 'runAll' }, { type: 'run', ids: ['b'] })
    expect(state.running?.id).toBe('a')
    expect(state.queue.map((j) => j.id)).toEqual(['b'])
    expect(apply(loaded(cells), { type: 'run', ids: ['t', 'e'] }).running).toBeNull()
  })

  it('runs the source as it was when asked, not as edited while waiting', () => {
    const queued = apply(loaded(), { type: 'runAll' }, { type: 'editSource', id: 'b', source: 'select 99' })
    expect(queued.queue[0]).toEqual({ id: 'b', language: 'sql', source: 'select 2' })
  })

  it('keeps the result in the cell, marks the notebook unsaved and starts the next job', () => {
    const started = apply(loaded(), { type: 'runAll' })
    const state = apply(started, { type: 'runFinished', job: started.running!, result: ok([[1], [2]]) })
    expect(state.cells[0]).toMatchObject({ executionCount: 7, durationMs: 12 })
    expect(state.cells[0]!.outputs).toEqual([
      { type: 'table', columns: [{ name: 'x', type: 'INTEGER' }], rows: [[1], [2]], rowCount: 2, truncated: false }
    ])
    expect(isDirty(state)).toBe(true)
    expect(state.running?.id).toBe('b')
    expect(runStateOf(state, 'a')).toBeNull()
  })

  it('drops outputs of a shape it does not show', () => {
    const started = apply(loaded(), { type: 'run', ids: ['a'] })
    const result = { ...ok(), outputs: [{ type: 'html', html: '<script>' }, { type: 'text', text: 'ok' }] }
    const state = apply(started, { type: 'runFinished', job: started.running!, result: result as CellResult })
    expect(state.cells[0]!.outputs).toEqual([{ type: 'text', text: 'ok' }])
  })

  it('stops "run all" at the first cell that fails, like Jupyter', () => {
    const started = apply(loaded(), { type: 'runAll' })
    const state = apply(started, { type: 'runFinished', job: started.running!, result: failed })
    expect(state.cells[0]!.outputs).toEqual([{ type: 'error', ename: 'ParserException', evalue: 'syntax error' }])
    expect(state.running).toBeNull()
    expect(state.queue).toEqual([])
    expect(runningIndex(state)).toBe(-1)
  })

  it('keeps a refused run as the cell error, leaves its outputs and stops the queue', () => {
    const first = apply(loaded(), { type: 'run', ids: ['a'] })
    const withOutput = apply(first, { type: 'runFinished', job: first.running!, result: ok() })
    const again = apply(withOutput, { type: 'runAll' })
    const state = apply(again, { type: 'runFailed', job: again.running!, message: 'The session has ended.' })
    expect(state.runErrors.get('a')).toBe('The session has ended.')
    expect(state.cells[0]!.outputs).toEqual(withOutput.cells[0]!.outputs)
    expect(state.revision).toBe(withOutput.revision)
    expect(state.running).toBeNull()
    expect(state.queue).toEqual([])
    // running it again clears the error
    expect(apply(state, { type: 'run', ids: ['a'] }).runErrors.has('a')).toBe(false)
  })

  it('keeps nothing of a result for a cell deleted while it ran, and moves on', () => {
    const started = apply(loaded(), { type: 'runAll' })
    const deleted = apply(started, { type: 'deleteCell', id: 'a' })
    expect(runningIndex(deleted)).toBe(-1)
    const state = apply(deleted, { type: 'runFinished', job: started.running!, result: ok() })
    expect(ids(state)).toEqual(['b', 'c'])
    expect(state.cells.every((c) => c.outputs.length === 0 && c.executionCount === null)).toBe(true)
    expect(state.revision).toBe(deleted.revision)
    expect(state.running?.id).toBe('b')
  })

  it('does not count a result as an edit once the deletion that came before it was saved', () => {
    const started = apply(loaded(), { type: 'run', ids: ['a'] })
    const deleted = apply(started, { type: 'deleteCell', id: 'a' })
    const saved = apply(deleted, { type: 'saved', revision: deleted.revision })
    expect(isDirty(apply(saved, { type: 'runFinished', job: started.running!, result: ok() }))).toBe(false)
  })

  it('ignores an answer for a job that is not the running one', () => {
    const started = apply(loaded(), { type: 'run', ids: ['a'] })
    const stale = { ...started.running! }
    expect(apply(started, { type: 'runFinished', job: stale, result: ok() })).toBe(started)
    expect(apply(started, { type: 'runFailed', job: stale, message: 'x' })).toBe(started)
  })

  it('runs a running cell again after it finishes when asked meanwhile', () => {
    const started = apply(loaded(), { type: 'run', ids: ['a'] })
    const again = apply(started, { type: 'editSource', id: 'a', source: 'select 10' }, { type: 'run', ids: ['a'] })
    expect(runStateOf(again, 'a')).toBe('running')
    const next = apply(again, { type: 'runFinished', job: started.running!, result: ok() })
    expect(next.running).toEqual({ id: 'a', language: 'sql', source: 'select 10' })
  })

  it('runs a cell and selects the next one (Shift+Enter); on the last cell it only runs', () => {
    const state = apply(loaded(), { type: 'runAndNext', id: 'a' })
    expect(state.running?.id).toBe('a')
    expect(state.activeId).toBe('b')
    expect(state.focus).toEqual({ id: 'b', on: 'source' })
    const last = apply(loaded(), { type: 'select', id: 'c' }, { type: 'runAndNext', id: 'c' })
    expect(last.running?.id).toBe('c')
    expect(last.activeId).toBe('c')
    expect(last.focus).toBeNull()
  })
})

describe('saving', () => {
  it('is saved at the revision the save was made from', () => {
    const edited = apply(loaded(), { type: 'editSource', id: 'a', source: 'select 11' })
    expect(isDirty(apply(edited, { type: 'saved', revision: edited.revision }))).toBe(false)
  })

  it('stays unsaved when edited while the save was under way', () => {
    const edited = apply(loaded(), { type: 'editSource', id: 'a', source: 'select 11' })
    const at = edited.revision
    const meanwhile = apply(edited, { type: 'editSource', id: 'a', source: 'select 12' }, { type: 'saved', revision: at })
    expect(isDirty(meanwhile)).toBe(true)
  })
})

describe('the kernel', () => {
  it('interrupting drops the waiting jobs but lets the running one answer', () => {
    const started = apply(loaded(), { type: 'runAll' })
    const interrupted = apply(started, { type: 'interruptStarted' })
    expect(interrupted.queue).toEqual([])
    expect(interrupted.running).toBe(started.running)
    expect(runStateOf(interrupted, 'b')).toBeNull()
    expect(apply(interrupted, { type: 'interruptDone' }).notice).toEqual({ kind: 'interrupted' })
    const answered = apply(interrupted, { type: 'runFinished', job: started.running!, result: failed })
    expect(answered.running).toBeNull()
  })

  it('clears the last notice when interrupting, and keeps why an interrupt failed', () => {
    const before = apply(loaded(), { type: 'interruptStarted' }, { type: 'interruptDone' })
    expect(apply(before, { type: 'interruptStarted' }).notice).toBeNull()
    const refused = apply(before, { type: 'interruptStarted' }, { type: 'interruptFailed', message: 'no kernel' })
    expect(refused.notice).toEqual({ kind: 'error', message: 'no kernel' })
  })

  it('asks before a restart, and a cancel asks no more', () => {
    const asked = apply(loaded(), { type: 'restartAsked' })
    expect(asked.confirmRestart).toBe(true)
    expect(apply(asked, { type: 'restartCancelled' }).confirmRestart).toBe(false)
  })

  it('is busy while restarting, with the queue dropped, then says it restarted', () => {
    const started = apply(loaded(), { type: 'runAll' }, { type: 'restartAsked' }, { type: 'restartStarted' })
    expect(started).toMatchObject({ confirmRestart: false, kernelBusy: true, notice: null, queue: [] })
    expect(apply(started, { type: 'restartDone' })).toMatchObject({ kernelBusy: false, notice: { kind: 'restarted' } })
    expect(apply(started, { type: 'restartFailed', message: 'gone' })).toMatchObject({
      kernelBusy: false,
      notice: { kind: 'error', message: 'gone' }
    })
  })

  it('a failed interrupt during a restart leaves the restart busy', () => {
    const restarting = apply(loaded(), { type: 'restartStarted' })
    expect(apply(restarting, { type: 'interruptFailed', message: 'x' }).kernelBusy).toBe(true)
  })
})
