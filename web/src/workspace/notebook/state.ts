import type { CellLanguage, CellResult } from '../../api/types'
import { checkOutputs, type NotebookCell, type NotebookDoc, type NotebookProblem } from '../notebook-format'

// Everything the open notebook holds, changed only through `notebookReducer`. The run queue lives
// here too: cells run one at a time in the order asked, and the view starts the kernel call for
// whichever job is `running`.

export type Load =
  { kind: 'loading' } | { kind: 'failed'; problem: NotebookProblem | null; message: string } | { kind: 'ready' }

export type RunState = 'queued' | 'running'

/** A cell as it was when its run was asked for: editing it meanwhile does not change what runs. */
export interface RunJob {
  id: string
  language: CellLanguage
  source: string
}

/** The select's options: a code cell's language, or a text cell. */
export type CellType = CellLanguage | 'markdown' | 'raw'

/** What the last kernel action came to; the view words it in the user's language. */
export type Notice = { kind: 'interrupted' } | { kind: 'restarted' } | { kind: 'error'; message: string } | null

/** After a render: put the focus on this cell's source, or on one of its move buttons. */
export type Focus = { id: string; on: 'source' | 'up' | 'down' } | null

export interface NotebookState {
  load: Load
  /** counts reloads; each one reads the file again */
  generation: number
  cells: NotebookCell[]
  doc: Omit<NotebookDoc, 'cells'>
  /** every change counts up; the notebook is unsaved while the count differs from the saved one */
  revision: number
  savedRevision: number
  activeId: string | null
  /** the job the kernel is running now */
  running: RunJob | null
  /** jobs waiting behind it, in order */
  queue: RunJob[]
  /** why a cell's run was refused (the request failed; its outputs stayed as they were) */
  runErrors: ReadonlyMap<string, string>
  confirmRestart: boolean
  /** a restart is under way */
  kernelBusy: boolean
  notice: Notice
  focus: Focus
}

export type NotebookAction =
  | { type: 'reload' }
  | { type: 'loadStarted' }
  | { type: 'loaded'; doc: NotebookDoc }
  | { type: 'loadFailed'; problem: NotebookProblem | null; message: string }
  | { type: 'select'; id: string }
  | { type: 'editSource'; id: string; source: string }
  | { type: 'setType'; id: string; cellType: CellType }
  /** `cell` is made by the caller (its id is random): inserted after the selected cell, or at the end */
  | { type: 'addCell'; cell: NotebookCell }
  | { type: 'moveCell'; id: string; by: -1 | 1 }
  | { type: 'deleteCell'; id: string }
  | { type: 'run'; ids: readonly string[] }
  | { type: 'runAll' }
  /** runs the cell and selects the one after it (Shift+Enter) */
  | { type: 'runAndNext'; id: string }
  | { type: 'runFinished'; job: RunJob; result: CellResult }
  | { type: 'runFailed'; job: RunJob; message: string }
  | { type: 'saved'; revision: number }
  | { type: 'interruptStarted' }
  | { type: 'interruptDone' }
  | { type: 'interruptFailed'; message: string }
  | { type: 'restartAsked' }
  | { type: 'restartCancelled' }
  | { type: 'restartStarted' }
  | { type: 'restartDone' }
  | { type: 'restartFailed'; message: string }

export const initialNotebookState: NotebookState = {
  load: { kind: 'loading' },
  generation: 0,
  cells: [],
  doc: { metadata: {}, nbformatMinor: 5 },
  revision: 0,
  savedRevision: 0,
  activeId: null,
  running: null,
  queue: [],
  runErrors: new Map(),
  confirmRestart: false,
  kernelBusy: false,
  notice: null,
  focus: null
}

export function isReady(state: NotebookState): boolean {
  return state.load.kind === 'ready'
}

export function isDirty(state: NotebookState): boolean {
  return isReady(state) && state.revision !== state.savedRevision
}

/** 'running', 'queued', or null for a cell that is neither. */
export function runStateOf(state: NotebookState, id: string): RunState | null {
  if (state.running?.id === id) return 'running'
  return state.queue.some((job) => job.id === id) ? 'queued' : null
}

/** The 0-based place of the cell being run, or -1 when the kernel is idle (or its cell was deleted). */
export function runningIndex(state: NotebookState): number {
  const running = state.running
  return running === null ? -1 : state.cells.findIndex((c) => c.id === running.id)
}

/** The document as it would be saved now. */
export function notebookDoc(state: NotebookState): NotebookDoc {
  return { ...state.doc, cells: state.cells }
}

