import { useCallback, useEffect, useId, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { ApiClient } from '../../api/client'
import type { FileEntry, FileList } from '../../api/types'
import { formatCount } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { workspaceStrings } from '../strings'
import { errorText, isNotebook } from '../workspace-files'
import { FileRow } from './FileRow'
import { NewFolderForm } from './NewFolderForm'
import { NewNotebookButton } from './NewNotebookButton'
import { buildTree, openedTo, toggled, visibleRows } from './tree'

interface Props {
  api: ApiClient
  sessionId: string
  /** open folders, kept by the workspace so that they stay open across tab switches */
  expanded: ReadonlySet<string>
  onExpandedChange(expanded: ReadonlySet<string>): void
  onOpenNotebook(path: string): void
  onOpenText(path: string): void
  /** a file or folder moved (renamed, or into the outbox): open editors follow it */
  onMoved(from: string, to: string): void
}

/** What the inline form under the toolbar or a row is doing. */
type Form = { kind: 'folder' } | { kind: 'move'; path: string } | { kind: 'delete'; entry: FileEntry } | null

type Status = { kind: 'ok' | 'error'; text: string } | null

/**
 * The researcher's workspace folder as a tree: open notebooks and text files, make folders,
 * rename, move, delete, and move results into the outbox for the airlock. Data files have no open
 * action: they are read in a notebook or the terminal, never sent to the browser.
 */
export function FilesView({ api, sessionId, expanded, onExpandedChange, onOpenNotebook, onOpenText, onMoved }: Props) {
  const t = useStrings(workspaceStrings).files
  const displayText = useStrings(workspaceStrings).display
  const { language } = useLanguage()
  const [list, setList] = useState<FileList | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [refreshing, setRefreshing] = useState(false)
  const [form, setForm] = useState<Form>(null)
  const [value, setValue] = useState('')
  const [busy, setBusy] = useState(false)
  const [status, setStatus] = useState<Status>(null)
  const formId = useId()

  const refresh = useCallback(async () => {
    setRefreshing(true)
    try {
      setList(await api.listFiles(sessionId))
      setLoadError(null)
    } catch (err) {
      setLoadError(errorText(err))
    } finally {
      setRefreshing(false)
    }
  }, [api, sessionId])

  useEffect(() => {
    void refresh()
  }, [refresh])

  function showPath(path: string) {
    const opened = openedTo(expanded, path)
    if (opened !== null) onExpandedChange(opened)
  }

  function openForm(next: Form, initial = '') {
    setForm(next)
    setValue(initial)
    setStatus(null)
  }

  /** Runs one change; on success closes the form, says what happened and re-reads the tree. On error nothing changes but the message. */
  async function act(work: () => Promise<string>) {
    setBusy(true)
    setStatus(null)
    try {
      const done = await work()
      setForm(null)
      setStatus({ kind: 'ok', text: done })
      await refresh()
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err) })
    } finally {
      setBusy(false)
    }
  }

  function submitFolder(e: FormEvent) {
    e.preventDefault()
    const path = value.trim()
    if (path === '') return
    void act(async () => {
      const entry = await api.makeFolder(sessionId, path)
      showPath(entry.path)
      return t.created(entry.path)
    })
  }

  function submitMove(e: FormEvent, from: string) {
    e.preventDefault()
    const to = value.trim()
    if (to === '' || to === from) {
      setForm(null)
      return
    }
    void act(async () => {
      const entry = await api.moveFile(sessionId, from, to)
      onMoved(from, entry.path)
      showPath(entry.path)
      return t.moved(from, entry.path)
    })
  }

  function remove(entry: FileEntry) {
    void act(async () => {
      await api.deleteFile(sessionId, entry.path)
      return t.deleted(entry.path)
    })
  }

  function toOutbox(entry: FileEntry) {
    void act(async () => {
      const moved = await api.moveToOutbox(sessionId, entry.path)
      onMoved(entry.path, moved.path)
      showPath(moved.path)
      return t.inOutbox(moved.path)
    })
  }

  const cancelOnEscape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') setForm(null)
  }

  const rows = list === null ? [] : visibleRows(buildTree(list.entries), expanded)

  return (
    <section className="files" aria-labelledby={`${formId}-heading`} data-testid="files">
      <div className="toolbar">
        <h2 id={`${formId}-heading`} className="toolbar__title">
          {t.heading}
        </h2>
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={refreshing}
          onClick={() => void refresh()}
          data-testid="files-refresh"
        >
          {t.refresh}
        </button>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => openForm({ kind: 'folder' })}
          data-testid="new-folder"
        >
          {t.newFolder}
        </button>
        <NewNotebookButton
          api={api}
          sessionId={sessionId}
          onCreated={onOpenNotebook}
          onError={(message) => setStatus({ kind: 'error', text: message })}
        />
      </div>
      <p className="files__intro">{t.intro}</p>
      <p className="files__outbox-note">{t.outboxNote}</p>

      {form?.kind === 'folder' && (
        <NewFolderForm
          formId={formId}
          value={value}
          busy={busy}
          onValue={setValue}
          onSubmit={submitFolder}
          onCancel={() => setForm(null)}
          onKeyDown={cancelOnEscape}
        />
      )}

      {status !== null && (
        <p
          className={status.kind === 'ok' ? 'notice notice--ok' : 'error-message'}
          role={status.kind === 'ok' ? 'status' : 'alert'}
          data-testid="files-status"
        >
          {status.text}
        </p>
      )}
      {loadError !== null && (
        <p className="error-message" role="alert">
          {loadError}
        </p>
      )}
      {list === null && loadError === null && <p role="status">{t.loading}</p>}
      {list !== null && list.entries.length === 0 && <p className="empty-state">{t.empty}</p>}
      {list?.displayCut === true && (
        <p className="notice notice--warn" data-testid="files-cut">
          {displayText.listCut}
        </p>
      )}
      {list?.truncated === true && list.displayCut !== true && (
        <p className="notice notice--warn">{t.truncated(formatCount(list.entries.length, language))}</p>
      )}

      {rows.length > 0 && (
        <table className="files__table">
          <thead>
            <tr>
              <th scope="col">{t.columns.name}</th>
              <th scope="col" className="files__size">
                {t.columns.size}
              </th>
              <th scope="col">{t.columns.modified}</th>
              <th scope="col">{t.columns.actions}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ entry, depth }) => (
              <FileRow
                key={entry.path}
                entry={entry}
                depth={depth}
                open={expanded.has(entry.path)}
                busy={busy}
                moving={form?.kind === 'move' && form.path === entry.path}
                deleting={form?.kind === 'delete' && form.entry.path === entry.path}
                value={value}
                formId={formId}
                onToggle={() => onExpandedChange(toggled(expanded, entry.path))}
                onOpen={() => (isNotebook(entry.path) ? onOpenNotebook(entry.path) : onOpenText(entry.path))}
                onRename={() => openForm({ kind: 'move', path: entry.path }, entry.path)}
                onDelete={() => openForm({ kind: 'delete', entry })}
                onOutbox={() => toOutbox(entry)}
                onValue={setValue}
                onSubmitMove={(e) => submitMove(e, entry.path)}
                onConfirmDelete={() => remove(entry)}
                onCancel={() => setForm(null)}
                onKeyDown={cancelOnEscape}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
