import { useId, useState, type Dispatch, type KeyboardEvent } from 'react'
import type { ApiClient } from '../../api/client'
import { useStrings } from '../../i18n/language'
import { InlineConfirm } from '../InlineConfirm'
import { CellOutputs } from './CellOutputs'
import type { NotebookCell } from '../notebook-format'
import { workspaceStrings } from '../strings'
import { CellToolbar } from './CellToolbar'
import { ExportCsv } from './ExportCsv'
import type { NotebookAction, RunState } from './state'

interface Props {
  api: ApiClient
  sessionId: string
  cell: NotebookCell
  index: number
  count: number
  selected: boolean
  run: RunState | null
  runError: string | null
  dispatch: Dispatch<NotebookAction>
}

/** One cell: its bar, its source (Shift+Enter runs and moves on, Ctrl/Cmd+Enter runs), its outputs. */
export function CellView({ api, sessionId, cell, index, count, selected, run, runError, dispatch }: Props) {
  const t = useStrings(workspaceStrings).notebook
  const id = useId()
  const [confirmDelete, setConfirmDelete] = useState(false)
  const code = cell.kind === 'code'
  const type = cell.kind === 'code' ? cell.language : cell.kind
  const n = String(index + 1)
  const hasTable = code && cell.outputs.some((o) => o.type === 'table')
  const remove = () => dispatch({ type: 'deleteCell', id: cell.id })
  const select = () => dispatch({ type: 'select', id: cell.id })

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key !== 'Enter' || e.altKey) return
    if (e.shiftKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault()
      dispatch({ type: 'runAndNext', id: cell.id })
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey) {
      e.preventDefault()
      dispatch({ type: 'run', ids: [cell.id] })
    }
  }

  return (
    <section
      className={`cell cell--${cell.kind}${selected ? ' cell--selected' : ''}`}
      aria-label={t.cellLabel(n, t.kinds[type])}
      onFocus={select}
      onClick={select}
      data-testid="notebook-cell"
      data-cell-id={cell.id}
      data-kind={cell.kind}
      data-language={code ? cell.language : undefined}
      data-state={run ?? 'idle'}
    >
      <CellToolbar
        cell={cell}
        index={index}
        count={count}
        run={run}
        typeSelectId={`${id}-type`}
        dispatch={dispatch}
        onDelete={() => (cell.source.trim() === '' ? remove() : setConfirmDelete(true))}
      />
      {confirmDelete && (
        <InlineConfirm
          label={t.deleteCell}
          question={t.confirmDelete}
          confirmLabel={t.deleteConfirm}
          cancelLabel={t.cancel}
          confirmTestId="cell-delete-confirm"
          onConfirm={remove}
          onCancel={() => setConfirmDelete(false)}
        />
      )}
      <textarea
        className={`cell__source${code ? ' cell__source--code' : ''}`}
        value={cell.source}
        onChange={(e) => dispatch({ type: 'editSource', id: cell.id, source: e.target.value })}
        onKeyDown={onKeyDown}
        rows={Math.max(2, cell.source.split('\n').length)}
        wrap={code ? 'off' : 'soft'}
        spellCheck={!code}
        aria-label={t.source(n)}
        data-testid="cell-source"
      />
      {runError !== null && (
        <p className="error-message" role="alert" data-testid="cell-error">
          {runError}
        </p>
      )}
      {code && cell.outputs.length > 0 && <CellOutputs outputs={cell.outputs} cellNumber={n} />}
      {hasTable && run === null && <ExportCsv api={api} sessionId={sessionId} cell={cell} />}
    </section>
  )
}