export function notebookReducer(state: NotebookState, action: NotebookAction): NotebookState {
  switch (action.type) {
    case 'reload':
      return { ...state, generation: state.generation + 1 }
    case 'loadStarted':
      return { ...state, load: { kind: 'loading' } }
    case 'loaded': {
      const { cells, ...doc } = action.doc
      return {
        ...state,
        load: { kind: 'ready' },
        cells,
        doc,
        revision: 0,
        savedRevision: 0,
        activeId: cells[0]?.id ?? null,
        runErrors: new Map()
      }
    }
    case 'loadFailed':
      return { ...state, load: { kind: 'failed', problem: action.problem, message: action.message } }
    case 'select':
      return state.activeId === action.id ? state : { ...state, activeId: action.id }
    case 'editSource':
      return changeCell(state, action.id, { source: action.source })
    case 'setType':
      return changeCell(state, action.id, typePatch(action.cellType))
    case 'addCell': {
      const at = state.cells.findIndex((c) => c.id === state.activeId)
      const { cell } = action
      const cells = at < 0 ? [...state.cells, cell] : [...state.cells.slice(0, at + 1), cell, ...state.cells.slice(at + 1)]
      return { ...changed(state, cells), activeId: cell.id, focus: { id: cell.id, on: 'source' } }
    }
    case 'moveCell': {
      const from = state.cells.findIndex((c) => c.id === action.id)
      const to = from + action.by
      if (from < 0 || to < 0 || to >= state.cells.length) return state
      const cells = [...state.cells]
      const [cell] = cells.splice(from, 1)
      cells.splice(to, 0, cell!)
      return { ...changed(state, cells), focus: { id: action.id, on: action.by < 0 ? 'up' : 'down' } }
    }
    case 'deleteCell': {
      const at = state.cells.findIndex((c) => c.id === action.id)
      if (at < 0) return state
      const neighbour = state.cells[at + 1] ?? state.cells[at - 1]
      return {
        ...changed(
          state,
          state.cells.filter((c) => c.id !== action.id)
        ),
        activeId: neighbour?.id ?? null,
        focus: neighbour !== undefined ? { id: neighbour.id, on: 'source' } : null
      }
    }
    case 'run':
      return enqueue(
        state,
        state.cells.filter((c) => action.ids.includes(c.id))
      )
    case 'runAll':
      return enqueue(state, state.cells)
    case 'runAndNext': {
      const at = state.cells.findIndex((c) => c.id === action.id)
      if (at < 0) return state
      const queued = enqueue(state, [state.cells[at]!])
      const next = state.cells[at + 1]
      return next === undefined ? queued : { ...queued, activeId: next.id, focus: { id: next.id, on: 'source' } }
    }
    case 'runFinished': {
      if (state.running !== action.job) return state
      const { id } = action.job
      const { result } = action
      let after = state
      // a cell deleted while it ran keeps nothing: there is no cell to show the result in
      if (state.cells.some((c) => c.id === id)) {
        after = changed(
          state,
          state.cells.map((c) =>
            c.id === id
              ? {
                  ...c,
                  outputs: checkOutputs(result.outputs),
                  executionCount: result.executionCount,
                  durationMs: result.durationMs
                }
              : c
          )
        )
      }
      // like Jupyter, "run all" stops at the first cell that fails
      return startNext({ ...after, running: null, queue: result.status === 'error' ? [] : after.queue })
    }
    case 'runFailed': {
      if (state.running !== action.job) return state
      const runErrors = new Map(state.runErrors).set(action.job.id, action.message)
      // the request itself was refused (session ended, source too long): outputs stay, the queue stops
      return { ...state, running: null, queue: [], runErrors }
    }
    case 'saved':
      return { ...state, savedRevision: action.revision }
    case 'interruptStarted':
      return { ...state, queue: [], notice: null }
    case 'interruptDone':
      return { ...state, notice: { kind: 'interrupted' } }
    case 'interruptFailed':
      return { ...state, notice: { kind: 'error', message: action.message } }
    case 'restartAsked':
      return { ...state, confirmRestart: true }
    case 'restartCancelled':
      return { ...state, confirmRestart: false }
    case 'restartStarted':
      return { ...state, confirmRestart: false, queue: [], notice: null, kernelBusy: true }
    case 'restartDone':
      return { ...state, kernelBusy: false, notice: { kind: 'restarted' } }
    case 'restartFailed':
      return { ...state, kernelBusy: false, notice: { kind: 'error', message: action.message } }
  }
}

/** A change to the cells: counts as an edit (the notebook becomes unsaved). */
function changed(state: NotebookState, cells: NotebookCell[]): NotebookState {
  return { ...state, cells, revision: state.revision + 1 }
}

function changeCell(state: NotebookState, id: string, patch: Partial<NotebookCell>): NotebookState {
  if (!state.cells.some((c) => c.id === id)) return state
  return changed(
    state,
    state.cells.map((c) => (c.id === id ? { ...c, ...patch } : c))
  )
}

function typePatch(type: CellType): Partial<NotebookCell> {
  if (type === 'sql' || type === 'python') return { kind: 'code', language: type }
  // a text cell has no outputs
  return { kind: type, outputs: [], executionCount: null, durationMs: null }
}

/** Queues the code cells that have something to run and are not already waiting; clears their last refusal. */
function enqueue(state: NotebookState, cells: readonly NotebookCell[]): NotebookState {
  const jobs = cells
    .filter((c) => c.kind === 'code' && c.source.trim() !== '' && !state.queue.some((j) => j.id === c.id))
    .map((c): RunJob => ({ id: c.id, language: c.language, source: c.source }))
  if (jobs.length === 0) return state
  const runErrors = new Map(state.runErrors)
  for (const job of jobs) runErrors.delete(job.id)
  return startNext({ ...state, queue: [...state.queue, ...jobs], runErrors })
}

/** While the kernel is free, the first job waiting becomes the running one. */
function startNext(state: NotebookState): NotebookState {
  if (state.running !== null) return state
  const [next, ...rest] = state.queue
  return next === undefined ? state : { ...state, running: next, queue: rest }
}
