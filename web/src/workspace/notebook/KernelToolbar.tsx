import type { Dispatch } from 'react'
import type { CellLanguage } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { InlineConfirm } from '../InlineConfirm'
import type { CellKind } from '../notebook-format'
import { workspaceStrings } from '../strings'
import type { NotebookAction, Notice } from './state'

interface ToolbarProps {
  /** the 0-based place of the cell being run, -1 when idle */
  runningIndex: number
  kernelBusy: boolean
  dispatch: Dispatch<NotebookAction>
  onInterrupt(): void
  onAddCell(kind: CellKind, language?: CellLanguage): void
}

/** Run all, interrupt and restart the kernel, add cells, and what the kernel is doing. */
export function KernelToolbar({ runningIndex, kernelBusy, dispatch, onInterrupt, onAddCell }: ToolbarProps) {
  const t = useStrings(workspaceStrings).notebook
  return (
    <div className="toolbar">
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={() => dispatch({ type: 'runAll' })}
        data-testid="run-all"
      >
        {t.runAll}
      </button>
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={onInterrupt}
        data-testid="kernel-interrupt"
      >
        {t.interrupt}
      </button>
      <button
        type="button"
        className="button button--secondary button--small"
        disabled={kernelBusy}
        onClick={() => dispatch({ type: 'restartAsked' })}
        data-testid="kernel-restart"
      >
        {t.restart}
      </button>
      <span className="toolbar__divider" aria-hidden="true" />
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={() => onAddCell('code', 'sql')}
        data-testid="add-sql-cell"
      >
        {t.addSql}
      </button>
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={() => onAddCell('code', 'python')}
        data-testid="add-python-cell"
      >
        {t.addPython}
      </button>
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={() => onAddCell('markdown')}
        data-testid="add-text-cell"
      >
        {t.addText}
      </button>
      <span className="kernel-state" role="status" data-testid="kernel-state">
        {runningIndex >= 0 ? t.kernelBusy(String(runningIndex + 1)) : t.kernelIdle}
      </span>
    </div>
  )
}

/** "Restart the kernel?": its variables are lost, so it is asked first. */
export function RestartConfirm({ onConfirm, onCancel }: { onConfirm(): void; onCancel(): void }) {
  const t = useStrings(workspaceStrings).notebook
  return (
    <InlineConfirm
      label={t.restart}
      question={t.confirmRestart}
      confirmLabel={t.restartConfirm}
      cancelLabel={t.cancel}
      confirmTestId="kernel-restart-confirm"
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  )
}

/** What the last interrupt or restart came to. */
export function KernelNotice({ notice }: { notice: Notice }) {
  const t = useStrings(workspaceStrings).notebook
  if (notice === null) return null
  const ok = notice.kind !== 'error'
  return (
    <p
      className={ok ? 'notice notice--ok' : 'error-message'}
      role={ok ? 'status' : 'alert'}
      data-testid="notebook-notice"
    >
      {notice.kind === 'interrupted' ? t.interrupted : notice.kind === 'restarted' ? t.restarted : notice.message}
    </p>
  )
}
