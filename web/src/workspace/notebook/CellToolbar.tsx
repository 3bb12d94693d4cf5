import type { Dispatch } from 'react'
import { useStrings } from '../../i18n/language'
import type { NotebookCell } from '../notebook-format'
import { workspaceStrings } from '../strings'
import type { CellType, NotebookAction, RunState } from './state'

interface Props {
  cell: NotebookCell
  index: number
  count: number
  run: RunState | null
  /** the id of the type select, for its (hidden) label */
  typeSelectId: string
  dispatch: Dispatch<NotebookAction>
  onDelete(): void
}

/** A cell's bar: execution count, type, run, state, and the move and delete tools. */
export function CellToolbar({ cell, index, count, run, typeSelectId, dispatch, onDelete }: Props) {
  const t = useStrings(workspaceStrings).notebook
  const code = cell.kind === 'code'
  const type: CellType = cell.kind === 'code' ? cell.language : cell.kind
  const n = String(index + 1)
  const move = (by: -1 | 1) => dispatch({ type: 'moveCell', id: cell.id, by })

  const executionCount =
    run === 'running' ? '*' : run === 'queued' ? '…' : cell.executionCount !== null ? cell.executionCount : ' '
  const status =
    run === 'running'
      ? t.running
      : run === 'queued'
        ? t.queued
        : cell.durationMs !== null
          ? t.duration(cell.durationMs)
          : code && cell.executionCount === null
            ? t.notRun
            : ''

  return (
    <div className="cell__bar">
      {code && (
        <span className="cell__count" data-testid="cell-count">
          [{executionCount}]
        </span>
      )}
      <label className="visually-hidden" htmlFor={typeSelectId}>
        {t.cellKind}
      </label>
      <select
        id={typeSelectId}
        className="cell__type"
        value={type}
        onChange={(e) => dispatch({ type: 'setType', id: cell.id, cellType: e.target.value as CellType })}
        data-testid="cell-language"
      >
        <option value="sql">{t.kinds.sql}</option>
        <option value="python">{t.kinds.python}</option>
        <option value="markdown">{t.kinds.markdown}</option>
        {cell.kind === 'raw' && <option value="raw">{t.kinds.raw}</option>}
      </select>
      {code && (
        <button
          type="button"
          className="button button--primary button--small"
          aria-label={t.runLabel(n)}
          onClick={() => dispatch({ type: 'run', ids: [cell.id] })}
          data-testid="cell-run"
        >
          {t.run}
        </button>
      )}
      <span className="cell__status" data-testid="cell-status">
        {status}
      </span>
      <span className="cell__tools">
        <button
          type="button"
          className="icon-button"
          aria-label={t.moveUp}
          title={t.moveUp}
          disabled={index === 0}
          onClick={() => move(-1)}
          data-focus="up"
        >
          ↑
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={t.moveDown}
          title={t.moveDown}
          disabled={index === count - 1}
          onClick={() => move(1)}
          data-focus="down"
        >
          ↓
        </button>
        <button
          type="button"
          className="icon-button icon-button--danger"
          aria-label={t.deleteCell}
          title={t.deleteCell}
          onClick={onDelete}
          data-testid="cell-delete"
        >
          ✕
        </button>
      </span>
    </div>
  )
}
