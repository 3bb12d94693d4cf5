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
              <FileAction label={t.open} aria={t.openLabel(entry.path)} onClick={p.onOpen} testId="file-open" />
            )}
            {!isDir && !openable && <span className="files__note">{t.notOpenable}</span>}
            {!fixed && (
              <>
                <FileAction
                  label={t.rename}
                  aria={t.renameLabel(entry.path)}
                  onClick={p.onRename}
                  testId="file-rename"
                />
                {!isInOutbox(entry.path) && (
                  <FileAction
                    label={t.toOutbox}
                    aria={t.toOutboxLabel(entry.path)}
                    disabled={p.busy}
                    onClick={p.onOutbox}
                    testId="file-outbox"
                  />
                )}
                <FileAction
                  label={t.delete}
                  aria={t.deleteLabel(entry.path)}
                  onClick={p.onDelete}
                  testId="file-delete"
                />
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

/** One of a row's actions; its accessible name names the file, as several rows offer the same. */
function FileAction(props: { label: string; aria: string; disabled?: boolean; onClick(): void; testId: string }) {
  return (
    <button
      type="button"
      className="button button--secondary button--small"
      aria-label={props.aria}
      disabled={props.disabled}
      onClick={props.onClick}
      data-testid={props.testId}
    >
      {props.label}
    </button>
  )
}
