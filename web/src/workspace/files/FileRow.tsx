import type { FormEvent, KeyboardEvent } from 'react'
import type { FileEntry } from '../../api/types'
import { formatBytes, formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { workspaceStrings } from '../strings'
import { INBOX, isEditableText, isInOutbox, isNotebook, OUTBOX } from '../workspace-files'
import { DeleteConfirm, MoveForm } from './RowForms'

interface Props {
  entry: FileEntry
  depth: number
  open: boolean
  busy: boolean
  /** its rename form is open */
  moving: boolean
  /** its delete confirmation is open */
  deleting: boolean
  value: string
  formId: string
  onToggle(): void
  onOpen(): void
  onRename(): void
  onDelete(): void
  onOutbox(): void
  onValue(value: string): void
  onSubmitMove(e: FormEvent): void
  onConfirmDelete(): void
  onCancel(): void
  onKeyDown(e: KeyboardEvent): void
}

/** One file or folder of the tree, its actions, and under it the rename form or delete confirmation when open. */
export function FileRow(p: Props) {
  const t = useStrings(workspaceStrings).files
  const { language } = useLanguage()
  const { entry } = p
  const isDir = entry.type === 'dir'
  // inbox/ and outbox/ themselves always exist; the server refuses to move or delete them
  const fixed = entry.path === INBOX || entry.path === OUTBOX
  const openable = !isDir && (isNotebook(entry.path) || isEditableText(entry.path))

  return (
    <>
      <tr className="files__row" data-testid="file-row" data-path={entry.path} data-type={entry.type}>
        <td className="files__name" data-depth={Math.min(p.depth, 8)}>
          {isDir ? (
            <button type="button" className="files__folder" aria-expanded={p.open} onClick={p.onToggle}>
              <span className="files__chevron" aria-hidden="true">
                {p.open ? '▾' : '▸'}
              </span>
              <span className="visually-hidden">{t.folder} </span>
              {entry.name}/
            </button>
          ) : (
            <span className="files__file">{entry.name}</span>
          )}
        </td>
        <td className="files__size">{isDir ? '' : formatBytes(entry.size, language)}</td>
        <td className="files__modified">{formatDateTime(entry.modifiedAt, language)}</td>
        <td>
          <div className="files__actions">
            {openable && (
              <button
                type="button"
                className="button button--secondary button--small"
                aria-label={t.openLabel(entry.path)}
                onClick={p.onOpen}
                data-testid="file-open"
              >
                {t.open}
              </button>
            )}
            {!isDir && !openable && <span className="files__note">{t.notOpenable}</span>}
            {!fixed && (
              <>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  aria-label={t.renameLabel(entry.path)}
                  onClick={p.onRename}
                  data-testid="file-rename"
                >
                  {t.rename}
                </button>
                {!isInOutbox(entry.path) && (
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    aria-label={t.toOutboxLabel(entry.path)}
                    disabled={p.busy}
                    onClick={p.onOutbox}
                    data-testid="file-outbox"
                  >
                    {t.toOutbox}
                  </button>
                )}
                <button
                  type="button"
                  className="button button--secondary button--small"
                  aria-label={t.deleteLabel(entry.path)}
                  onClick={p.onDelete}
                  data-testid="file-delete"
                >
                  {t.delete}
                </button>
              </>
            )}
          </div>
        </td>
      </tr>
      {p.moving && (
        <MoveForm
          entry={entry}
          inputId={`${p.formId}-move-${entry.path}`}
          value={p.value}
          busy={p.busy}
          onValue={p.onValue}
          onSubmit={p.onSubmitMove}
          onCancel={p.onCancel}
          onKeyDown={p.onKeyDown}
        />
      )}
      {p.deleting && (
        <DeleteConfirm
          entry={entry}
          busy={p.busy}
          onConfirm={p.onConfirmDelete}
          onCancel={p.onCancel}
          onKeyDown={p.onKeyDown}
        />
      )}
    </>
  )
}
