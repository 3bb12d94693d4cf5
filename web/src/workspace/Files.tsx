import { useCallback, useEffect, useId, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { ApiClient } from '../api/client'
import type { FileEntry, FileList } from '../api/types'
import { formatBytes, formatCount, formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'
import {
  ancestorsOf,
  baseName,
  createNotebook,
  errorText,
  INBOX,
  isEditableText,
  isInOutbox,
  isNotebook,
  OUTBOX,
  parentOf
} from './workspace-files'

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

interface TreeNode {
  entry: FileEntry
  children: TreeNode[]
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
    const missing = ancestorsOf(path).filter((a) => !expanded.has(a))
    if (missing.length > 0) onExpandedChange(new Set([...expanded, ...missing]))
  }

  function toggle(path: string) {
    const next = new Set(expanded)
    if (!next.delete(path)) next.add(path)
    onExpandedChange(next)
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
        <form className="inline-form" onSubmit={submitFolder} onKeyDown={cancelOnEscape}>
          <label htmlFor={`${formId}-folder`}>{t.folderPath}</label>
          <input
            id={`${formId}-folder`}
            className="inline-form__input"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-describedby={`${formId}-folder-hint`}
            autoFocus
            spellCheck={false}
            data-testid="new-folder-path"
          />
          <button type="submit" className="button button--primary button--small" disabled={busy}>
            {t.create}
          </button>
          <button type="button" className="button button--secondary button--small" onClick={() => setForm(null)}>
            {t.cancel}
          </button>
          <p id={`${formId}-folder-hint`} className="field__hint inline-form__hint">
            {t.pathHint}
          </p>
        </form>
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
                form={form}
                value={value}
                formId={formId}
                onToggle={() => toggle(entry.path)}
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

interface RowProps {
  entry: FileEntry
  depth: number
  open: boolean
  busy: boolean
  form: Form
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

function FileRow(p: RowProps) {
  const t = useStrings(workspaceStrings).files
  const { language } = useLanguage()
  const { entry } = p
  const isDir = entry.type === 'dir'
  // inbox/ and outbox/ themselves always exist; the server refuses to move or delete them
  const fixed = entry.path === INBOX || entry.path === OUTBOX
  const openable = !isDir && (isNotebook(entry.path) || isEditableText(entry.path))
  const moving = p.form?.kind === 'move' && p.form.path === entry.path
  const deleting = p.form?.kind === 'delete' && p.form.entry.path === entry.path
  const inputId = `${p.formId}-move-${entry.path}`

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
      {moving && (
        <tr className="files__form-row">
          <td colSpan={4}>
            <form className="inline-form" onSubmit={p.onSubmitMove} onKeyDown={p.onKeyDown}>
              <label htmlFor={inputId}>{t.newPath(entry.path)}</label>
              <input
                id={inputId}
                className="inline-form__input"
                value={p.value}
                onChange={(e) => p.onValue(e.target.value)}
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
                disabled={p.busy}
                data-testid="move-submit"
              >
                {t.move}
              </button>
              <button type="button" className="button button--secondary button--small" onClick={p.onCancel}>
                {t.cancel}
              </button>
              <p id={`${inputId}-hint`} className="field__hint inline-form__hint">
                {t.pathHint}
              </p>
            </form>
          </td>
        </tr>
      )}
      {deleting && (
        <tr className="files__form-row">
          <td colSpan={4}>
            <div className="inline-confirm" role="group" aria-label={t.deleteLabel(entry.path)} onKeyDown={p.onKeyDown}>
              <p>{isDir ? t.confirmDeleteFolder(entry.path) : t.confirmDeleteFile(entry.path)}</p>
              <button
                type="button"
                className="button button--danger button--small"
                disabled={p.busy}
                onClick={p.onConfirmDelete}
                data-testid="delete-confirm"
              >
                {t.delete}
              </button>
              <button type="button" className="button button--secondary button--small" onClick={p.onCancel} autoFocus>
                {t.cancel}
              </button>
            </div>
          </td>
        </tr>
      )}
    </>
  )
}

/** Creates notebooks/Untitled….ipynb and hands its path on; shown in Files and in the empty Notebook tab. */
export function NewNotebookButton({
  api,
  sessionId,
  onCreated,
  onError
}: {
  api: ApiClient
  sessionId: string
  onCreated(path: string): void
  onError(message: string): void
}) {
  const t = useStrings(workspaceStrings).files
  const [creating, setCreating] = useState(false)

  async function create() {
    setCreating(true)
    try {
      onCreated(await createNotebook(api, sessionId))
    } catch (err) {
      onError(errorText(err))
    } finally {
      setCreating(false)
    }
  }

  return (
    <button
      type="button"
      className="button button--primary button--small"
      disabled={creating}
      onClick={() => void create()}
      data-testid="new-notebook"
    >
      {creating ? t.creatingNotebook : t.newNotebook}
    </button>
  )
}

/** Folders first, then by name; an entry whose folder is not listed (a truncated list) sits at the top level. */
function buildTree(entries: FileEntry[]): TreeNode[] {
  const nodes = new Map(entries.map((entry) => [entry.path, { entry, children: [] as TreeNode[] }]))
  const roots: TreeNode[] = []
  for (const node of nodes.values()) {
    const parent = nodes.get(parentOf(node.entry.path))
    if (parent !== undefined && parent.entry.type === 'dir') parent.children.push(node)
    else roots.push(node)
  }
  const sort = (list: TreeNode[]) => {
    list.sort(
      (a, b) =>
        Number(b.entry.type === 'dir') - Number(a.entry.type === 'dir') || a.entry.name.localeCompare(b.entry.name)
    )
    for (const n of list) sort(n.children)
  }
  sort(roots)
  return roots
}

function visibleRows(
  nodes: TreeNode[],
  expanded: ReadonlySet<string>,
  depth = 0,
  out: { entry: FileEntry; depth: number }[] = []
) {
  for (const node of nodes) {
    out.push({ entry: node.entry, depth })
    if (node.entry.type === 'dir' && expanded.has(node.entry.path)) visibleRows(node.children, expanded, depth + 1, out)
  }
  return out
}
