import type { FormEvent, KeyboardEvent } from 'react'
import type { FileEntry } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { InlineConfirm } from '../InlineConfirm'
import { workspaceStrings } from '../strings'
import { baseName } from '../workspace-files'

// The forms that open under a row of the file tree, each a table row of its own.

interface MoveProps {
  entry: FileEntry
  inputId: string
  value: string
  busy: boolean
  onValue(value: string): void
  onSubmit(e: FormEvent): void
  onCancel(): void
  onKeyDown(e: KeyboardEvent): void
}

/** Rename or move: the new path, with the name (not the folders) selected. */
export function MoveForm({ entry, inputId, value, busy, onValue, onSubmit, onCancel, onKeyDown }: MoveProps) {
  const t = useStrings(workspaceStrings).files
  return (
    <tr className="files__form-row">
      <td colSpan={4}>
        <form className="inline-form" onSubmit={onSubmit} onKeyDown={onKeyDown}>
          <label htmlFor={inputId}>{t.newPath(entry.path)}</label>
          <input
            id={inputId}
            className="inline-form__input"
            value={value}
            onChange={(e) => onValue(e.target.value)}
            // the name, not the folders, is what is usually changed
            onFocus={(e) =>
              e.target.setSelectionRange(entry.path.length - baseName(entry.path).length, e.target.value.length)
            }
            aria-describedby={`${inputId}-hint`}
            autoFocus
            spellCheck={false}
            data-testid="move-path"
          />
          <button
            type="submit"
            className="button button--primary button--small"
            disabled={busy}
            data-testid="move-submit"
          >
            {t.move}
          </button>
          <button type="button" className="button button--secondary button--small" onClick={onCancel}>
            {t.cancel}
          </button>
          <p id={`${inputId}-hint`} className="field__hint inline-form__hint">
            {t.pathHint}
          </p>
        </form>
      </td>
    </tr>
  )
}

interface DeleteProps {
  entry: FileEntry
  busy: boolean
  onConfirm(): void
  onCancel(): void
  onKeyDown(e: KeyboardEvent): void
}

/** "Delete …?": a folder's sentence says its contents go too. */
export function DeleteConfirm({ entry, busy, onConfirm, onCancel, onKeyDown }: DeleteProps) {
  const t = useStrings(workspaceStrings).files
  return (
    <tr className="files__form-row">
      <td colSpan={4}>
        <InlineConfirm
          label={t.deleteLabel(entry.path)}
          question={entry.type === 'dir' ? t.confirmDeleteFolder(entry.path) : t.confirmDeleteFile(entry.path)}
          confirmLabel={t.delete}
          cancelLabel={t.cancel}
          confirmTestId="delete-confirm"
          busy={busy}
          onConfirm={onConfirm}
          onCancel={onCancel}
          onKeyDown={onKeyDown}
        />
      </td>
    </tr>
  )
}
